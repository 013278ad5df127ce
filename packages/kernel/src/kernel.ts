// The command kernel: the only way a service writes events. One envelope (schema version from
// the contract, metadata from one Cause), ownership checked before anything reaches the store,
// typed reads (validated, upcast to the latest version; a missing stream reads as empty), and the
// read → fold → decide → append loop with the expected revision and a bounded retry on conflicts.
import { latestVersion, parseEvent, type EventData, type EventType, type PlatformEvent, type Service } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import {
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type RecordedMetadata,
} from '@industrial/eventstore';
import { ContractViolationError, isEventType } from '@industrial/contracts';
import type { Cause } from './cause.ts';
import { ConcurrencyConflictError, KernelError, UnknownEventTypeError, UnknownSchemaVersionError } from './errors.ts';
import { kernelMetrics } from './metrics.ts';
import { assertMayAppend } from './ownership.ts';

/** An event a decision produced: its type and data at the latest version; `id` to make a retry idempotent. */
export type Draft = PlatformEvent & { readonly id?: string };

/** A recorded event read through the contracts: `data` validated and upcast to the latest version. */
export type TypedEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly type: K;
    readonly data: EventData<K>;
    readonly id: string;
    readonly stream: string;
    readonly revision: number;
    readonly position: number;
    readonly metadata: RecordedMetadata;
  };
}[T];

/** How a stream folds into state: the types it reads (others are skipped), a start and one step. */
export interface Aggregate<S, T extends EventType = EventType> {
  readonly types: readonly T[];
  initial(): S;
  evolve(state: S, event: TypedEvent<T>): S;
}

export interface Loaded<S> {
  readonly state: S;
  /** Last revision of the stream; null when it does not exist. */
  readonly revision: number | null;
}

export interface ExecuteOptions {
  /** The revision the caller saw (optimistic concurrency from the client): no retry when it has moved. */
  readonly expectedRevision?: number | 'no-stream';
  /** Attempts when the stream moves between read and append (default 5). */
  readonly maxAttempts?: number;
}

export interface Executed<S> {
  readonly state: S;
  readonly events: readonly Draft[];
  /** Revision after the append (the loaded one when nothing was decided); null: the stream still does not exist. */
  readonly revision: number | null;
  /** Ids of the appended events, in order. */
  readonly eventIds: readonly string[];
}

/** The read side of the store a service may use directly (reads, subscriptions, audit); appends go through the kernel. */
export type StoreReader = Omit<EventStore, 'append'>;

export interface Kernel {
  /** The service this kernel writes for; appends of types or streams it does not own are refused. */
  readonly service: Service;
  readonly reader: StoreReader;
  /** One envelope: a fresh (or given) id, the schema version of the contract, metadata from the cause. */
  envelope(draft: Draft, cause: Cause): NewEvent;
  /** Appends drafts to `stream` (ownership checked first; nothing written on any refusal). */
  append(stream: string, drafts: readonly Draft[], cause: Cause, options?: { expectedRevision?: number | 'no-stream' | 'any' }): Promise<AppendResult>;
  /** Appends events someone else enveloped (the access guard's AccessDenied): ownership and schema checked the same way. */
  appendPrepared(stream: string, events: readonly NewEvent[]): Promise<AppendResult>;
  /** The stream's events, typed and upcast; a stream that does not exist reads as []. */
  read(stream: string, options?: ReadStreamOptions): Promise<TypedEvent[]>;
  /** One recorded event through the contracts. */
  parse(event: RecordedEvent): TypedEvent;
  /** Folds a stream with an aggregate. */
  load<S, T extends EventType>(stream: string, aggregate: Aggregate<S, T>): Promise<Loaded<S>>;
  /**
   * Read → fold → decide → append with the expected revision. `decide` throws the service's own
   * refusal errors (they pass through untouched) or returns the events to append ([] = nothing to do).
   * When the stream moves in between, the loop runs again, up to `maxAttempts`; then ConcurrencyConflictError.
   */
  execute<S, T extends EventType>(
    stream: string,
    aggregate: Aggregate<S, T>,
    decide: (state: S, loaded: Loaded<S>) => readonly Draft[],
    cause: Cause,
    options?: ExecuteOptions,
  ): Promise<Executed<S>>;
}

export interface KernelOptions {
  readonly service: Service;
  readonly store: EventStore;
  /** Event ids (default uuidv7). */
  readonly newId?: () => string;
}

/** Reads a stream, or [] when it does not exist (the one place "stream not found" is recognised). */
export async function readStreamOrEmpty(store: StoreReader, stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
  try {
    return await store.readStream(stream, options);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return [];
    throw error;
  }
}

/** A recorded event through the contracts (validated at its version, upcast to the latest). */
export function parseRecorded(event: RecordedEvent): TypedEvent {
  const { type, stream } = event;
  if (!isEventType(type)) throw new UnknownEventTypeError(stream, type);
  const version = event.metadata.schemaVersion;
  const latest = latestVersion(type);
  if (!Number.isInteger(version) || version < 1 || version > latest) throw new UnknownSchemaVersionError(stream, type, version, latest);
  let data: unknown;
  try {
    data = parseEvent(type, version, event.data);
  } catch (error) {
    if (error instanceof ContractViolationError)
      throw new ContractViolationError(type, version, error.field, `stream "${stream}" revision ${event.revision}: ${error.reason}`, {
        details: error.details,
        cause: error,
      });
    throw error;
  }
  return { type, data, id: event.id, stream, revision: event.revision, position: event.position, metadata: event.metadata } as TypedEvent;
}

