// "What needs doing now": open recommendations, highest priority and nearest deadline first, and
// the operator's decisions on them (Acknowledge, Done → outcome, Not done with a reason, Manual mode).
import { fail, redirect } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { PRIORITY_RANK, linePathOf } from '#lib/format.ts';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { gateway, type NotDoneReason } from '#lib/server/inference.ts';
import { can } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

const REASONS: readonly NotDoneReason[] = ['false-alarm', 'already-handled', 'not-safe-now', 'no-capacity', 'other'];

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('hmi:recommendations');
  const s = locals.session!;
  if (!can(s, Permission.RecommendationDecide) && can(s, Permission.AuditRead)) redirect(303, '/audit');
  const g = gateway(s.token);
  try {
    const [recs, modes] = await Promise.all([g.recommendations({ open: true, max: 200 }), g.modes()]);
    recs.sort((a, b) => (PRIORITY_RANK[b.priority] ?? 0) - (PRIORITY_RANK[a.priority] ?? 0) || Date.parse(a.actBy) - Date.parse(b.actBy));
    return {
      problem: null,
      recommendations: recs.map((r) => {
        const evidence = Array.isArray(r.record.evidence) ? (r.record.evidence as { feature?: unknown; value?: unknown; unit?: unknown }[]) : [];
        const mode = modes[r.assetPath] ?? modes[linePathOf(r.assetPath)] ?? null;
        return {
          id: r.recommendationId,
          assetPath: r.assetPath,
          ...split(r.message, evidence),
          status: r.status,
          priority: r.priority,
          ruleBased: r.source === 'rules',
          actBy: r.actBy,
          raisedAt: r.raisedAt,
          mode: mode?.mode ?? 'auto',
        };
      }),
    };
  } catch (error) {
    return { problem: loadFailure(error), recommendations: [] };
  }
};

/**
 * The gateway's message reads "Pump 4 (rule-based check, …): bearing temperature 18 °C above
 * normal, vibration rising. Inspect the pump 4 bearing within the next hour." The card shows the
 * action as the main line and the evidence as one line under it; the rule-based note becomes a badge.
 */
function split(message: string, evidence: { feature?: unknown; value?: unknown; unit?: unknown }[]): { message: string; evidence: string | null } {
  const m = /^[^:]+:\s*(.+?\.)\s+([A-Z][^]*)$/.exec(message);
  if (m?.[1] && m[2]) return { message: m[2].trim(), evidence: m[1].replace(/\.$/, '') };
  const parts = evidence
    .filter((e) => typeof e.feature === 'string' && typeof e.value === 'number')
    .map((e) => `${String(e.feature).replace(/_/g, ' ')} ${Math.round((e.value as number) * 10) / 10} ${typeof e.unit === 'string' ? e.unit : ''}`.trim());
  return { message, evidence: parts.length > 0 ? parts.join(', ') : null };
}

const idOf = (form: FormData) => String(form.get('id') ?? '');

export const actions: Actions = {
  acknowledge: async ({ request, locals }) => {
    const id = idOf(await request.formData());
    try {
      await gateway(locals.session!.token).acknowledge(id);
      return { done: 'acknowledged', about: id };
    } catch (error) {
      return failWith(error, id);
    }
  },
  done: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idOf(form);
    try {
      await gateway(locals.session!.token).done(id);
    } catch (error) {
      return failWith(error, id);
    }
    redirect(303, `/recommendations/${encodeURIComponent(id)}/outcome`);
  },
  notDone: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idOf(form);
    const reason = String(form.get('reason') ?? '') as NotDoneReason;
    const note = String(form.get('note') ?? '').trim();
    if (!REASONS.includes(reason)) return failWith400('Choose why it was not done.', 'reason', id);
    if (reason === 'other' && note === '') return failWith400('Say in a few words why it was not done.', 'note', id);
    try {
      await gateway(locals.session!.token).notDone(id, reason, note || undefined);
      return { done: 'not-done', about: id };
    } catch (error) {
      return failWith(error, id);
    }
  },
  manual: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idOf(form);
    const path = String(form.get('assetPath') ?? '');
    const reason = String(form.get('reason') ?? '').trim() || 'Operator took manual control from the prompt';
    try {
      await gateway(locals.session!.token).setMode(path, 'manual', reason);
      return { done: 'manual', about: id };
    } catch (error) {
      return failWith(error, id);
    }
  },
};

function failWith400(message: string, field: string, about: string) {
  return fail(400, { message, field, about });
}
