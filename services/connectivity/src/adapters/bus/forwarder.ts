// Forwarder: drains the store-and-forward buffer to the bus in buffer order. Healthy: a sliding
// window of publishes in flight (the NATS adapter pipelines them); a new row is published as soon
// as a slot frees, and acknowledged rows are deleted in one statement per round of PubAcks, from
// the front, contiguously. Rows come from memory when the forwarder is caught up (append() hands
// over what it just committed, so nothing is read back) and from the buffer otherwise (start,
// after an outage, behind by more than the window). The row is committed to SQLite before it is
// handed over, so the durability point is unchanged: a batch is safe once append() returns.
// Per asset (subject) there is at most one publish in flight: the next batch of an asset goes out
// only once JetStream has stored the previous one, so a publish that fails while later ones succeed
// can never be overtaken by a later batch of the same asset (the stream keeps each asset's order).
// A failure (NATS unreachable, PubAck timeout) switches to probing: one publish at a time, with
// backoff (new rows do not shorten it), from the first unacknowledged row, until one succeeds; results of the publishes that
// were in flight are ignored and those rows re-sent. Re-sent batches keep their batchId as
// Nats-Msg-Id, so JetStream drops what had already been stored. The payload goes out as the
// JSON text stored in the buffer (no parse and re-encode), with the same JSON content type.
// Tracing: a row offered from memory is published in the context it was offered in (the OPC UA
// read that produced it), whenever its turn comes; a row read back from the buffer starts a new trace.
import { Header, type Bus } from '@industrial/bus';
import { ROOT_CONTEXT, context, type Context } from '@industrial/telemetry/api';
import type { BufferedRow } from '../../ports.ts';
import type { SqliteBuffer } from '../buffer/sqlite-buffer.ts';

export interface ForwarderLogger {
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
}

export interface ForwarderOptions {
  buffer: SqliteBuffer;
  bus: Bus;
  logger: ForwarderLogger;
  /** Publishes in flight when healthy. Default 1024 (a publish response of 2 000 tags cuts ~350 batches at once). */
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
  /** New rows are waiting in the buffer. */
  kick(): void;
  /** Rows just committed to the buffer, in buffer order (sent from memory when caught up). */
  offer(rows: readonly BufferedRow[]): void;
  readonly healthy: boolean;
  readonly lastError: string | null;
  readonly forwardedBatches: number;
  /** Resolves when the buffer is empty (or `timeoutMs` passed); used by drain on SIGTERM. */
  flush(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const JSON_HEADERS = { [Header.ContentType]: 'application/json' };
const encoder = new TextEncoder();

interface Slot {
  row: BufferedRow;
  /** 0 in flight, 1 acknowledged, 2 failed. */
  state: 0 | 1 | 2;
  error: unknown;
  done: Promise<unknown>;
}

export function createForwarder(o: ForwarderOptions): Forwarder {
  const window = o.window ?? 1024;
  const backoff = o.backoffMs ?? [250, 500, 1_000, 2_000];
  let healthy = true;
  let lastError: string | null = null;
  let forwarded = 0;
  let stopped = false;
  let failures = 0;
  /** pumping: healthy with the stream ensured; ensuring: before the first publish; probing: after a failure. */
  let mode: 'ensuring' | 'pumping' | 'probing' = 'ensuring';
  /** Bumped on every failure: results of publishes from an older epoch are ignored. */
  let epoch = 0;
  /** Buffer position of the last row handed to the bus in this epoch. */
  let sentUpTo = 0;
  /** True when every row after sentUpTo will arrive through offer(): no need to read the buffer. */
  let caughtUp = false;
  let mem: BufferedRow[] = [];
  let memHead = 0;
  const inflight: Slot[] = [];
  /** Subjects with a publish not yet acknowledged (at most one each). */
  const busySubjects = new Set<string>();
  let settleScheduled = false;
  /** Ends the probe's wait for a row to send (kick, offer, stop). */
  let wake: (() => void) | null = null;
  /** Ends the probe's backoff early: only stop() does, so new rows never shorten it. */
  let interruptBackoff: (() => void) | null = null;
  let background: Promise<void> = Promise.resolve();

  const setHealth = (h: boolean, err: string | null) => {
    lastError = err;
    if (h !== healthy) {
      healthy = h;
      // At warn, like the failure it ends: a log at warn level shows the outage and its end.
      if (h) o.logger.warn({}, 'forwarder: bus reachable again, replaying the buffer');
      else o.logger.warn({ err }, 'forwarder: publish failed, buffering on disk');
      o.onStateChange?.(h, err);
    }
  };

  /** The trace context each offered row was produced in. */
  const origin = new WeakMap<BufferedRow, Context>();
  const publish = (row: BufferedRow) =>
    context.with(origin.get(row) ?? ROOT_CONTEXT, () => o.bus.publish(row.subject, encoder.encode(row.payload), { msgId: row.batchId, headers: JSON_HEADERS }));

  const delivered = (rows: readonly BufferedRow[]) => {
    for (const row of rows) {
      forwarded++;
      try {
        o.onForwarded?.(row);
      } catch {
        // a listener's failure is not the forwarder's
      }
    }
  };

  const send = (row: BufferedRow) => {
    const e = epoch;
    const slot: Slot = { row, state: 0, error: null, done: Promise.resolve() };
    busySubjects.add(row.subject);
    slot.done = publish(row).then(
      () => {
        if (e !== epoch) return;
        slot.state = 1;
        busySubjects.delete(row.subject);
        scheduleSettle();
      },
      (err: unknown) => {
        if (e !== epoch) return;
        slot.state = 2;
        slot.error = err;
        scheduleSettle();
      },
    );
    inflight.push(slot);
    sentUpTo = row.pos;
  };

  /** Fills the window: rows from memory first, else from the buffer while behind. */
  const pump = () => {
    while (mode === 'pumping' && !stopped && inflight.length < window) {
      if (memHead < mem.length) {
        // The asset's previous batch is not stored yet: wait for its PubAck (settle pumps again).
        if (busySubjects.has(mem[memHead]!.subject)) break;
        send(mem[memHead++]!);
        continue;
      }
      if (caughtUp) break;
      const want = window - inflight.length;
      const rows = o.buffer.peek(sentUpTo, want);
      let sent = 0;
      while (sent < rows.length && !busySubjects.has(rows[sent]!.subject)) send(rows[sent++]!);
      // Fewer than asked, all sent: the buffer holds nothing after these, so what comes next is offered.
      if (rows.length < want && sent === rows.length) caughtUp = true;
      if (sent < rows.length || rows.length === 0) break;
    }
    if (memHead === mem.length && memHead > 0) {
      mem = [];
      memHead = 0;
    }
  };

  const scheduleSettle = () => {
    if (settleScheduled) return;
    settleScheduled = true;
    // One DELETE per round of PubAcks (they arrive together, in one socket read), not one per ack.
    setImmediate(settle);
  };

  /** Deletes the acknowledged front of the window, then refills it or turns to probing on a failure. */
  function settle(): void {
    settleScheduled = false;
    let n = 0;
    while (n < inflight.length && inflight[n]!.state === 1) n++;
    if (n > 0) {
      const acked = inflight.splice(0, n).map((s) => s.row);
      o.buffer.ack(acked[acked.length - 1]!.pos);
      delivered(acked);
      failures = 0;
    }
    if (stopped) return;
    const head = inflight[0];
    if (head !== undefined && head.state === 2) {
      fail(head.error);
      return;
    }
    pump();
  }

  function fail(err: unknown): void {
    epoch++;
    inflight.length = 0;
    busySubjects.clear();
    mem = [];
    memHead = 0;
    caughtUp = false;
    mode = 'probing';
    setHealth(false, err instanceof Error ? err.message : String(err));
    background = probe();
  }

  // The backoff is not cut short by new rows: under a steady source (a row every few ms) that
  // would turn it into a retry per row against a cluster that is re-electing.
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(() => {
        interruptBackoff = null;
        r();
      }, ms);
      interruptBackoff = () => {
        clearTimeout(t);
        interruptBackoff = null;
        r();
      };
    });

