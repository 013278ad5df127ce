// The in-process broker for standalone mode: what JetStream does for us in cluster mode, in memory.
// Streams retain messages with sequence numbers (max age, msgId de-dup window); durable consumers
// keep a cursor and the pending (delivered, unacknowledged) set, so a consumer that restarts
// resumes where acks left off; unacked messages come back after their ack deadline; several
// subscribers of one durable share the work, one message at a time each. Every timer is unref'd
// and cleared by close().

import { BusError, BusErrorCode } from '../errors.ts';
import { streamLimits } from '../streams.ts';
import type { StreamSpec } from '../types.ts';
import { subjectMatches } from './subjects.ts';

export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly msgId: string | undefined;
  readonly at: number;
}

export interface DurableSettings {
  readonly filterSubject: string | undefined;
  /** Deliveries after which the broker stops redelivering (JetStream max_deliver). */
  readonly maxDeliver: number;
  /** Ack deadline of delivery n (JetStream ack_wait / backoff). */
  readonly ackDeadlineMs: (delivery: number) => number;
}

/** A consumer process attached to a durable: gets one message at a time. */
export interface Subscriber {
  deliver(msg: StoredMessage, deliveryCount: number): void;
}

export interface Subscription {
  /** The subscriber finished its message and can take the next one. */
  idle(): void;
  /** No more deliveries to this subscriber; its unacked message is redelivered after its deadline. */
  detach(): void;
}

interface Pending {
  deliveries: number;
  timer: NodeJS.Timeout | undefined;
  /** Queued for redelivery (guards against a late nak queuing it twice). */
  queued: boolean;
}

interface Attached {
  readonly subscriber: Subscriber;
  busy: boolean;
  attached: boolean;
}

interface Durable {
  readonly stream: StreamState;
  settings: DurableSettings;
  cursor: number;
  readonly pending: Map<number, Pending>;
  readonly ready: number[];
  readonly subs: Attached[];
  rr: number;
}

interface StreamState {
  readonly name: string;
  subjects: readonly string[];
  maxAgeMs: number;
  duplicateWindowMs: number;
  readonly msgs: Map<number, StoredMessage>;
  firstSeq: number;
  lastSeq: number;
  readonly dedup: Map<string, { seq: number; at: number }>;
  readonly durables: Map<string, Durable>;
}

export interface InProcBrokerOptions {
  /** Clock for max age and the de-dup window (injected in tests). */
  readonly now?: () => number;
}

