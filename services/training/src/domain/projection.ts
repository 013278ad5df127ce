// Read model of the training service: every run's state, folded from training's own
// `training-run-` streams in the store's global order (through the run decider's evolve); which run
// produced which model version (the registry's answer to training's registration, or looked up in
// governance after a restart); and the latest dataset snapshot per use case (from dataops'
// DatasetSnapshotCreated integration events: what a retraining trains on). Pure: events in, answers out.
import type { EventData } from '@industrial/contracts';
import { evolve, initialRunState, type RunEvent, type RunState, type RunStatus } from './run.ts';

export interface SnapshotRef {
  readonly datasetId: string;
  readonly snapshotId: string;
  readonly contentHash: string;
  readonly featureSetVersion: string;
}

export interface ProjectedEvent {
  readonly type: string;
  readonly data: unknown;
  readonly position: number;
}

const RUN_EVENTS = new Set(['TrainingRunStarted', 'TrainingRunProgressed', 'TrainingRunCompleted', 'TrainingRunFailed']);

export interface ListFilter {
  readonly useCaseId?: string;
  readonly status?: RunStatus;
}

export class RunProjection {
  #runs = new Map<string, RunState>();
  #order: string[] = [];
  #modelRuns = new Map<string, string>();
  #snapshots = new Map<string, SnapshotRef>();
  #position = 0;

  get position(): number {
    return this.#position;
  }

  /** Applies one recorded event (already upcast to its latest version). Returns the run it changed, if any. */
  apply(event: ProjectedEvent): string | null {
    if (event.position <= this.#position) return null;
    this.#position = event.position;
    if (!RUN_EVENTS.has(event.type)) return null;
    const runId = (event.data as { runId: string }).runId;
    const before = this.#runs.get(runId) ?? initialRunState;
    if (event.type !== 'TrainingRunStarted' && before.started === null) return null; // a run this service never started
    if (event.type === 'TrainingRunStarted' && before.started === null) this.#order.push(runId);
    this.#runs.set(runId, evolve(before, { type: event.type, data: event.data } as RunEvent));
    return runId;
  }

  /** The registry's answer for a run's model (registration is governance's event, not in the run stream). */
  registered(data: EventData<'ModelVersionRegistered'>): string | null {
    const before = this.#runs.get(data.runId);
    if (before === undefined || before.started === null) return null;
    this.#modelRuns.set(data.modelVersionId, data.runId);
    if (before.registered?.modelVersionId !== data.modelVersionId) this.#runs.set(data.runId, evolve(before, { type: 'ModelVersionRegistered', data }));
    return data.runId;
  }

  /** A dataset snapshot was created (dataops' integration event): the latest per use case. */
  snapshotCreated(d: EventData<'DatasetSnapshotCreated'>): void {
    this.#snapshots.set(d.useCaseId, { datasetId: d.datasetId, snapshotId: d.snapshotId, contentHash: d.contentHash, featureSetVersion: d.featureSetVersion });
  }

  get(runId: string): RunState | undefined {
    return this.#runs.get(runId);
  }

  /** Newest first. */
  list(filter: ListFilter = {}): RunState[] {
    const out: RunState[] = [];
    for (let i = this.#order.length - 1; i >= 0; i--) {
      const r = this.#runs.get(this.#order[i]!)!;
      if (filter.useCaseId !== undefined && r.started?.useCaseId !== filter.useCaseId) continue;
      if (filter.status !== undefined && r.status !== filter.status) continue;
      out.push(r);
    }
    return out;
  }

  /** The run that registered a model version. */
  runOfModel(modelVersionId: string): RunState | undefined {
    const runId = this.#modelRuns.get(modelVersionId);
    return runId === undefined ? undefined : this.#runs.get(runId);
  }

  latestSnapshot(useCaseId: string): SnapshotRef | undefined {
    return this.#snapshots.get(useCaseId);
  }

  /** Runs accepted but never finished (the process stopped): to be failed as interrupted, or completed from their registration. */
  unfinished(): RunState[] {
    return [...this.#runs.values()].filter((r) => r.status === 'queued' || r.status === 'running');
  }
}
