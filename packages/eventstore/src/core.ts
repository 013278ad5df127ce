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
import {
  GENESIS_HASH,
  anchorSignatureValid,
  chainHash,
  headerOf,
  headerOfValidated,
  sealMatches,
  sealOf,
  signAnchor,
  type AnchorSink,
  type ChainRow,
  type LedgerKey,
} from './ledger.ts';
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

export interface StoredRef {
  stream: string;
  revision: number;
  position: number;
}

/** What a write transaction sees under the store-wide lock. */
export interface LockedState {
  headPosition: number;
  headHash: string;
  /** Event ids of the batch that already exist. */
  existing: Map<string, StoredRef>;
  /** Last revision of each stream of the batch that exists. */
  revisions: Map<string, number>;
}

export interface Backend {
  readonly adapter: string;
  /**
   * One serialised write transaction: lock, load state, `plan`, insert the rows it returns, commit.
   * `expected` holds each stream's revision as the batch's appends expect it (null: no stream); an
   * adapter may use it to plan on a predicted state first, provided it commits only when the state
   * under the lock is exactly the predicted one (so `plan` decides as it would have on the loaded state).
   */
  write(
    ids: string[],
    streams: string[],
    plan: (state: LockedState) => ChainRow[],
    beforeCommit?: () => Promise<void>,
    expected?: ReadonlyMap<string, number | null>,
  ): Promise<void>;
  /** Rows of a stream, or null when the stream does not exist. */
  readStream(stream: string, direction: 'forwards' | 'backwards', fromRevision: number | null, limit: number): Promise<ChainRow[] | null>;
  /** Rows from a position on. `seal` may be '' unless `withSeal` (only verify needs it: saves reading and parsing it). */
  readAll(fromPosition: number, limit: number, withSeal?: boolean): Promise<ChainRow[]>;
  head(): Promise<{ position: number; hash: string }>;
  /** A counter that moves whenever events may have been committed (notifications). */
  changeMark(): Promise<number>;
  /** Resolves when the change counter differs from `seen` (new events may be there) or after `timeoutMs`. */
  waitForChange(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export interface CoreOptions {
  ledgerKey: LedgerKey;
  anchorSink?: AnchorSink;
  /** Sign and anchor the head automatically after this many new events (0 = only on demand). Default 1000. */
  anchorEvery?: number;
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
const VERIFY_CHUNK = 10_000;

export class CoreEventStore implements EventStore {
  readonly adapter: string;
  protected readonly backend: Backend;
  private readonly key: LedgerKey;
  private readonly sink: AnchorSink | undefined;
  private readonly anchorEvery: number;
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
    this.sink = options.anchorSink;
    this.anchorEvery = options.anchorEvery ?? 1000;
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
    if (this.sink && this.anchorEvery > 0 && this.sinceAnchor >= this.anchorEvery) {
      this.sinceAnchor = 0;
      await this.anchor().catch(() => undefined); // an anchor failure must not fail acknowledged appends; verify shows the gap
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
    if (!this.sink) return null;
    const head = await this.backend.head();
    if (head.position === 0) return null;
    const a = signAnchor(this.key, head.position, head.hash, this.now().toISOString());
    await this.sink.write(a);
    return a;
  }

  async verify(options: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    const sealKey = this.key.sealKey;
    const anchors = this.sink ? await this.sink.list() : [];
    const head = await this.backend.head();
    const to = Math.min(options.toPosition ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    let expectedPos = options.fromPosition ?? 1;
    let prevHash = GENESIS_HASH;
    const report = (partial: Partial<VerifyReport>, checked: number): VerifyReport => ({
      ok: false,
      checked,
      lastPosition: head.position,
      anchorsChecked: 0,
      sealsChecked: sealKey !== null,
      firstBadPosition: null,
      problem: null,
      detail: null,
      ...partial,
    });
    if (expectedPos > 1) {
      const before = await this.backend.readAll(expectedPos - 1, 1);
      if (before[0]) prevHash = before[0].hash;
    }
    // Signatures first: a forged anchor is itself a finding.
    for (const a of anchors) {
      if (a.keyId !== this.key.keyId || !anchorSignatureValid(this.key, a)) {
        return report(
          {
            firstBadPosition: a.position,
            problem: 'anchor-signature',
            detail: `anchor at position ${a.position} signed ${a.signedAt} does not carry a valid signature of ledger key ${this.key.keyId}`,
          },
          0,
        );
      }
    }
    const byPosition = new Map<number, Anchor[]>();
    for (const a of anchors) byPosition.set(a.position, [...(byPosition.get(a.position) ?? []), a]);
    const lastRevision = new Map<string, number>();
    let checked = 0;
    let anchorsChecked = 0;
    // The next page is fetched while this one is checked (positions are gapless, so its start is known;
    // when this page turns out bad the prefetch is simply dropped).
    let pending: Promise<ChainRow[]> | null = this.backend.readAll(expectedPos, VERIFY_CHUNK, sealKey !== null);
    for (;;) {
      const rows: ChainRow[] = await (pending as Promise<ChainRow[]>);
      pending = null;
      const last = rows.at(-1);
      if (rows.length === VERIFY_CHUNK && last && last.position < to) {
        pending = this.backend.readAll(last.position + 1, VERIFY_CHUNK, sealKey !== null);
        pending.catch(() => undefined); // an abandoned prefetch must not become an unhandled rejection
      }
      for (const r of rows) {
        if (r.position > to) break;
        if (r.position !== expectedPos)
          return report(
            { firstBadPosition: expectedPos, problem: 'missing-event', detail: `position ${expectedPos} is missing (next present is ${r.position})` },
            checked,
          );
        if (r.prevHash !== prevHash)
          return report(
            {
              firstBadPosition: r.position,
              problem: 'broken-link',
              detail: `event ${r.id} at position ${r.position} does not link to the event before it (removed, inserted or reordered events)`,
            },
            checked,
          );
        const h = chainHash(prevHash, headerOf(r), r.data);
        if (h !== r.hash)
          return report(
            {
              firstBadPosition: r.position,
              problem: 'hash-mismatch',
              detail: `event ${r.id} at position ${r.position} (stream "${r.stream}", revision ${r.revision}) does not match its hash: content changed`,
            },
            checked,
          );
        if (sealKey && !sealMatches(sealKey, r.hash, r.seal))
          return report(
            {
              firstBadPosition: r.position,
              problem: 'seal-mismatch',
              detail: `event ${r.id} at position ${r.position} carries a hash the ledger key never sealed: rewritten with recomputed hashes`,
            },
            checked,
          );
        const prevRev = lastRevision.get(r.stream);
        if (r.revision !== (prevRev === undefined ? 0 : prevRev + 1) && (options.fromPosition ?? 1) === 1)
          return report(
            { firstBadPosition: r.position, problem: 'revision-gap', detail: `stream "${r.stream}" jumps from revision ${prevRev ?? 'none'} to ${r.revision}` },
            checked,
          );
        lastRevision.set(r.stream, r.revision);
        for (const a of byPosition.get(r.position) ?? []) {
          anchorsChecked++;
          if (a.hash !== r.hash)
            return report(
              {
                firstBadPosition: r.position,
                problem: 'anchor-mismatch',
                detail: `anchor signed ${a.signedAt} says position ${a.position} had hash ${a.hash.slice(0, 12)}…, the store has ${r.hash.slice(0, 12)}…: history up to here was rewritten`,
                anchorsChecked,
              },
              checked,
            );
        }
        prevHash = r.hash;
        expectedPos++;
        checked++;
      }
      options.onProgress?.(checked, head.position);
      if (pending === null) break;
    }
    const lastPresent = expectedPos - 1;
    const beyond = anchors.filter((a) => a.position > lastPresent).sort((a, b) => b.position - a.position)[0];
    if (beyond && to === Number.MAX_SAFE_INTEGER)
      return report(
        {
          firstBadPosition: lastPresent + 1,
          problem: 'missing-newest',
          detail: `anchor signed ${beyond.signedAt} proves events up to position ${beyond.position} existed; the store ends at ${lastPresent}: the newest events were deleted`,
          anchorsChecked,
        },
        checked,
      );
    return {
      ok: true,
      checked,
      lastPosition: head.position,
      anchorsChecked,
      sealsChecked: sealKey !== null,
      firstBadPosition: null,
      problem: null,
      detail: null,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.subscriptions) ac.abort();
    while (this.flushing) await this.flushing;
    await this.backend.close();
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
