// The training run as a decider: commands → events (decide), events → state (evolve). Pure: the
// clock, ids and results of training arrive inside the commands. One run lives in stream
// `training-run-<id>`; its ModelVersionRegistered goes to `model-<useCase>` but is decided here, so
// the rules "register once, only a running run, complete only after registration" hold in one place.
//
// Order of a successful run: Started → Progressed(data-loading, training, evaluation, export,
// registration) → ModelVersionRegistered → Completed. A model is registered with everything it needs
// (lineage, card, artifacts) in one event, so there is never a half-registered model; a crash
// between registration and completion is repaired by completing the run from the registration.
import type { EventData } from '@industrial/contracts';
import { RunAlreadyExistsError, RunStateError } from './errors.ts';

export const STAGES = ['data-loading', 'training', 'evaluation', 'export', 'registration'] as const;
export type Stage = (typeof STAGES)[number];

export type StartedData = EventData<'TrainingRunStarted'>;
export type ProgressedData = EventData<'TrainingRunProgressed'>;
export type CompletedData = EventData<'TrainingRunCompleted'>;
export type FailedData = EventData<'TrainingRunFailed'>;
export type RegisteredData = EventData<'ModelVersionRegistered'>;

export type RunEvent =
  | { readonly type: 'TrainingRunStarted'; readonly data: StartedData }
  | { readonly type: 'TrainingRunProgressed'; readonly data: ProgressedData }
  | { readonly type: 'ModelVersionRegistered'; readonly data: RegisteredData }
  | { readonly type: 'TrainingRunCompleted'; readonly data: CompletedData }
  | { readonly type: 'TrainingRunFailed'; readonly data: FailedData };

export type RunCommand =
  | { readonly type: 'StartRun'; readonly data: StartedData }
  | { readonly type: 'ReportProgress'; readonly runId: string; readonly stage: Stage; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: 'RegisterModel'; readonly data: RegisteredData }
  | {
      readonly type: 'CompleteRun';
      readonly runId: string;
      readonly now: string;
      readonly metrics: Readonly<Record<string, number>>;
      readonly artifactUri: string;
      readonly artifactHash: string;
    }
  | { readonly type: 'FailRun'; readonly runId: string; readonly now: string; readonly stage: Stage; readonly error: string; readonly retryable: boolean };

export type RunStatus = 'none' | 'queued' | 'running' | 'completed' | 'failed';

export interface RunState {
  readonly status: RunStatus;
  readonly started: StartedData | null;
  readonly stage: Stage | null;
  readonly progress: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly registered: RegisteredData | null;
  readonly completed: CompletedData | null;
  readonly failed: FailedData | null;
}

export const initialRunState: RunState = {
  status: 'none',
  started: null,
  stage: null,
  progress: 0,
  metrics: {},
  registered: null,
  completed: null,
  failed: null,
};

export const isTerminal = (s: RunState): boolean => s.status === 'completed' || s.status === 'failed';

const sameStart = (a: StartedData, b: StartedData): boolean => {
  // A retry of the same request: everything but the acceptance time matches.
  const { startedAt: _a, ...ra } = a;
  const { startedAt: _b, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
};

const truncate = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export function decide(command: RunCommand, state: RunState): RunEvent[] {
  switch (command.type) {
    case 'StartRun': {
      if (state.started === null) return [{ type: 'TrainingRunStarted', data: command.data }];
      if (sameStart(state.started, command.data)) return [];
      throw new RunAlreadyExistsError(command.data.runId);
    }
    case 'ReportProgress': {
      if (state.status !== 'queued' && state.status !== 'running')
        throw new RunStateError(`run ${command.runId} is ${state.status}; it cannot report progress`);
      const epoch = STAGES.indexOf(command.stage) + 1;
      return [
        {
          type: 'TrainingRunProgressed',
          data: {
            runId: command.runId,
            stage: command.stage,
            epoch,
            totalEpochs: STAGES.length + 1,
            progress: epoch / (STAGES.length + 1),
            metrics: { ...command.metrics },
          },
        },
      ];
    }
    case 'RegisterModel': {
      if (state.registered !== null) {
        if (state.registered.artifactHash === command.data.artifactHash) return [];
        throw new RunStateError(`run ${command.data.runId} already registered model version ${state.registered.modelVersionId}`);
      }
      if (state.status !== 'running') throw new RunStateError(`run ${command.data.runId} is ${state.status}; only a running run registers its model`);
      return [{ type: 'ModelVersionRegistered', data: command.data }];
    }
    case 'CompleteRun': {
      if (state.status === 'completed') return [];
      if (state.status !== 'running' || state.registered === null || state.started === null)
        throw new RunStateError(`run ${command.runId} is ${state.status}${state.registered === null ? ' without a registered model' : ''}; it cannot complete`);
      const durationSeconds = Math.max(0, (Date.parse(command.now) - Date.parse(state.started.startedAt)) / 1000);
      return [
        {
          type: 'TrainingRunCompleted',
          data: {
            runId: command.runId,
            completedAt: command.now,
            durationSeconds,
            metrics: { ...command.metrics },
            artifactUri: command.artifactUri,
            artifactHash: command.artifactHash,
          },
        },
      ];
    }
    case 'FailRun': {
      if (state.status === 'failed') return [];
      if (state.status !== 'queued' && state.status !== 'running') throw new RunStateError(`run ${command.runId} is ${state.status}; it cannot fail`);
      // A registered model stays registered: the run is completed from it instead (see module comment).
      if (state.registered !== null) throw new RunStateError(`run ${command.runId} already registered its model; complete it instead`);
      return [
        {
          type: 'TrainingRunFailed',
          data: {
            runId: command.runId,
            failedAt: command.now,
            stage: command.stage,
            error: truncate(command.error || 'unknown error', 2000),
            retryable: command.retryable,
          },
        },
      ];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export function evolve(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'TrainingRunStarted':
      return { ...initialRunState, status: 'queued', started: event.data };
    case 'TrainingRunProgressed':
      return {
        ...state,
        status: 'running',
        stage: event.data.stage,
        progress: event.data.progress,
        metrics: Object.keys(event.data.metrics).length > 0 ? event.data.metrics : state.metrics,
      };
    case 'ModelVersionRegistered':
      return { ...state, registered: event.data, metrics: event.data.metrics };
    case 'TrainingRunCompleted':
      return { ...state, status: 'completed', progress: 1, completed: event.data, metrics: event.data.metrics };
    case 'TrainingRunFailed':
      return { ...state, status: 'failed', failed: event.data, stage: event.data.stage };
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

export const fold = (events: readonly RunEvent[], from: RunState = initialRunState): RunState => events.reduce(evolve, from);