export class InProcBroker {
  readonly #now: () => number;
  readonly #streams = new Map<string, StreamState>();
  readonly #dirty = new Set<Durable>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: InProcBrokerOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  ensureStream(spec: StreamSpec): void {
    this.#assertOpen();
    const { maxAgeMs, duplicateWindowMs } = streamLimits(spec);
    const existing = this.#streams.get(spec.name);
    if (existing !== undefined) {
      existing.subjects = [...spec.subjects];
      existing.maxAgeMs = maxAgeMs;
      existing.duplicateWindowMs = duplicateWindowMs;
      return;
    }
    for (const other of this.#streams.values()) {
      const overlap = spec.subjects.some((s) => other.subjects.some((o) => subjectMatches(o, s) || subjectMatches(s, o)));
      if (overlap) {
        throw new BusError(BusErrorCode.InvalidArgument, `subjects of ${spec.name} overlap with stream ${other.name}`);
      }
    }
    this.#streams.set(spec.name, {
      name: spec.name,
      subjects: [...spec.subjects],
      maxAgeMs,
      duplicateWindowMs,
      msgs: new Map(),
      firstSeq: 1,
      lastSeq: 0,
      dedup: new Map(),
      durables: new Map(),
    });
  }

  deleteStream(name: string): boolean {
    const st = this.#streams.get(name);
    if (st === undefined) return false;
    for (const d of st.durables.values()) this.#dropDurable(d);
    this.#streams.delete(name);
    return true;
  }

  publish(subject: string, data: Uint8Array, headers: Record<string, string>, msgId: string | undefined): { stream: string; seq: number; duplicate: boolean } {
    this.#assertOpen();
    const st = [...this.#streams.values()].find((s) => s.subjects.some((p) => subjectMatches(p, subject)));
    if (st === undefined) throw new BusError(BusErrorCode.NoStream, `no stream captures subject ${subject}`);
    const now = this.#now();
    this.#expire(st, now);
    if (msgId !== undefined) {
      const seen = st.dedup.get(msgId);
      if (seen !== undefined) return { stream: st.name, seq: seen.seq, duplicate: true };
    }
    const seq = ++st.lastSeq;
    st.msgs.set(seq, Object.freeze({ seq, subject, data: data.slice(), headers: Object.freeze({ ...headers }), msgId, at: now }));
    if (msgId !== undefined) st.dedup.set(msgId, { seq, at: now });
    for (const d of st.durables.values()) this.#markDirty(d);
    return { stream: st.name, seq, duplicate: false };
  }

  /** Creates the durable or updates its settings; its filter cannot change. */
  ensureDurable(stream: string, durable: string, settings: DurableSettings): void {
    this.#assertOpen();
    const st = this.#stream(stream);
    const d = st.durables.get(durable);
    if (d === undefined) {
      st.durables.set(durable, { stream: st, settings, cursor: st.firstSeq, pending: new Map(), ready: [], subs: [], rr: 0 });
      return;
    }
    if (d.settings.filterSubject !== settings.filterSubject) {
      throw new BusError(
        BusErrorCode.ConsumerConflict,
        `durable ${stream}/${durable} exists with filter "${d.settings.filterSubject ?? ''}", not "${settings.filterSubject ?? ''}"`,
      );
    }
    d.settings = settings;
  }

  subscribe(stream: string, durable: string, subscriber: Subscriber): Subscription {
    this.#assertOpen();
    const d = this.#stream(stream).durables.get(durable);
    if (d === undefined) throw new BusError(BusErrorCode.InvalidArgument, `durable ${stream}/${durable} not set up`);
    const a: Attached = { subscriber, busy: false, attached: true };
    d.subs.push(a);
    this.#markDirty(d);
    return {
      idle: () => {
        a.busy = false;
        if (a.attached) this.#markDirty(d);
      },
      detach: () => {
        a.attached = false;
        const i = d.subs.indexOf(a);
        if (i >= 0) d.subs.splice(i, 1);
      },
    };
  }

  ack(stream: string, durable: string, seq: number): void {
    const found = this.#pending(stream, durable, seq);
    if (found === undefined) return;
    this.#clear(found.p);
    found.d.pending.delete(seq);
  }

  nak(stream: string, durable: string, seq: number, delayMs: number): void {
    const found = this.#pending(stream, durable, seq);
    if (found === undefined) return;
    const { d, p } = found;
    this.#clear(p);
    if (p.deliveries >= d.settings.maxDeliver) {
      d.pending.delete(seq); // exhausted: stays in the stream, never delivered again (as JetStream)
      return;
    }
    if (delayMs <= 0) this.#makeReady(d, seq, p);
    else p.timer = this.#setTimer(() => this.#makeReady(d, seq, p), delayMs);
  }

  inProgress(stream: string, durable: string, seq: number): void {
    const found = this.#pending(stream, durable, seq);
    if (found === undefined) return;
    this.#armAckTimer(found.d, seq, found.p);
  }

  close(): void {
    this.#closed = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#dirty.clear();
    this.#streams.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusError(BusErrorCode.Closed, 'in-process broker is closed');
  }

  #stream(name: string): StreamState {
    const st = this.#streams.get(name);
    if (st === undefined) throw new BusError(BusErrorCode.StreamNotFound, `stream ${name} not found`);
    return st;
  }

  #pending(stream: string, durable: string, seq: number): { d: Durable; p: Pending } | undefined {
    const d = this.#streams.get(stream)?.durables.get(durable);
    const p = d?.pending.get(seq);
    return d === undefined || p === undefined ? undefined : { d, p };
  }

  #expire(st: StreamState, now: number): void {
    if (st.maxAgeMs > 0) {
      while (st.firstSeq <= st.lastSeq) {
        const m = st.msgs.get(st.firstSeq);
        if (m !== undefined && now - m.at < st.maxAgeMs) break;
        st.msgs.delete(st.firstSeq);
        st.firstSeq++;
      }
    }
    // Insertion order is publish order, so expired ids sit at the front.
    for (const [id, e] of st.dedup) {
      if (now - e.at < st.duplicateWindowMs) break;
      st.dedup.delete(id);
    }
  }

  #setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.#timers.add(t);
    return t;
  }

  #clear(p: Pending): void {
    if (p.timer !== undefined) {
      clearTimeout(p.timer);
      this.#timers.delete(p.timer);
      p.timer = undefined;
    }
  }

  #armAckTimer(d: Durable, seq: number, p: Pending): void {
    this.#clear(p);
    p.timer = this.#setTimer(() => {
      p.timer = undefined;
      if (p.deliveries >= d.settings.maxDeliver) d.pending.delete(seq);
      else this.#makeReady(d, seq, p);
    }, d.settings.ackDeadlineMs(p.deliveries));
  }

  #makeReady(d: Durable, seq: number, p: Pending): void {
    if (p.queued) return;
    p.queued = true;
    d.ready.push(seq);
    this.#markDirty(d);
  }

  #dropDurable(d: Durable): void {
    for (const p of d.pending.values()) this.#clear(p);
    d.pending.clear();
    d.ready.length = 0;
    for (const a of d.subs) a.attached = false;
    d.subs.length = 0;
    this.#dirty.delete(d);
  }

  // Deliveries run from setImmediate, so a long backlog never starves I/O and timers.
  #markDirty(d: Durable): void {
    if (this.#closed) return;
    this.#dirty.add(d);
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      const batch = [...this.#dirty];
      this.#dirty.clear();
      for (const dur of batch) this.#pump(dur);
    });
  }

  #pump(d: Durable): void {
    const st = d.stream;
    if (this.#streams.get(st.name) !== st) return;
    for (;;) {
      const sub = this.#nextIdle(d);
      if (sub === undefined) return;
      const msg = this.#next(st, d);
      if (msg === undefined) return;
      const p = d.pending.get(msg.seq) ?? { deliveries: 0, timer: undefined, queued: false };
      p.deliveries++;
      p.queued = false;
      d.pending.set(msg.seq, p);
      this.#armAckTimer(d, msg.seq, p);
      sub.busy = true;
      sub.subscriber.deliver(msg, p.deliveries);
    }
  }

  #nextIdle(d: Durable): Attached | undefined {
    const n = d.subs.length;
    for (let i = 0; i < n; i++) {
      const a = d.subs[(d.rr + i) % n];
      if (a !== undefined && !a.busy) {
        d.rr = (d.rr + i + 1) % n;
        return a;
      }
    }
    return undefined;
  }

  /** Redeliveries first (as JetStream), then the next new message matching the filter. */
  #next(st: StreamState, d: Durable): StoredMessage | undefined {
    while (d.ready.length > 0) {
      const seq = d.ready.shift() ?? 0;
      const m = st.msgs.get(seq);
      if (m !== undefined && d.pending.has(seq)) return m;
      d.pending.delete(seq);
    }
    if (d.cursor < st.firstSeq) d.cursor = st.firstSeq;
    while (d.cursor <= st.lastSeq) {
      const m = st.msgs.get(d.cursor++);
      if (m === undefined) continue;
      const f = d.settings.filterSubject;
      if (f === undefined || subjectMatches(f, m.subject)) return m;
    }
    return undefined;
  }
}
