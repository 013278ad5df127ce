// Use case "retrain on a schedule" (issue 16): every use case with a model trained here has a
// retraining schedule in plant time (its own, else the default, weekly); a timer checks once a
// minute (by default) which tick fell since the last check and triggers one retraining for it —
// the tick instant is part of the retraining id, so a tick is retrained once even when checked
// twice. Ticks missed while the service was stopped are not replayed: the first check starts at
// the service's start. The schedule logic itself is pure (domain/schedule.ts).
import { dueTick, type RetrainingSchedule } from '../domain/schedule.ts';
import type { RetrainingView } from '../domain/retraining.ts';
import type { RunsLogger } from './context.ts';
import type { FreshRetraining } from './fresh-retraining.ts';

export interface ScheduleDeps {
  readonly retraining: Pick<FreshRetraining, 'trigger' | 'trainedUseCases'>;
  /** Per use case; the default for the others. */
  readonly schedules: ReadonlyMap<string, RetrainingSchedule>;
  readonly defaultSchedule: RetrainingSchedule;
  readonly logger: RunsLogger;
  readonly now: () => Date;
  /** How often to look (ms); default 60 000. */
  readonly checkEveryMs?: number;
}

export function createRetrainingScheduler(deps: ScheduleDeps) {
  let since = deps.now().getTime();
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<RetrainingView[]> | null = null;

  /** Triggers the retraining of every use case whose schedule ticked in (since, now]. */
  async function check(): Promise<RetrainingView[]> {
    const now = deps.now().getTime();
    const from = since;
    since = now;
    const out: RetrainingView[] = [];
    const useCases = new Set([...deps.retraining.trainedUseCases(), ...deps.schedules.keys()]);
    for (const useCaseId of useCases) {
      const s = deps.schedules.get(useCaseId) ?? deps.defaultSchedule;
      const tick = dueTick(s, from, now);
      if (tick === null) continue;
      try {
        out.push(
          await deps.retraining.trigger({
            useCaseId,
            modelVersionId: null,
            trigger: {
              kind: 'schedule',
              driftId: null,
              retrainingRequestId: null,
              scheduleTick: new Date(tick).toISOString(),
              schedule: `${s.text} (${s.timeZone})`,
              requestedBy: null,
            },
          }),
        );
      } catch (e) {
        deps.logger.error({ err: e, useCaseId, tick: new Date(tick).toISOString() }, 'scheduled retraining could not be triggered');
      }
    }
    return out;
  }

  return {
    check,
    start(): void {
      if (timer !== null) return;
      timer = setInterval(() => {
        running ??= check().finally(() => (running = null));
      }, deps.checkEveryMs ?? 60_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