  /** Before the first publish: the stream must exist. */
  async function ensure(): Promise<void> {
    try {
      await o.ensureStream?.();
    } catch (err) {
      if (!stopped) fail(err);
      return;
    }
    if (stopped) return;
    mode = 'pumping';
    pump();
  }

  /** While the bus fails: one row at a time with backoff, the stream ensured first (NATS may have come back empty). */
  async function probe(): Promise<void> {
    let delayed = false;
    while (!stopped) {
      if (!delayed) {
        await sleep(backoff[Math.min(failures, backoff.length - 1)]!);
        failures++;
        delayed = true;
        if (stopped) return;
      }
      let row: BufferedRow | undefined;
      try {
        await o.ensureStream?.();
        if (stopped) return;
        row = o.buffer.peek(0, 1)[0];
        if (row === undefined) {
          // Nothing to send: wait for a row (kick/offer wake us) without another backoff.
          await new Promise<void>((r) => (wake = () => ((wake = null), r())));
          continue;
        }
        await publish(row);
      } catch (err) {
        if (stopped) return;
        const message = err instanceof Error ? err.message : String(err);
        setHealth(false, message);
        // The first failure is logged by setHealth; a bus that stays unusable is said again every 10 probes.
        if (failures % 10 === 0) o.logger.warn({ err: message, probes: failures }, 'forwarder: still cannot publish, the buffer keeps every batch');
        delayed = false;
        continue;
      }
      if (stopped) return;
      o.buffer.ack(row.pos);
      delivered([row]);
      failures = 0;
      sentUpTo = row.pos;
      caughtUp = false;
      mode = 'pumping';
      setHealth(true, null);
      pump();
      return;
    }
  }

  background = ensure();

  return {
    kick() {
      // Idle (nothing in flight or in memory): read the buffer again rather than trust that every
      // row was offered. One empty read when nothing waits; flush() kicks every 25 ms.
      if (inflight.length === 0 && memHead === mem.length) caughtUp = false;
      if (mode === 'pumping') pump();
      else if (mode === 'probing') wake?.();
    },
    offer(rows) {
      // While behind, the rows are read from the buffer in their turn; only a caught-up forwarder
      // takes them from memory (they follow sentUpTo directly: append and pump run on one thread).
      if (mode === 'pumping' && caughtUp) {
        const ctx = context.active();
        for (const r of rows) {
          origin.set(r, ctx);
          mem.push(r);
        }
      }
      this.kick();
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
      interruptBackoff?.();
      // Let the publishes in flight come back and delete what they stored, so less is re-sent after a restart.
      await Promise.allSettled(inflight.map((s) => s.done));
      settle();
      epoch++;
      await background;
    },
  };
}