const DEFAULT_ATTEMPTS = 5;

export function createKernel(options: KernelOptions): Kernel {
  const { service, store } = options;
  const newId = options.newId ?? (() => uuidv7());
  const reader: StoreReader = store;
  const observed = kernelMetrics(store.adapter);

  const envelope = (draft: Draft, cause: Cause): NewEvent => ({
    id: draft.id ?? newId(),
    type: draft.type,
    data: draft.data,
    metadata: {
      actor: cause.actor,
      role: cause.role,
      correlationId: cause.correlationId,
      causationId: cause.causationId,
      traceparent: cause.traceparent,
      schemaVersion: latestVersion(draft.type),
    },
  });

  const check = (stream: string, events: readonly { type: string; metadata: { schemaVersion: number } }[]): void => {
    for (const e of events) assertMayAppend(service, stream, e.type, e.metadata.schemaVersion);
  };

  async function appendPrepared(stream: string, events: readonly NewEvent[], expected?: number | 'no-stream' | 'any'): Promise<AppendResult> {
    try {
      check(stream, events);
    } catch (error) {
      if (error instanceof KernelError) observed.refused(stream, error.type, error.code);
      throw error;
    }
    const started = performance.now();
    try {
      const result = await store.append(stream, events, expected === undefined ? {} : { expectedRevision: expected });
      observed.appended(
        stream,
        events.map((e) => e.type),
        (performance.now() - started) / 1000,
        undefined,
      );
      return result;
    } catch (error) {
      observed.appended(stream, [], (performance.now() - started) / 1000, error);
      throw error;
    }
  }

  function parse(event: RecordedEvent): TypedEvent {
    return parseRecorded(event);
  }

  async function load<S, T extends EventType>(stream: string, aggregate: Aggregate<S, T>): Promise<Loaded<S>> {
    const recorded = await readStreamOrEmpty(store, stream);
    const wanted = new Set<string>(aggregate.types);
    let state = aggregate.initial();
    for (const r of recorded) if (wanted.has(r.type)) state = aggregate.evolve(state, parse(r) as TypedEvent<T>);
    return { state, revision: recorded.at(-1)?.revision ?? null };
  }

  return {
    service,
    reader,
    envelope,
    append: async (stream, drafts, cause, opts) => {
      for (const d of drafts)
        if (!isEventType(d.type)) {
          observed.refused(stream, d.type, 'UNKNOWN_EVENT_TYPE');
          throw new UnknownEventTypeError(stream, d.type);
        }
      return appendPrepared(
        stream,
        drafts.map((d) => envelope(d, cause)),
        opts?.expectedRevision,
      );
    },
    appendPrepared: (stream, events) => appendPrepared(stream, events),
    read: async (stream, opts) => (await readStreamOrEmpty(store, stream, opts)).map(parse),
    parse,
    load,
    async execute(stream, aggregate, decide, cause, opts = {}) {
      const maxAttempts = opts.expectedRevision === undefined ? Math.max(1, opts.maxAttempts ?? DEFAULT_ATTEMPTS) : 1;
      let lastTypes: readonly string[] = [];
      for (let attempt = 1; ; attempt++) {
        const loaded = await load(stream, aggregate);
        const seen = loaded.revision ?? 'no-stream';
        if (opts.expectedRevision !== undefined && opts.expectedRevision !== seen) {
          observed.conflict(stream, 'stale_client');
          throw new ConcurrencyConflictError(stream, [], 1, opts.expectedRevision);
        }
        const drafts = decide(loaded.state, loaded);
        if (drafts.length === 0) return { state: loaded.state, events: [], revision: loaded.revision, eventIds: [] };
        lastTypes = drafts.map((d) => d.type);
        const events = drafts.map((d) => envelope(d, cause));
        try {
          const result = await appendPrepared(stream, events, seen);
          const last = drafts.length - 1;
          const state = drafts.reduce(
            (s, d, i) =>
              (aggregate.types as readonly string[]).includes(d.type)
                ? aggregate.evolve(
                    s,
                    recordedView(d, events[i] as NewEvent, stream, result.nextExpectedRevision - (last - i), result.position - (last - i)) as never,
                  )
                : s,
            loaded.state,
          );
          return { state, events: drafts, revision: result.nextExpectedRevision, eventIds: events.map((e) => e.id) };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (attempt >= maxAttempts) {
            observed.conflict(stream, opts.expectedRevision === undefined ? 'exhausted' : 'stale_client');
            throw new ConcurrencyConflictError(stream, lastTypes, attempt, seen, error);
          }
          observed.conflict(stream, 'retried');
        }
      }
    },
  };
}

/** The appended draft as the fold sees it after the append (recordedAt is the store's and unknown here: empty). */
function recordedView(draft: Draft, event: NewEvent, stream: string, revision: number, position: number): TypedEvent {
  return { type: draft.type, data: draft.data, id: event.id, stream, revision, position, metadata: { ...event.metadata, recordedAt: '' } } as TypedEvent;
}
