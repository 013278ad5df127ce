// "What needs doing now": open recommendations, highest priority and nearest deadline first, and
// the operator's decisions on them (Acknowledge, Done → outcome, Not done with a reason, Manual mode).
import { fail, redirect } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { PRIORITY_RANK, linePathOf } from '#lib/format.ts';
import { config } from '#lib/server/config.ts';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { unwatchedOf } from '#lib/server/unwatched.ts';
import { gateway, type HistoryEvent, type NotDoneReason, type Recommendation } from '#lib/server/inference.ts';
import type { Trend } from '#lib/format.ts';
import { can, homeFor } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

const REASONS: readonly NotDoneReason[] = ['false-alarm', 'already-handled', 'not-safe-now', 'no-capacity', 'other'];

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('hmi:recommendations');
  const s = locals.session!;
  if (!can(s, Permission.RecommendationDecide)) redirect(303, homeFor(s));
  const g = gateway(s.token);
  try {
    const [recs, modes, recent, assets] = await Promise.all([
      g.recommendations({ open: true, max: 200 }),
      g.modes(),
      g.recommendations({ max: 200 }),
      g.assets().catch(() => null),
    ]);
    recs.sort((a, b) => (PRIORITY_RANK[b.priority] ?? 0) - (PRIORITY_RANK[a.priority] ?? 0) || Date.parse(a.actBy) - Date.parse(b.actBy));
    // One history read per card: who acknowledged and when, and the evidence values over time (each
    // update of a prompt is a new RecommendationRaised with fresh evidence).
    const histories = await Promise.all(recs.slice(0, 30).map((r) => g.history(r.recommendationId).catch(() => [] as HistoryEvent[])));
    const waiting = waitingForOutcome(recent);
    return {
      problem: null,
      shelveChoices: shelveChoices(),
      waiting,
      unwatched: unwatchedOf(assets),
      recommendations: recs.map((r, i) => {
        const evidence = Array.isArray(r.record.evidence) ? (r.record.evidence as { feature?: unknown; value?: unknown; unit?: unknown }[]) : [];
        const mode = modes[r.assetPath] ?? modes[linePathOf(r.assetPath)] ?? null;
        const history = histories[i] ?? [];
        const ack = history.find((e) => e.type === 'RecommendationAcknowledged');
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
          acknowledged: ack ? { by: ack.actor, at: ack.recordedAt } : null,
          // Shelved (ISA-18.2): the page lists it under "Shelved" until `until`, then back among the prompts by itself.
          shelf: r.shelf ?? null,
          trends: trendsOf(history, evidence),
        };
      }),
    };
  } catch (error) {
    return { problem: loadFailure(error), shelveChoices: shelveChoices(), recommendations: [], waiting: [], unwatched: [] };
  }
};

/**
 * Evidence values per signal, oldest first, from the prompt's Raised events (at most 8 signals, 60
 * points), each with its normal band from the gateway's current view of the prompt (`now`).
 */
function trendsOf(history: HistoryEvent[], now: Record<string, unknown>[] = []): Trend[] {
  const bands = new Map(now.filter((i) => typeof i.feature === 'string').map((i) => [i.feature as string, bandOf(i)]));
  const series = new Map<string, Trend>();
  for (const e of history) {
    if (e.type !== 'RecommendationRaised' || !Array.isArray(e.data.evidence)) continue;
    for (const item of e.data.evidence as Record<string, unknown>[]) {
      if (typeof item.feature !== 'string' || typeof item.value !== 'number') continue;
      const band = bands.get(item.feature) ?? bandOf(item);
      const t = series.get(item.feature) ?? { feature: item.feature, unit: typeof item.unit === 'string' ? item.unit : '', points: [], band };
      t.points.push({ at: e.recordedAt, value: item.value });
      if (t.points.length > 60) t.points.shift();
      series.set(item.feature, t);
    }
  }
  return [...series.values()].slice(0, 8);
}

/** A normal band when the evidence carries one (`normalLow`/`normalHigh`, or a rule `limit`). */
function bandOf(item: Record<string, unknown>): { low: number | null; high: number | null } | null {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const low = num(item.normalLow);
  const high = num(item.normalHigh) ?? num(item.limit);
  return low === null && high === null ? null : { low, high };
}

/**
 * Prompts marked done in the last 24 h whose outcome nobody gave yet ("Later" on the outcome page),
 * from the gateway's `outcomeRecorded` flag (no history read per prompt); at most twenty.
 */
function waitingForOutcome(recent: Recommendation[]): { id: string; assetPath: string; raisedAt: string }[] {
  const since = Date.now() - 24 * 3600_000;
  return recent
    .filter((r) => r.status === 'accepted' && r.outcomeRecorded === false && Date.parse(r.raisedAt) >= since)
    .slice(0, 20)
    .map((r) => ({ id: r.recommendationId, assetPath: r.assetPath, raisedAt: r.raisedAt }));
}

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
const shelveChoices = () => config().shelveChoices.map(({ value, label }) => ({ value, label }));

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
  shelve: async ({ request, locals }) => {
    const form = await request.formData();
    const id = idOf(form);
    const choice = config().shelveChoices.find((c) => c.value === String(form.get('for') ?? ''));
    const reason = String(form.get('reason') ?? '').trim();
    if (!choice) return failWith400('Choose for how long.', 'for', id);
    if (reason === '') return failWith400('Say in a few words why it can wait.', 'reason', id);
    try {
      await gateway(locals.session!.token).shelve(id, choice.seconds === null ? { endOfShift: true } : { durationSeconds: choice.seconds }, reason);
      return { done: 'shelved', about: id };
    } catch (error) {
      return failWith(error, id);
    }
  },
  unshelve: async ({ request, locals }) => {
    const id = idOf(await request.formData());
    try {
      await gateway(locals.session!.token).unshelve(id);
      return { done: 'unshelved', about: id };
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
