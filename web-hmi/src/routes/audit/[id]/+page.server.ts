// The decision history of one recommendation: its events with who, when and the model version.
// Needs GET /api/v1/recommendations/:id/events (API.md); without it, the page shows what the
// recommendation itself says and names the missing route.
import { OUTCOMES, clock } from '#lib/format.ts';
import { error } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { loadFailure } from '#lib/server/failures.ts';
import { GatewayError, gateway, type HistoryEvent } from '#lib/server/inference.ts';
import { can } from '#lib/server/session.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
  const s = locals.session!;
  if (!can(s, Permission.AuditRead)) error(403, 'The audit pages are for auditors. Your role does not include them.');
  const g = gateway(s.token);
  try {
    const rec = await g.recommendation(params.id);
    let events: HistoryEvent[] | null = null;
    try {
      events = await g.history(params.id);
    } catch (e) {
      if (!(e instanceof GatewayError) || e.code !== 'NO_ROUTE') throw e;
    }
    return {
      problem: null,
      rec: {
        id: rec.recommendationId,
        assetPath: rec.assetPath,
        message: rec.message,
        status: rec.status,
        source: rec.source,
        modelVersionId: rec.modelVersionId,
        raisedAt: rec.raisedAt,
        actBy: rec.actBy,
      },
      // every evidence update is another RecommendationRaised: folded into the first one, counted
      events:
        events === null
          ? null
          : collapse(events).map(({ e, updates }) => ({
              type: e.type,
              recordedAt: e.recordedAt,
              actor: e.actor,
              role: e.role,
              modelVersionId: e.modelVersionId,
              detail: detailOf(e),
              updates,
            })),
    };
  } catch (e) {
    return { problem: loadFailure(e), rec: null, events: null };
  }
};

function collapse(events: HistoryEvent[]): { e: HistoryEvent; updates: number }[] {
  const out: { e: HistoryEvent; updates: number }[] = [];
  for (const e of events) {
    const first = e.type === 'RecommendationRaised' ? out.find((x) => x.e.type === 'RecommendationRaised') : undefined;
    if (first) first.updates++;
    else out.push({ e, updates: 0 });
  }
  return out;
}

function detailOf(e: HistoryEvent): string {
  const d = e.data;
  const s = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  switch (e.type) {
    case 'RecommendationRaised':
      return s('message') ?? '';
    case 'RecommendationRejected':
      return [s('reason')?.replace(/-/g, ' '), s('note')].filter(Boolean).join(' — ');
    case 'RecommendationOverridden':
      return [s('actionTaken'), s('reason')].filter(Boolean).join(' — ');
    case 'RecommendationShelved':
      return `until ${clock(s('until') ?? '')}${d.endOfShift === true ? ' (end of shift)' : ''} — ${s('reason') ?? ''}`;
    case 'OutcomeRecorded': {
      const o = s('outcome');
      const word = OUTCOMES.find((x) => x.value === o)?.label ?? (o === 'unknown' ? 'Not known' : o?.replace(/-/g, ' '));
      return [word, s('note')].filter(Boolean).join(' — ');
    }
    default:
      return s('note') ?? '';
  }
}
