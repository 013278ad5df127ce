// Use case "measure the KPIs on a schedule": every `checkEveryMs` (wall) the charter looks at each
// approved use case with KPIs, reads its clock — plant time (the historian's newest sample of the
// use case's first asset) or wall time — and records every whole period due since the last one
// measured (at most `maxPeriodsPerCheck` per look) as KpiMeasured events through the kernel
// (recordKpis, source `computed`), attributed to the model version in production for the asset
// when it is recorded (governance's `model-<useCaseId>`: the most specific deployment covering
// the asset; null when the rules serve). A period none of whose KPIs the historian can compute is
// skipped (logged), not retried. A failure is logged and retried at the next look.
import { serviceCause } from '@industrial/kernel';
import { duePeriods, type KpiSchedule } from '../domain/kpi-schedule.ts';
import type { CharterContext } from './context.ts';
import { CharterError } from './errors.ts';
import { recordKpis } from './kpi-tracking.ts';
import { createUseCaseLister } from './list-use-cases.ts';
import { loadUseCase } from './use-case-stream.ts';

export interface KpiScheduleLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface ScheduledMeasurement {
  readonly useCaseId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** KPIs recorded for the period; 0: none computable (skipped). */
  readonly recorded: number;
  /** The model version the measurements are attributed to; null: none in production (the rules). */
  readonly modelVersionId: string | null;
}

export interface KpiScheduler {
  /** One look at every use case; what was recorded. */
  check(): Promise<ScheduledMeasurement[]>;
  start(): void;
  stop(): void;
}

export interface KpiSchedulerDeps {
  readonly ctx: CharterContext;
  readonly schedule: KpiSchedule;
  readonly idealCycleTimeSeconds: number;
  /** Wall ms between looks (default 60 s). */
  readonly checkEveryMs?: number;
  readonly maxPeriodsPerCheck?: number;
  readonly log: KpiScheduleLog;
}

export function createKpiScheduler(deps: KpiSchedulerDeps): KpiScheduler {
  const { ctx, schedule } = deps;
  const lister = createUseCaseLister();
  /** End of the last period handled per use case in this process (skipped ones included). */
  const handled = new Map<string, number>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<ScheduledMeasurement[]> | null = null;

  async function clockOf(assetPath: string): Promise<number | null> {
    if (schedule.clock === 'wall') return ctx.now();
    return ctx.historian?.latestAt === undefined ? null : ctx.historian.latestAt(assetPath);
  }

  /** The production model version serving `assetPath` now (governance's deployments), or null. */
  async function servingVersion(useCaseId: string, assetPath: string): Promise<string | null> {
    const holders = new Map<string, string | null>();
    for (const e of await ctx.kernel.read(`model-${useCaseId}`)) {
      if (e.type === 'ModelPromoted' && e.data.stage === 'production') holders.set(e.data.scope ?? '', e.data.modelVersionId);
      else if (e.type === 'ModelRolledBack' && holders.get(e.data.scope ?? '') === e.data.fromModelVersionId)
        holders.set(e.data.scope ?? '', e.data.toModelVersionId);
    }
    let best: { scope: string; version: string | null } | null = null;
    for (const [scope, version] of holders)
      if ((scope === '' || assetPath === scope || assetPath.startsWith(`${scope}.`)) && (best === null || scope.length > best.scope.length))
        best = { scope, version };
    return best?.version ?? null;
  }

  async function checkOne(useCaseId: string): Promise<ScheduledMeasurement[]> {
    const { state } = await loadUseCase(ctx.kernel, useCaseId);
    if (state.draft === null || state.approval === null || (state.objectives?.kpis.length ?? 0) === 0) return [];
    const asset = state.draft.assetPaths[0] as string;
    const now = await clockOf(asset);
    if (now === null) return [];
    const recordedEnd = state.measurements.reduce<number | null>((m, x) => Math.max(m ?? -Infinity, Date.parse(x.periodEnd)), null);
    const mine = handled.get(useCaseId);
    const lastEnd = mine === undefined ? recordedEnd : Math.max(mine, recordedEnd ?? -Infinity);
    const out: ScheduledMeasurement[] = [];
    const due = duePeriods(lastEnd, now, schedule.everyMs, deps.maxPeriodsPerCheck ?? 48);
    const modelVersionId = due.length === 0 ? null : await servingVersion(useCaseId, asset);
    for (const p of due) {
      const periodStart = new Date(p.fromMs).toISOString();
      const periodEnd = new Date(p.toMs).toISOString();
      let recorded = 0;
      try {
        const r = await recordKpis(
          ctx,
          {
            useCaseId,
            from: periodStart,
            to: periodEnd,
            idealCycleTimeSeconds: deps.idealCycleTimeSeconds,
            ...(modelVersionId === null ? {} : { modelVersionId }),
          },
          serviceCause('charter', ctx.newId()),
        );
        recorded = r.measurements.length;
      } catch (error) {
        if (!(error instanceof CharterError && error.code === 'FAILED_PRECONDITION')) throw error;
        deps.log.warn({ useCaseId, periodStart, periodEnd, reason: error.reason }, 'scheduled KPI period skipped');
      }
      handled.set(useCaseId, p.toMs);
      out.push({ useCaseId, periodStart, periodEnd, recorded, modelVersionId });
    }
    return out;
  }

  async function checkAll(): Promise<ScheduledMeasurement[]> {
    const out: ScheduledMeasurement[] = [];
    for (const u of await lister.list(ctx, 10_000)) {
      if (u.status !== 'approved') continue;
      try {
        out.push(...(await checkOne(u.draft.useCaseId)));
      } catch (error) {
        deps.log.error({ err: error, useCaseId: u.draft.useCaseId }, 'scheduled KPI measurement failed; retried at the next look');
      }
    }
    if (out.length > 0) deps.log.info({ schedule: schedule.text, clock: schedule.clock, periods: out.length }, 'KPIs measured on schedule');
    return out;
  }

  async function check(): Promise<ScheduledMeasurement[]> {
    // One look at a time; a caller arriving meanwhile waits for it and looks again.
    while (running !== null) await running.catch(() => undefined);
    running = checkAll().finally(() => (running = null));
    return running;
  }

  return {
    check,
    start() {
      if (timer !== null) return;
      timer = setInterval(() => void check().catch(() => undefined), deps.checkEveryMs ?? 60_000);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
