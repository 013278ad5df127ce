// Read model of the training service, folded from the store's global order: every run's state
// (through the run decider's evolve), which run produced which model version, and the latest
// dataset snapshot per use case (what a retraining trains on). Pure: events in, answers out.
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

const RUN_EVENTS = new Set(['TrainingRunStarted', 'TrainingRunProgressed', 'TrainingRunCompleted', 'TrainingRunFailed', 'ModelVersionRegistered']);

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
    if (event.type === 'DatasetSnapshotCreated') {
      const d = event.data as EventData<'DatasetSnapshotCreated'>;
      this.#snapshots.set(d.useCaseId, { datasetId: d.datasetId, snapshotId: d.snapshotId, contentHash: d.contentHash, featureSetVersion: d.featureSetVersion });
      return null;
    }
    if (!RUN_EVENTS.has(event.type)) return null;
    const runId = (event.data as { runId: string }).runId;
    const before = this.#runs.get(runId) ?? initialRunState;
    if (event.type !== 'TrainingRunStarted' && before.started === null) return null; // a run this service never started
    if (event.type === 'TrainingRunStarted' && before.started === null) this.#order.push(runId);
    if (event.type === 'ModelVersionRegistered') this.#modelRuns.set((event.data as EventData<'ModelVersionRegistered'>).modelVersionId, runId);
    this.#runs.set(runId, evolve(before, { type: event.type, data: event.data } as RunEvent));
    return runId;
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
