// Training's production cost-model source on PostgreSQL: a run whose spec takes the cost model by
// reference reads the charter's records of the use case from the shared store (CostModelSet, else
// the serving spec's cost model); a use case without one is refused before anything is recorded.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Service, type EventData } from '@industrial/contracts';
import { FIELD_TRAILER, trainingV1, unaryCall } from '@industrial/grpc';
import { createKernel, serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCharterStoreCostModels } from '../src/index.ts';
import { collect, postgresStore, startTraining, syntheticCsv, type Running, type StoreFixture } from './fixture.ts';

const { RunStatus } = trainingV1;

const charterCost = (useCaseId: string, missedEventCost: number): EventData<'CostModelSet'> => ({
  useCaseId,
  currency: 'EUR',
  falseAlarmCost: 300,
  missedEventCost,
  interventionCost: 120,
  downtimeCostPerHour: 500,
  downtimeHoursPerFailure: 6,
  investment: 40_000,
  runningCostPerYear: 5_000,
  assumptions: 'test figures',
});

describe('training reads the cost model from the charter records (PostgreSQL)', () => {
  let fx: StoreFixture;
  let t: Running;
  let engineer: trainingV1.TrainingServiceClient;
  const useCaseId = randomUUID();
  let snapshotId: string;

  beforeAll(async () => {
    fx = await postgresStore();
    t = await startTraining(fx.store, { costModels: 'charter' });
    snapshotId = (await t.snapshot(useCaseId, syntheticCsv(400))).snapshotId;
    engineer = t.client(await t.token('engineer'));
  });
  afterAll(async () => {
    await t?.close();
    await fx?.cleanup();
  });

  const start = () =>
    unaryCall(engineer, engineer.startTraining, {
      snapshotId,
      useCaseId,
      runId: '',
      spec: {
        target: 'machine_failure',
        features: ['torque', 'tool_wear', 'air_temperature', 'type'],
        modelType: 'gbdt',
        hyperparameters: { max_iter: '8', max_leaf_nodes: '8', min_samples_leaf: '5' },
        imbalance: 'class-weights',
        costModel: { useCaseId, inline: undefined },
        seed: 7,
        imputation: '',
      },
    });

  it('refuses a use case the charter has no cost model for, naming spec.cost_model.use_case_id', async () => {
    const error = await start().then(
      () => null,
      (e: unknown) => e as grpc.ServiceError,
    );
    expect(error?.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error?.metadata.get(FIELD_TRAILER)).toEqual(['spec.cost_model.use_case_id']);
  });

  it('trains with the cost model the charter recorded, the latest one winning', async () => {
    const charter = createKernel({ service: Service.Charter, store: fx.store });
    const cause = serviceCause(Service.Charter, randomUUID());
    await charter.append(`usecase-${useCaseId}`, [{ type: 'CostModelSet', data: charterCost(useCaseId, 9_000) }], cause);
    await charter.append(`usecase-${useCaseId}`, [{ type: 'CostModelSet', data: charterCost(useCaseId, 7_000) }], cause);
    // What training reads: a missed failure is its repair plus 6 h × 500 of downtime; a false alarm costs 300 − 120 beyond its inspection.
    const source = createCharterStoreCostModels(createKernel({ service: Service.Training, store: fx.store }));
    expect(await source.get(useCaseId)).toEqual({ missedFailure: 7_000 + 6 * 500, inspection: 120, falseAlarm: 180 });
    expect(await source.get(randomUUID())).toBeNull();

    const res = await start();
    const updates = await collect<trainingV1.StreamRunProgressResponse>(engineer.streamRunProgress({ runId: res.run!.runId }));
    const done = updates.at(-1)!.run!;
    expect(done.status, done.error).toBe(RunStatus.RUN_STATUS_COMPLETED);
    expect(done.spec?.costModel?.useCaseId).toBe(useCaseId);
  });
});
