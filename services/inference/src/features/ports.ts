// The ports of the inference features: what a use case needs from the outside world, as
// interfaces only. Adapters (src/adapters/*) implement them; app.ts wires one to the other.
import type { UnsSampleBatch } from '@industrial/contracts';
import type { RegisteredModel } from '../domain/deployments.ts';
import type { MemberEvent, MemberEventKind, MembershipTiming } from '../domain/membership.ts';
import type { RecommendationState } from '../domain/recommendation.ts';
import type { ShelfState } from '../domain/shelving.ts';
import type { ModeEntry } from '../domain/mode.ts';
import type { WindowSpec } from '../domain/window.ts';

/** Structured log lines (pino-shaped). */
export interface Log {
  debug?(o: object, m: string): void;
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

// ---- models -------------------------------------------------------------------------------------

/** An ONNX session (or anything that scores rows): P(positive) per row of a row-major [n × inputs] array. */
export interface Scorer {
  readonly inputs: number;
  score(rows: Float32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** One input's share of a score (TreeSHAP of the explanation sidecar). */
export interface Contribution {
  readonly feature: string;
  readonly value: number;
  readonly contribution: number;
}

/** A registered version verified, warmed up and ready to score (what the ModelLoader hands back). */
export interface LoadedModel {
  readonly registered: RegisteredModel;
  readonly scorer: Scorer;
  /** Raw inputs in ONNX column order. */
  readonly inputs: readonly string[];
  /** The model's window spec, features in ONNX column order: how live rows are computed. */
  readonly window: WindowSpec;
  /** Whether the model's pipeline imputes missing inputs (false: any missing input → the rules). */
  readonly imputes: boolean;
  /** Per model feature: what it is computed from, its unit and its normal value (reference median), for evidence. */
  readonly featureInfo: ReadonlyMap<
    string,
    { readonly source: { readonly tag: string; readonly statistic: string } | null; readonly unit: string; readonly normal: number }
  >;
  readonly threshold: number;
  /** Sorted reference sample per input, and of the training scores. */
  readonly referenceSorted: readonly Float64Array[];
  readonly referenceScoresSorted: Float64Array;
  readonly loadedAtMs: number;
  /** The explanation of one row (inputs by name; null = missing). */
  explain(row: Readonly<Record<string, number | null>>): { readonly baseValue: number; readonly contributions: readonly Contribution[] };
}

/**
 * Loads a registered version: reads its bundle, checks the ONNX bytes against the recorded sha256,
 * creates and warms up the session, checks parity with the explanation sidecar. A check that fails
 * throws ModelRefusedError (domain/errors.ts) naming the check; anything else is a load failure.
 */
export interface ModelLoader {
  load(registered: RegisteredModel): Promise<LoadedModel>;
}

// ---- scoring side channels --------------------------------------------------------------------

/** A span the caller ends; its W3C ids (null outside a sampled trace) go into the recorded event. */
export interface SpanHandle {
  readonly traceId: string | null;
  readonly traceparent: string | null;
  end(): void;
}

export interface Tracing {
  /** Runs `fn` inside an active span named `name`. */
  active<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Starts a span that is always recorded (a raised prompt must be traceable). */
  important(name: string, attributes: Readonly<Record<string, string>>): SpanHandle;
}

export type ErrorKind = 'scoring_failed' | 'shadow_scoring_failed' | 'no_action' | 'model_refused';

/** Live-scoring metrics (OpenTelemetry in adapters/telemetry/metrics.ts). */
export interface InferenceMetrics {
  /** One scoring call, production or shadow. */
  scoreDuration(ms: number, useCase: string, modelVersion: string, stage: 'production' | 'shadow'): void;
  windowScored(useCase: string): void;
  recommendationRaised(useCase: string, source: 'model' | 'rules', priority: string): void;
  error(kind: ErrorKind, useCase: string): void;
  /** Wall ms from the newest sample's server timestamp to the score. */
  sampleToScore(ms: number, useCase: string, source: 'model' | 'rules'): void;
  /** A replica membership change was applied (`cause`: the first cause's kind, or manual). */
  membershipChanged(cause: string, takenOver: number, dropped: number): void;
}

// ---- replicas ---------------------------------------------------------------------------------

/** Replays an asset's UNS batches stored since `startMs` (JetStream deliver by start time); resolves with the count. */
export interface UnsReplaySource {
  replay(assetSubject: string, startMs: number, onBatch: (batch: UnsSampleBatch) => void): Promise<number>;
}

export interface MembershipChange {
  readonly members: readonly string[];
  readonly previous: readonly string[];
  /** Why: who joined, left or expired since the last change. */
  readonly causes: readonly MemberEvent[];
}

export interface MembershipStatus {
  readonly source: 'nats';
  readonly subject: string;
  readonly nonce: string;
  /** Live now (may be ahead of `applied` during the debounce). */
  readonly live: readonly string[];
  readonly applied: readonly string[];
  readonly peers: readonly { replicaId: string; nonce: string; lastSeenAgoMs: number }[];
  /** Another live process announced this replica's id (a configuration error). */
  readonly duplicateId: string | null;
  readonly connected: boolean;
  readonly timing: MembershipTiming & { readonly heartbeatMs: number };
}

/** Where the app learns its replica membership from (each change is applied by the replicas feature). */
export interface MembershipSource {
  /** Starts beating and listening; resolves with the members heard within the discovery time (sorted, self included). */
  join(): Promise<readonly string[]>;
  /** From now on each change of the member set is passed to `apply`, one at a time (the next waits for it). */
  follow(apply: (change: MembershipChange) => Promise<void>): void;
  /** Says "leaving" (when it can) and stops beating and listening. */
  leave(): Promise<void>;
  status(): MembershipStatus;
}

export type MembershipCause = { readonly kind: MemberEventKind | 'manual'; readonly replicaId: string | null };

// ---- projection checkpoint ----------------------------------------------------------------------

export interface RecommendationView {
  readonly state: RecommendationState;
  readonly raisedAt: string;
  readonly lastPosition: number;
  readonly revision: number;
  /** The latest shelving (ISA-18.2), null/absent: never shelved or put back; its time may have run out. */
  readonly shelf?: ShelfState | null;
}

/** An event as the projection reads it; deployment events are kept so in the snapshot (deployments are refolded from them). */
export interface SnapshotModelEvent {
  readonly id: string;
  readonly type: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly data: unknown;
  readonly metadata: { readonly actor: string; readonly recordedAt: string };
}

export interface OutcomeCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** The projection at `position` (the last global position applied; `eventId` is that event's id). */
export interface ProjectionSnapshot {
  readonly position: number;
  readonly eventId: string | null;
  readonly recommendations: readonly RecommendationView[];
  readonly modes: readonly (readonly [string, ModeEntry])[];
  readonly counts: readonly (readonly [string, OutcomeCounts])[];
  readonly byAsset: readonly (readonly [string, { readonly confirmed: number; readonly falseAlarms: number }])[];
  readonly modelEvents: readonly SnapshotModelEvent[];
}

/** What changed since the last save: changed recommendations and modes, new model events, the small maps whole. */
export type SnapshotDelta = ProjectionSnapshot;

/**
 * Where the projection keeps its checkpoint (adapters/checkpoint/sqlite.ts: a node:sqlite file per
 * replica). `load` gives the saved snapshot (null: none, or one this release cannot read); `save`
 * applies a delta atomically (all of it or nothing); `clear` forgets everything (a rebuild from 0).
 */
export interface ProjectionCheckpoints {
  load(): ProjectionSnapshot | null;
  save(delta: SnapshotDelta): void;
  clear(): void;
  close(): void;
}

// ---- the plant's catalog and history (dataops) ------------------------------------------------

/** One asset of the plant as the dataops catalog knows it. */
export interface CatalogAsset {
  /** UNS asset path `e.s.a.l.asset` */
  readonly assetPath: string;
  readonly area: string;
  readonly line: string;
  readonly name: string;
  /** The catalogued tags of the asset. */
  readonly tags: readonly string[];
}

/** Every asset of the plant (dataops SearchCatalog). */
export interface AssetCatalog {
  assets(): Promise<readonly CatalogAsset[]>;
}

/**
 * The historian (dataops QueryTimeSeries): an asset's newest stored readings, as UNS batches in
 * time order, covering at least `spanMs` of data time back from its newest sample (at or before
 * `untilMs`, far enough ahead for an accelerated plant clock).
 */
export interface HistorianSource {
  recent(assetPath: string, tags: readonly string[], spanMs: number, untilMs: number): Promise<readonly UnsSampleBatch[]>;
}
