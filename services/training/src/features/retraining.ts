// Retraining on request: inference's RetrainingRequested arrives as an integration event
// (`evt.v1.inference.RetrainingRequested` on the bus; training never reads inference's streams).
// It starts a run with the spec, hyperparameters and seed of the run that produced the model, on the
// latest snapshot of the use case (dataops' DatasetSnapshotCreated integration events), with a run
// id derived from the request id (idempotent); the model arrives as a candidate.
import type { EventData } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { serviceCause } from '@industrial/kernel';
import type { RunProjection } from '../domain/projection.ts';
import type { RunState } from '../domain/run.ts';
import { specInputOf } from '../domain/spec.ts';
import type { RunsLogger, StartRunRequest } from './context.ts';

export async function startRetraining(
  deps: { projection: RunProjection; logger: RunsLogger; start: (req: StartRunRequest, cause: ReturnType<typeof serviceCause>) => Promise<RunState> },
  data: EventData<'RetrainingRequested'>,
  causationId: string | null,
): Promise<string | null> {
  const { projection, logger } = deps;
  const runId = uuidFromKey(`retraining:${data.requestId}`);
  if (projection.get(runId) !== undefined) return runId;
  const prior = projection.runOfModel(data.modelVersionId);
  if (prior?.started == null) {
    logger.warn({ requestId: data.requestId, modelVersionId: data.modelVersionId }, 'retraining requested for a model this service did not train; ignored');
    return null;
  }
  const p = prior.started;
  const snap = projection.latestSnapshot(data.useCaseId);
  try {
    await deps.start(
      {
        snapshotId: snap?.snapshotId ?? p.snapshotId,
        useCaseId: data.useCaseId,
        spec: specInputOf(p.spec, p.hyperparameters, p.seed),
        runId,
        trigger: { kind: 'retraining', retrainingRequestId: data.requestId },
      },
      serviceCause('training', data.requestId, { causationId }),
    );
    return runId;
  } catch (e) {
    logger.error({ err: e, requestId: data.requestId }, 'retraining run could not start');
    return null;
  }
}
