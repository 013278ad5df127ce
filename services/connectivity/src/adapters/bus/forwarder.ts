// Forwarder: drains the store-and-forward buffer to the bus in buffer order. Healthy: a window of
// publishes in flight (the NATS adapter pipelines them), rows deleted as their PubAcks come back
// contiguously. A failure (NATS unreachable, PubAck timeout) switches to probing: one publish at a
// time, with backoff, from the first unacknowledged row, until one succeeds. Re-sent batches keep
// their batchId as Nats-Msg-Id, so JetStream drops what had already been stored.
import type { Bus } from '@industrial/bus';
import type { BufferedRow, SqliteBuffer } from '../buffer/sqlite-buffer.ts';

export interface ForwarderLogger {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

export interface ForwarderOptions {
  buffer: SqliteBuffer;
  bus: Bus;
  logger: ForwarderLogger;
  /** Publishes in flight when healthy. Default 128. */
  window?: number;
  /** Backoff between probes while the bus fails, ms. Default [250, 500, 1000, 2000]. */
  backoffMs?: readonly number[];
  /** Called for each batch once JetStream has it (mirror, live subscribers, metrics). */
  onForwarded?: (row: BufferedRow) => void;
  onStateChange?: (healthy: boolean, error: string | null) => void;
  /** Creates/updates the stream; run before the first publish and after every failure (NATS may have come back empty). */
  ensureStream?: () => Promise<void>;
}

export interface Forwarder {
  /** New rows are waiting. */
  kick(): void;
  readonly healthy: boolean;
  readonly lastError: string | null;
  readonly forwardedBatches: number;
  /** Resolves when the buffer is empty (or `timeoutMs` passed); used by drain on SIGTERM. */
  flush(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function createForwarder(o: ForwarderOptions): Forwarder {
  const window = o.window ?? 128;
  const backoff = o.backoffMs ?? [250, 500, 1_000, 2_000];
  let healthy = true;
  let lastError: string | null = null;
  let forwarded = 0;
  let wake: (() => void) | null = null;
  let pending = true;
  let stopped = false;
  let failures = 0;
  let streamReady = false;

  const setHealth = (h: boolean, err: string | null) => {
    if (h !== healthy) {
      healthy = h;
      lastError = err;
      if (h) o.logger.info({}, 'forwarder: bus reachable again, replaying the buffer');
      else o.logger.warn({ err }, 'forwarder: publish failed, buffering on disk');
      o.onStateChange?.(h, err);
    }
  };

  const publish = (row: BufferedRow) => o.bus.publish(row.subject, JSON.parse(row.payload) as object, { msgId: row.batchId });

  async function loop(): Promise<void> {
    while (!stopped) {
      if (!pending) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      pending = false;
      // Probing sends one row; healthy sends a window.
      const rows = o.buffer.peek(0, healthy ? window : 1);
      if (rows.length === 0) continue;
      pending = true;
      let results: PromiseSettledResult<unknown>[];
      try {
        if (!streamReady && o.ensureStream) await o.ensureStream();
        streamReady = true;
        results = await Promise.allSettled(rows.map(publish));
      } catch (err) {
        results = rows.map(() => ({ status: 'rejected', reason: err }) as const);
      }
      if (results.some((r) => r.status === 'rejected')) streamReady = false;
      let ackedUpTo = 0;
      let firstError: unknown = null;
      for (let i = 0; i < rows.length; i++) {
        const r = results[i]!;
        if (r.status === 'fulfilled') {
          if (firstError === null) ackedUpTo = rows[i]!.pos;
        } else if (firstError === null) firstError = r.reason;
      }
      if (ackedUpTo > 0) {
        o.buffer.ack(ackedUpTo);
        for (const row of rows) {
          if (row.pos > ackedUpTo) break;
          forwarded++;
          try {
            o.onForwarded?.(row);
          } catch {
            // a listener's failure is not the forwarder's
          }
        }
      }
      if (firstError === null) {
        failures = 0;
        setHealth(true, null);
      } else {
        setHealth(false, firstError instanceof Error ? firstError.message : String(firstError));
        const delay = backoff[Math.min(failures, backoff.length - 1)]!;
        failures++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  const running = loop();

  return {
    kick() {
      pending = true;
      wake?.();
    },
    get healthy() {
      return healthy;
    },
    get lastError() {
      return lastError;
    },
    get forwardedBatches() {
      return forwarded;
    },
    async flush(timeoutMs) {
      const end = Date.now() + timeoutMs;
      while (o.buffer.count().batches > 0) {
        if (Date.now() > end) return false;
        this.kick();
        await new Promise((r) => setTimeout(r, 25));
      }
      return true;
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
