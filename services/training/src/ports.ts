// Ports of the training service: what the use cases need from the outside world. Adapters in
// adapters/ implement them (filesystem/S3 artifacts, dataops snapshots, charter cost models, the
// worker-thread trainer, governance's model registry); tests and the one-process launcher may pass their own.
import type { EventData } from '@industrial/contracts';
import type { Cause } from '@industrial/kernel';
import type { CostModel, OrderedSpec, WindowSpec } from '@industrial/ml';
import type { RawColumn } from './domain/dataset.ts';
import type { FreshSnapshotRequest, SnapshotSourceLineage } from './domain/retraining.ts';

export type { CostModel };
import type { PortableTrainSpec } from './domain/spec.ts';

/** Content-addressed blobs: the key IS the sha256 of the bytes, so a write is idempotent. */
export interface ArtifactStore {
  /** e.g. `file` or `s3`. */
  readonly kind: string;
  /** Stores the bytes under `sha256/<hash>`; returns the hash and a URI for events. */
  put(bytes: Uint8Array): Promise<{ sha256: string; uri: string }>;
  /** The bytes, verified against the hash; throws NOT_FOUND when absent. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** URI of a stored hash (without reading it). */
  uriOf(sha256: string): string;
}

/** A loaded dataset snapshot as the trainer sees it. */
export interface SnapshotData {
  readonly snapshotId: string;
  readonly datasetId: string;
  readonly contentHash: string;
  readonly featureSetVersion: string;
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, RawColumn>>;
  /** Columns the snapshot marks as model features (the default when a request names none). */
  readonly featureColumns: readonly string[];
  /** Row ranges of the declared split, in row order. */
  readonly splits: {
    readonly train: Range;
    readonly validation: Range;
    readonly test: Range;
    readonly kind: string;
    readonly by: string;
    /** Group-wise splits: the group keys of each part. */
    readonly groups?: { readonly train: readonly string[]; readonly validation: readonly string[]; readonly test: readonly string[] } | undefined;
  };
  /** Where the rows came from (the snapshot lineage's source): a retraining rebuilds historian-window snapshots over fresh data. */
  readonly source?: SnapshotSourceLineage | null;
  /** Window length the features were computed over (seconds), or null for row data. */
  readonly windowSeconds: number | null;
  /** The window spec the feature columns were computed with (historian-windows snapshots); goes into the model. */
  readonly window: WindowSpec | null;
  /** The ordered per-unit spec the feature columns were computed with (ordered snapshots of imports); goes into the model. */
  readonly ordered?: OrderedSpec | null;
  readonly units: Readonly<Record<string, string>>;
}

export interface Range {
  readonly start: number;
  readonly end: number;
}

export interface SnapshotSource {
  /** Loads and integrity-checks a snapshot; throws SnapshotNotFoundError / an integrity error. */
  load(snapshotId: string, options?: { expectedHash?: string }): Promise<SnapshotData>;
}

/** A new snapshot made by dataops (its gRPC CreateDatasetSnapshot, recorded there as DatasetSnapshotCreated). */
export interface CreatedSnapshot {
  readonly snapshotId: string;
  readonly datasetId: string;
  readonly contentHash: string;
  readonly rowCount: number;
}

/** dataops making fresh snapshots for a retraining; errors carry dataops' reason (e.g. no complete window in the range). */
export interface FreshSnapshots {
  create(request: FreshSnapshotRequest, cause: Cause): Promise<CreatedSnapshot>;
}

/** The charter's cost model for a use case, by reference. */
export interface CostModelSource {
  /** null when the use case has no cost model (yet). */
  get(useCaseId: string): Promise<CostModel | null>;
}

/** What the trainer hands back; plain data (crosses a worker boundary). */
export interface TrainOutput {
  readonly onnx: Uint8Array;
  readonly onnxSha256: string;
  /** serialiseModel(model): the TS model (explanations). */
  readonly modelJson: string;
  /** JSON of the training reference profile (inputs' sample + scores): drift reference and warm-up parity for inference. */
  readonly referenceJson: string;
  readonly cardJson: string;
  readonly cardMarkdown: string;
  readonly task: 'classification' | 'regression' | 'anomaly';
  readonly threshold: number | null;
  /** Held-out (test part) metrics, flat snake_case numbers. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly validationMetrics: Readonly<Record<string, number>>;
  readonly importance: readonly { readonly feature: string; readonly drop: number; readonly std: number }[];
  readonly inputs: readonly string[];
}

export interface TrainJob {
  readonly spec: PortableTrainSpec;
  /** Numeric columns the spec reads (target, inputs, split columns). */
  readonly columns: Readonly<Record<string, Float64Array>>;
}

export interface Trainer {
  /** Fits; rejects with RunCancelledError when `signal` aborts. */
  train(job: TrainJob, signal?: AbortSignal): Promise<TrainOutput>;
  close?(): Promise<void>;
}

/** A registration as training asks for it: the ModelVersionRegistered data without the version number (governance assigns it). */
export type ModelRegistration = Omit<EventData<'ModelVersionRegistered'>, 'version'>;
export type RegisteredModel = EventData<'ModelVersionRegistered'>;

/**
 * Governance's model registry, the one writer of `model-<useCase>` streams: training registers the
 * candidates it trained through it and never appends to the model stream itself. Adapters: gRPC
 * (`RegisterModelVersion`, cluster mode, a service-account token with `model.register`) and in
 * process (governance's registry use cases over the same store: the one-process launcher, tests).
 */
export interface ModelRegistry {
  /** Registers the version as a candidate; idempotent per run (the same run again answers its registration). */
  register(registration: ModelRegistration, cause: Cause): Promise<{ registered: RegisteredModel; alreadyRegistered: boolean }>;
  /** The version a run registered, or null (crash recovery: a run interrupted during registration). */
  registrationOf(useCaseId: string, runId: string, cause: Cause): Promise<RegisteredModel | null>;
  /** The versions registered for a use case, oldest first (the run view after a restart). */
  registrations(useCaseId: string, cause: Cause): Promise<RegisteredModel[]>;
  /** Asks governance for the version's shadow period (an approval request for the shadow stage); its request id. Absent: not supported by this registry. */
  requestShadow?(request: { useCaseId: string; modelVersionId: string; justification: string }, cause: Cause): Promise<string>;
}
