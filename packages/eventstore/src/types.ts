// Public types of the event store: the envelope every service writes and every auditor reads.

/** Who did it, why (correlation/causation), under which trace, in which schema version. */
export interface EventMetadata {
  /** Subject of the token that caused the event (user or service account). */
  actor: string;
  /** Role the actor acted in: operator, engineer, quality_lead, auditor, admin, service. */
  role: string;
  correlationId: string;
  causationId: string | null;
  /** W3C traceparent of the call that caused the event, or null outside a trace. */
  traceparent: string | null;
  /** Version of the payload schema of `type` (contracts/). */
  schemaVersion: number;
}

export interface RecordedMetadata extends EventMetadata {
  /** ISO-8601 UTC time the store committed the event (from the store's clock). */
  recordedAt: string;
}

/** An event as a client hands it to `append`. `id` is client-chosen (UUID, v7 preferred) → idempotent retries. */
export interface NewEvent<TData = unknown> {
  id: string;
  type: string;
  data: TData;
  metadata: EventMetadata;
}

export interface RecordedEvent<TData = unknown> {
  id: string;
  type: string;
  stream: string;
  /** 0-based position inside the stream. */
  revision: number;
  /** 1-based, gapless global position; equals commit order. */
  position: number;
  data: TData;
  metadata: RecordedMetadata;
  /** Hash of the previous event in global order (64 zeros for position 1). */
  prevHash: string;
  /** sha256(prevHash ‖ canonical header ‖ canonical data), hex. */
  hash: string;
}

/** `any`: no check; `no-stream`: the stream must not exist; a number: the stream's last revision must equal it. */
export type ExpectedRevision = 'any' | 'no-stream' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  stream: string;
  /** Revision of the last event of this append (new or, for an idempotent retry, the stored one). */
  nextExpectedRevision: number;
  /** Global position of the last event of this append. */
  position: number;
  /** Events actually written: 0 when the whole append was an idempotent retry. */
  written: number;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive. Default: 0 forwards, the last revision backwards. */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Inclusive, 1-based. Default 1. Must be ≤ last position + 1. */
  fromPosition?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Last position already processed (0 = from the beginning). Delivery starts at checkpoint + 1. */
  checkpoint: number;
  /** Events per read while catching up. */
  batchSize?: number;
}

/** An ordered, gapless, duplicate-free stream of all events, turning live once caught up. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Stops the subscription; a pending iteration ends. */
  stop(): Promise<void>;
}

/** The same delivery as `Subscription`, a page (one read) at a time: for consumers that batch work, like the relay. */
export interface PageSubscription extends AsyncIterable<RecordedEvent[]> {
  stop(): Promise<void>;
}

/** Validates an event payload against its schema (contracts/) before anything is written. */
export interface EventValidator {
  /** Returns null when valid, else the dotted path inside `data` and the reason. */
  validate(type: string, schemaVersion: number, data: unknown): { path: string; reason: string } | null;
}

export interface Anchor {
  /** Position of the chain head that was signed. */
  position: number;
  hash: string;
  /** ISO-8601 time of signing. */
  signedAt: string;
  /** Key id (sha256 of the raw public key, first 16 hex chars). */
  keyId: string;
  /** Ed25519 signature, base64, over `anchor|v1|<position>|<hash>|<signedAt>`. */
  signature: string;
}

export type IntegrityProblem =
  | 'hash-mismatch'
  | 'broken-link'
  | 'missing-event'
  | 'seal-mismatch'
  | 'anchor-mismatch'
  | 'anchor-signature'
  /** A valid anchor of a sink is beyond the store's head: the newest events were deleted. */
  | 'truncated'
  | 'revision-gap'
  /** A sink holds no anchor while another sink holds some (its anchors were deleted). */
  | 'anchor-missing'
  /** A sink's newest anchor is older than another sink's (it was rolled back, or lost its newest anchors). */
  | 'anchor-rolled-back'
  /** Two sinks hold validly signed anchors of one position with different hashes. */
  | 'sink-disagrees'
  /** A sink could not be read (verify cannot vouch for what it would have shown). */
  | 'sink-unreadable';

/** One thing verify found; `sink` names the anchor sink it is about (null: the store itself). */
export interface IntegrityFinding {
  problem: IntegrityProblem;
  sink: string | null;
  position: number | null;
  detail: string;
}

/** What one anchor sink held when verify read it. */
export interface SinkSummary {
  name: string;
  /** Valid anchors (signature of the ledger key). */
  anchors: number;
  newestPosition: number | null;
  newestSignedAt: string | null;
  readable: boolean;
}

export interface VerifyReport {
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** Last position present. */
  lastPosition: number;
  anchorsChecked: number;
  /** Whether the per-event seals were checked (needs the ledger key, not only the public key). */
  sealsChecked: boolean;
  /** Of the most serious finding (the order of `findings`); null when ok. */
  firstBadPosition: number | null;
  problem: IntegrityProblem | null;
  /** The most serious finding's detail, followed by the other findings' (each as "problem: detail"); null when ok. */
  detail: string | null;
  /** Everything found, most serious first: truncation, disagreeing sinks, the chain, signatures, sinks behind. */
  findings: IntegrityFinding[];
  /** Each anchor sink's newest anchor as read. */
  sinks: SinkSummary[];
}

export interface VerifyOptions {
  fromPosition?: number;
  toPosition?: number;
  /** Newest anchors read from each sink (default 100,000): bounds the time and memory a long-lived sink costs. */
  maxAnchorsPerSink?: number;
  onProgress?: (checked: number, lastPosition: number) => void;
}

export interface EventStore {
  readonly adapter: 'postgres' | 'sqlite' | (string & {});
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Last global position (0 when empty). */
  headPosition(): Promise<number>;
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** As `subscribeToAll`, yielding each read as one page (non-empty, in position order). */
  subscribeToAllPages(options: SubscribeOptions): PageSubscription;
  /** Signs the current chain head and hands it to every anchor sink (outside the database); rejects naming the sinks that failed. */
  anchor(): Promise<Anchor | null>;
  verify(options?: VerifyOptions): Promise<VerifyReport>;
  close(): Promise<void>;
}
