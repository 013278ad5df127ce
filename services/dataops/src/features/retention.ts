// Use case: retention of raw samples. Raw samples older than the retention (in plant time, from
// the latest batch written) are dropped; their statistics stay in the 1-minute rollup, so
// resampled queries over old ranges still answer. Runs on a timer (retentionEveryMs) or on call.
import type { DataopsLogger, Historian, RetentionResult } from '../ports.ts';

export interface Retention {
  /** Drops raw samples before `cutoffMs` (default: latest plant time − the retention; nothing before the first batch). */
  apply(cutoffMs?: number): Promise<RetentionResult>;
  /** Runs `apply` every `everyMs` (0: never) until stop; a failure is logged and retried at the next tick. */
  start(): void;
  stop(): void;
}

export function createRetention(deps: {
  historian: Historian;
  plantNow: () => number | null;
  rawRetentionMs: number;
  everyMs: number;
  logger: DataopsLogger;
}): Retention {
  const { historian, logger } = deps;
  let timer: ReturnType<typeof setInterval> | null = null;

  async function apply(cutoffMs?: number): Promise<RetentionResult> {
    const now = deps.plantNow();
    const cutoff = cutoffMs ?? (now === null ? null : now - deps.rawRetentionMs);
    if (cutoff === null) return { rawDeleted: 0, partitionsDropped: 0 };
    const r = await historian.applyRetention(cutoff);
    if (r.rawDeleted > 0) logger.info({ cutoff: new Date(cutoff).toISOString(), ...r }, 'raw samples past retention dropped; 1-minute rollups kept');
    return r;
  }

  return {
    apply,
    start() {
      if (deps.everyMs <= 0 || timer !== null) return;
      timer = setInterval(() => {
        apply().catch((e: unknown) => logger.error({ err: e }, 'retention failed; will retry'));
      }, deps.everyMs);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
