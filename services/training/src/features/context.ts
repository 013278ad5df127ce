// What the training use cases share while a TrainingRuns instance lives: the kernel (training's
// appends and reads), the ports, the projection of training's own streams and the run commands.
// Types only; runs.ts builds it and hands it to the use cases in the other files.
import type { Cause, Kernel } from '@industrial/kernel';
import type { RunProjection } from '../domain/projection.ts';
import type { RunCommand, RunState } from '../domain/run.ts';
import type { ResolvedSpec, TrainingSpecInput } from '../domain/spec.ts';
import type { ArtifactStore, ModelRegistry, SnapshotData, Trainer } from '../ports.ts';

export interface RunsLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** A run accepted and queued: what the trainer needs, resolved before TrainingRunStarted was recorded. */
export interface Job {
  readonly runId: string;
  readonly useCaseId: string;
  readonly snapshot: SnapshotData;
  readonly resolved: ResolvedSpec;
  readonly columns: Record<string, Float64Array>;
  readonly cause: Cause;
}

export interface RunsContext {
  readonly kernel: Kernel;
  readonly artifacts: ArtifactStore;
  readonly trainer: Trainer;
  readonly registry: ModelRegistry;
  readonly logger: RunsLogger;
  readonly codeVersion: string;
  readonly projection: RunProjection;
  readonly now: () => Date;
  /** Runs one command on the run (its stream, or the registry for RegisterModel); resolves once the projection shows it. */
  command(runId: string, cmd: RunCommand, cause: Cause): Promise<RunState>;
}

export interface StartRunRequest {
  snapshotId: string;
  useCaseId: string;
  spec: TrainingSpecInput;
  /** Client-chosen run id → idempotent retries. */
  runId?: string;
  trigger?: { kind: 'manual' | 'retraining'; retrainingRequestId: string | null };
}
