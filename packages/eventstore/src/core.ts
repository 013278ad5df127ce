// Adapter-independent core: validation, the write sequencer, chain/seal computation, decoding,
// subscriptions, anchoring and verification. Adapters supply storage (see `Backend`).
//
// Ordering: every write transaction takes one store-wide lock (PostgreSQL advisory xact lock,
// SQLite's write lock) before reading the chain head. Positions are therefore assigned and
// committed in the same order, without gaps, so a reader following `position > checkpoint`
// never skips a late commit (ADR 0002). Concurrent callers in one process are coalesced into
// one transaction by the sequencer below, so the lock costs one commit per batch, not per event.
import {
  EventStoreError,
  IdempotencyConflictError,
  InvalidArgumentError,
  PositionNotFoundError,
  StoreClosedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from './errors.ts';
import type { AnchorSink } from './anchors.ts';
import { chainHash, headerOfValidated, sealOf, signAnchor, type ChainRow, type LedgerKey } from './ledger.ts';
import type { Backend, LockedState, StoredRef } from './backend.ts';
import { verifyChain } from './verify.ts';
import { prepareEvents, recordedMetadataJson, validateExpectedRevision, validateStreamName, type PreparedEvent } from './validation.ts';
import type {
  Anchor,
  AppendOptions,
  AppendResult,
  EventStore,
  EventValidator,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  PageSubscription,
  ReadStreamOptions,
  RecordedEvent,
  RecordedMetadata,
  SubscribeOptions,
  Subscription,
  VerifyOptions,
  VerifyReport,
} from './types.ts';

export interface CoreOptions {
  ledgerKey: LedgerKey;
  /** One sink; `anchorSinks` adds more. Every anchor goes to all of them; verify compares them. */
  anchorSink?: AnchorSink;
  anchorSinks?: readonly AnchorSink[];
  /** Sign and anchor the head automatically after this many events appended by this store (0 = not by count). Default 1000. */
  anchorEvery?: number;
  /**
   * Also anchor every this many ms when the head moved (appends of any process) or a sink failed last
   * time (0 = not by time). Default 10 000. The timer does not keep the process alive.
   */
  anchorIntervalMs?: number;
  /** Told when writing an anchor to a sink fails (the next anchor retries every sink); default: ignored. */
  onAnchorError?: (error: unknown, sink: string) => void;
  /** Close the sinks (their connections) when the store closes. Default false: the caller owns them. */
  ownsAnchorSinks?: boolean;
  validator?: EventValidator;
  now?: () => Date;
  /** Most append requests coalesced into one transaction. */
  maxBatch?: number;
  /** Test hook: awaited inside the write transaction after the rows are inserted, before commit. */
  beforeCommit?: () => Promise<void>;
}

interface Pending {
  stream: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

const DEFAULT_BATCH = 256;

export type { Backend, LockedState, StoredRef } from './backend.ts';

export class CoreEventStore implements EventStore {
  readonly adapter: string;
  protected readonly backend: Backend;
  private readonly key: LedgerKey;
  private readonly sinks: readonly AnchorSink[];
  private readonly anchorEvery: number;
  private readonly onAnchorError: (error: unknown, sink: string) => void;
  private readonly ownsSinks: boolean;
  private anchorTimer: NodeJS.Timeout | null = null;
  /** Anchoring and reading the sinks for verify run one at a time (a verify never sees an anchor half-written). */
  private anchorLock: Promise<unknown> = Promise.resolve();
  private lastAnchored: { position: number; hash: string } | null = null;
  private sinkFailed = false;
  private readonly validator: EventValidator | undefined;
  private readonly now: () => Date;
  private readonly maxBatch: number;
  private readonly beforeCommit: (() => Promise<void>) | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private sinceAnchor = 0;
  private closed = false;
  private readonly subscriptions = new Set<AbortController>();

  constructor(backend: Backend, options: CoreOptions) {
    this.backend = backend;
    this.adapter = backend.adapter;
    this.key = options.ledgerKey;
    this.sinks = [...(options.anchorSink ? [options.anchorSink] : []), ...(options.anchorSinks ?? [])];
    this.anchorEvery = options.anchorEvery ?? 1000;
    this.onAnchorError = options.onAnchorError ?? (() => undefined);
    this.ownsSinks = options.ownsAnchorSinks ?? false;
    const interval = options.anchorIntervalMs ?? 10_000;
    if (this.sinks.length > 0 && interval > 0) {
      this.anchorTimer = setInterval(() => void this.anchorIfMoved(), interval);
      this.anchorTimer.unref();
    }
    this.validator = options.validator;
    this.now = options.now ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? DEFAULT_BATCH;
    this.beforeCommit = options.beforeCommit;
  }

  append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    try {
      if (this.closed) throw new StoreClosedError();
      if (!this.key.sealKey)
        throw new EventStoreError('INVALID_ARGUMENT', 'this store was opened with the public ledger key only: it can verify but not append');
      const s = validateStreamName(stream);
      const expected = validateExpectedRevision(options.expectedRevision);
      const prepared = prepareEvents(events, this.validator);
      return new Promise<AppendResult>((resolve, reject) => {
        this.queue.push({ stream: s, events: prepared, expected, resolve, reject });
        this.kick();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    })().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const outcomes: (AppendResult | Error)[] = [];
    let written = 0;
    const ids = [...new Set(batch.flatMap((p) => p.events.map((e) => e.id)))];
    const streams = [...new Set(batch.map((p) => p.stream))];
    // Each stream's revision before the batch, as its first append expects it (a later append of the
    // same stream in the batch expects the revision after the earlier ones).
    const expected = new Map<string, number | null>();
    const seen = new Set<string>();
    for (const p of batch) {
      if (seen.has(p.stream)) continue;
      seen.add(p.stream);
      if (p.expected !== 'any') expected.set(p.stream, p.expected === 'no-stream' ? null : p.expected);
    }
    try {
      await this.backend.write(
        ids,
        streams,
        (state) => {
          outcomes.length = 0;
          const { rows, results } = this.plan(batch, state);
          outcomes.push(...results);
          written = rows.length;
          return rows;
        },
        this.beforeCommit,
        expected,
      );
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o instanceof Error) p.reject(o);
      else if (o) p.resolve(o);
    });
    this.sinceAnchor += written;
    if (this.sinks.length > 0 && this.anchorEvery > 0 && this.sinceAnchor >= this.anchorEvery) {
      this.sinceAnchor = 0;
      await this.anchor().catch(() => undefined); // an anchor failure must not fail acknowledged appends (onAnchorError was told)
    }
  }

  /** Pure decision for one batch under the lock: which appends succeed, and the rows they write. */
  private plan(batch: Pending[], state: LockedState): { rows: ChainRow[]; results: (AppendResult | Error)[] } {
    const sealKey = this.key.sealKey as Buffer;
    const recordedAt = this.now().toISOString();
    const rows: ChainRow[] = [];
    const results: (AppendResult | Error)[] = [];
    const existing = new Map(state.existing);
    const revisions = new Map(state.revisions);
    let position = state.headPosition;
    let prevHash = state.headHash;
    for (const p of batch) {
      const stored = p.events.map((e) => existing.get(e.id));
      const storedCount = stored.filter((s) => s !== undefined).length;
      if (storedCount === p.events.length) {
        // Idempotent retry (checked before the expected revision): same ids, same stream, same order.
        const first = stored[0] as StoredRef;
        const consistent = stored.every((s, i) => s && s.stream === p.stream && s.revision === first.revision + i);
        if (!consistent) {
          const i = stored.findIndex((s) => s?.stream !== p.stream);
          results.push(
            new IdempotencyConflictError(
              `events[${Math.max(i, 0)}].id`,
              `event id is already stored in stream "${stored[Math.max(i, 0)]?.stream}" — not a retry of this append`,
            ),
          );
          continue;
        }
        const last = stored[stored.length - 1] as StoredRef;
        results.push({ stream: p.stream, nextExpectedRevision: last.revision, position: last.position, written: 0 });
        continue;
      }
      if (storedCount > 0) {
        const i = stored.findIndex((s) => s !== undefined);
        const ref = stored[i] as StoredRef;
        results.push(
          new IdempotencyConflictError(
            `events[${i}].id`,
            `event ${p.events[i]?.id} is already stored (stream "${ref.stream}", revision ${ref.revision}) but other events of this append are not: a retry must resend exactly the same events`,
          ),
        );
        continue;
      }
      const current = revisions.get(p.stream);
      if (p.expected === 'no-stream' && current !== undefined) {
        results.push(new WrongExpectedRevisionError(p.stream, 'no-stream', current));
        continue;
      }
      if (typeof p.expected === 'number' && current !== p.expected) {
        results.push(new WrongExpectedRevisionError(p.stream, String(p.expected), current ?? 'no-stream'));
        continue;
      }
      let revision = current ?? -1;
      // Everything per event that does not depend on the chain head (validation, canonical data and
      // metadata text) was done by append() before queueing; here only the chain itself is computed.
      const quotedStream = JSON.stringify(p.stream);
      for (const e of p.events) {
        position += 1;
        revision += 1;
        const metadata = recordedMetadataJson(e, recordedAt);
        const hash = chainHash(prevHash, headerOfValidated(e.id, metadata, position, revision, quotedStream, e.type), e.data);
        rows.push({ position, id: e.id, stream: p.stream, revision, type: e.type, data: e.data, metadata, prevHash, hash, seal: sealOf(sealKey, hash) });
        prevHash = hash;
        existing.set(e.id, { stream: p.stream, revision, position });
      }
      revisions.set(p.stream, revision);
      results.push({ stream: p.stream, nextExpectedRevision: revision, position, written: p.events.length });
    }
    return { rows, results };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    validateStreamName(stream);
    const direction = options.direction ?? 'forwards';
    if (direction !== 'forwards' && direction !== 'backwards') throw new InvalidArgumentError('direction', 'must be "forwards" or "backwards"');
    const from = options.fromRevision ?? null;
    if (from !== null && (!Number.isSafeInteger(from) || from < 0)) throw new InvalidArgumentError('fromRevision', 'must be an integer ≥ 0');
    const limit = checkLimit(options.maxCount);
    const rows = await this.backend.readStream(stream, direction, from, limit);
    if (rows === null) throw new StreamNotFoundError(stream);
    return rows.map(decode);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromPosition ?? 1;
    if (!Number.isSafeInteger(from) || from < 1) throw new InvalidArgumentError('fromPosition', 'must be an integer ≥ 1');
    const limit = checkLimit(options.maxCount);
    const rows = await this.backend.readAll(from, limit);
    if (rows.length === 0) {
      const head = await this.backend.head();
      if (from > head.position + 1) throw new PositionNotFoundError('fromPosition', from, head.position);
    }
    return rows.map(decode);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return (await this.backend.head()).position;
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    const pages = this.subscribeToAllPages(options);
    async function* events(): AsyncGenerator<RecordedEvent> {
      for await (const page of pages) yield* page;
    }
    const gen = events();
    return { [Symbol.asyncIterator]: () => gen, stop: () => pages.stop() };
  }

  subscribeToAllPages(options: SubscribeOptions): PageSubscription {
    this.assertOpen();
    const checkpoint = options.checkpoint;
    if (!Number.isSafeInteger(checkpoint) || checkpoint < 0) throw new InvalidArgumentError('checkpoint', 'must be an integer ≥ 0');
    const batchSize = checkLimit(options.batchSize ?? 1000);
    const ac = new AbortController();
    this.subscriptions.add(ac);
    const backend = this.backend;
    const subs = this.subscriptions;
    async function* iterate(): AsyncGenerator<RecordedEvent[]> {
      let cp = checkpoint;
      const head = await backend.head();
      if (cp > head.position) throw new PositionNotFoundError('checkpoint', cp, head.position);
      try {
        while (!ac.signal.aborted) {
          const seen = await backend.changeMark();
          const rows = await backend.readAll(cp + 1, batchSize);
          if (rows.length > 0) {
            const page: RecordedEvent[] = [];
            for (const r of rows) {
              // Positions are gapless by construction; a gap here means the store was tampered with.
              if (r.position !== cp + 1)
                throw new EventStoreError('INTEGRITY', `subscription expected position ${cp + 1} but read ${r.position}: events are missing — run verify()`);
              cp = r.position;
              page.push(decode(r));
            }
            if (ac.signal.aborted) return;
            yield page;
          }
          if (rows.length < batchSize) await backend.waitForChange(seen, 250, ac.signal);
        }
      } finally {
        subs.delete(ac);
      }
    }
    const gen = iterate();
    return {
      [Symbol.asyncIterator]: () => gen,
      stop: async () => {
        ac.abort();
        subs.delete(ac);
      },
    };
  }

  async anchor(): Promise<Anchor | null> {
    if (this.sinks.length === 0) return null;
    return this.exclusive(() => this.anchorHead());
  }

  /** The time trigger: anchors when the head moved since the last anchor, or a sink failed then. */
  private async anchorIfMoved(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      const head = await this.backend.head();
      const moved = this.lastAnchored === null ? head.position > 0 : head.position !== this.lastAnchored.position || head.hash !== this.lastAnchored.hash;
      if (moved || this.sinkFailed) await this.anchorHead();
    }).catch(() => undefined); // told through onAnchorError; the next tick retries
  }

  private async anchorHead(): Promise<Anchor | null> {
    const head = await this.backend.head();
    if (head.position === 0) return null;
    const a = signAnchor(this.key, head.position, head.hash, this.now().toISOString());
    const results = await Promise.allSettled(this.sinks.map((s) => s.write(a)));
    const failed: string[] = [];
    results.forEach((r, i) => {
      const sink = this.sinks[i] as AnchorSink;
      if (r.status === 'rejected') {
        failed.push(sink.name);
        this.onAnchorError(r.reason, sink.name);
      }
    });
    this.sinkFailed = failed.length > 0;
    this.lastAnchored = { position: head.position, hash: head.hash };
    if (failed.length > 0) throw new EventStoreError('UNAVAILABLE', `anchor of position ${head.position} could not be written to ${failed.join(', ')}`);
    return a;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.anchorLock.then(fn, fn);
    this.anchorLock = run.catch(() => undefined);
    return run;
  }

  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    return this.exclusive(() => verifyChain(this.backend, this.key, this.sinks, options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.anchorTimer) clearInterval(this.anchorTimer);
    for (const ac of this.subscriptions) ac.abort();
    while (this.flushing) await this.flushing;
    await this.anchorLock;
    await this.backend.close();
    if (this.ownsSinks) for (const s of this.sinks) await s.close?.().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function checkLimit(n: number | undefined): number {
  if (n === undefined) return 100_000;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('maxCount', 'must be an integer ≥ 1');
  return Math.min(n, 100_000);
}

// Events of one write transaction share their metadata text (same request, same recordedAt), so
// consecutive rows usually repeat it: reuse the last parse. Metadata is flat (strings, null, one
// integer), so a spread is a full copy — callers may mutate what they get.
let lastMetadataText = '';
let lastMetadata: RecordedMetadata | null = null;
function parseMetadata(text: string): RecordedMetadata {
  if (lastMetadata === null || text !== lastMetadataText) {
    lastMetadata = JSON.parse(text) as RecordedMetadata;
    lastMetadataText = text;
  }
  return { ...lastMetadata };
}

export function decode(r: ChainRow): RecordedEvent {
  return {
    id: r.id,
    type: r.type,
    stream: r.stream,
    revision: r.revision,
    position: r.position,
    data: JSON.parse(r.data) as unknown,
    metadata: parseMetadata(r.metadata),
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
