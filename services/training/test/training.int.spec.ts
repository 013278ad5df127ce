// The TrainingService over a real gRPC client against the training app on loopback, once on an
// embedded SQLite store and once on PostgreSQL (a fresh schema, dropped afterwards): tokens and
// permissions, a run from request to registered candidate, byte-identical retraining, refusals
// before anything is recorded, retraining on RetrainingRequested.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { latestVersion, streamFor } from '@industrial/contracts';
import { FIELD_TRAILER, trainingV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, postgresStore, sqliteStore, startTraining, syntheticCsv, type Running, type StoreFactory, type StoreFixture } from './fixture.ts';

const { RunStatus } = trainingV1;

async function expectStatus(p: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e as grpc.ServiceError,
  );
  expect(error, `expected ${grpc.status[code]}`).not.toBeNull();
  expect(grpc.status[error!.code], error!.details).toBe(grpc.status[code]);
  return error!;
}

const spec = (over: Partial<trainingV1.TrainingSpec> = {}): trainingV1.TrainingSpec => ({
  target: 'machine_failure',
  features: ['torque', 'tool_wear', 'air_temperature', 'type'],
  modelType: 'gbdt',
  hyperparameters: { max_iter: '12', max_leaf_nodes: '8', min_samples_leaf: '5' },
  imbalance: 'class-weights',
  costModel: { useCaseId: undefined, inline: { missedFailure: 1000, falseAlarm: 50, inspection: 20 } },
  seed: 42,
  imputation: '',
  ...over,
});

async function untilDone(client: trainingV1.TrainingServiceClient, runId: string): Promise<trainingV1.Run[]> {
  const updates = await collect<trainingV1.StreamRunProgressResponse>(client.streamRunProgress({ runId }));
  return updates.map((u) => u.run!);
}

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('TrainingService on %s', (_name, factory) => {
  let fx: StoreFixture;
  let t: Running;
  let engineer: trainingV1.TrainingServiceClient;
  const useCaseId = randomUUID();
  let snap: { snapshotId: string; contentHash: string; datasetId: string };
  let first: trainingV1.Run;

  beforeAll(async () => {
    fx = await factory();
    t = await startTraining(fx.store);
    snap = await t.snapshot(useCaseId, syntheticCsv(600));
    engineer = t.client(await t.token('engineer'));
  });
  afterAll(async () => {
    await t?.close();
    await fx?.cleanup();
  });

  describe('without the right token', () => {
    it('refuses a call without a token as UNAUTHENTICATED', async () => {
      const anon = t.client();
      await expectStatus(unaryCall(anon, anon.listRuns, { useCaseId: '', status: 0, pageSize: 0, pageToken: '' }), grpc.status.UNAUTHENTICATED);
    });
    it('refuses StartTraining to an operator (no training.start) as PERMISSION_DENIED', async () => {
      const operator = t.client(await t.token('operator'));
      await expectStatus(
        unaryCall(operator, operator.startTraining, { snapshotId: snap.snapshotId, useCaseId, spec: spec(), runId: '' }),
        grpc.status.PERMISSION_DENIED,
      );
    });
  });

  describe('when an engineer starts a run', () => {
    it('queues it, streams every stage and ends with a candidate model, its lineage and its card', async () => {
      const res = await unaryCall(engineer, engineer.startTraining, { snapshotId: snap.snapshotId, useCaseId, spec: spec(), runId: '' });
      expect([RunStatus.RUN_STATUS_QUEUED, RunStatus.RUN_STATUS_RUNNING]).toContain(res.run!.status);
      const updates = await untilDone(engineer, res.run!.runId);
      first = updates.at(-1)!;
      expect(first.status, first.error).toBe(RunStatus.RUN_STATUS_COMPLETED);
      expect(first.progress).toBe(1);
      expect(first.metrics.pr_auc).toBeGreaterThan(0);
      expect(first.modelVersion).toBe(1);
      expect(first.snapshotHash).toBe(snap.contentHash);
      const onnx = readFileSync(fileURLToPath(first.artifactUri));
      expect(createHash('sha256').update(onnx).digest('hex')).toBe(first.onnxSha256);
      expect(first.artifactUri).toContain(`/sha256/${first.onnxSha256}`);
      expect(readFileSync(fileURLToPath(first.modelCardUri), 'utf8')).toMatch(/^# Model card/);

      const runEvents = await fx.store.readStream(`training-run-${first.runId}`);
      expect(runEvents.map((e) => e.type)).toEqual(['TrainingRunStarted', ...Array(5).fill('TrainingRunProgressed'), 'TrainingRunCompleted']);
      expect(runEvents.slice(1, 6).map((e) => (e.data as { stage: string }).stage)).toEqual([
        'data-loading',
        'training',
        'evaluation',
        'export',
        'registration',
      ]);
      expect(runEvents[0]!.metadata).toMatchObject({ actor: 'engineer-1', role: 'engineer', schemaVersion: latestVersion('TrainingRunStarted') });
      expect(runEvents[0]!.data).toMatchObject({
        snapshotHash: snap.contentHash,
        codeVersion: '0.1.0',
        seed: 42,
        spec: { modelType: 'gbdt', imbalance: 'class-weights', costModel: { source: 'inline' } },
        trigger: { kind: 'manual' },
      });
      const models = await fx.store.readStream(`model-${useCaseId}`);
      expect(models.map((e) => e.type)).toEqual(['ModelVersionRegistered']);
      expect(models[0]!.data).toMatchObject({
        stage: 'candidate',
        version: 1,
        runId: first.runId,
        artifactHash: first.onnxSha256,
        snapshotId: snap.snapshotId,
        datasetId: snap.datasetId,
        format: 'onnx',
      });
      expect(updates.map((u) => u.stage)).toContain('registration');
    });

    it('gets and lists the run', async () => {
      const got = await unaryCall(engineer, engineer.getRun, { runId: first.runId });
      expect(got.run).toMatchObject({ runId: first.runId, status: RunStatus.RUN_STATUS_COMPLETED, modelVersionId: first.modelVersionId });
      const listed = await unaryCall(engineer, engineer.listRuns, { useCaseId, status: RunStatus.RUN_STATUS_COMPLETED, pageSize: 0, pageToken: '' });
      expect(listed.runs.map((r) => r.runId)).toContain(first.runId);
      const none = await unaryCall(engineer, engineer.listRuns, { useCaseId: randomUUID(), status: 0, pageSize: 0, pageToken: '' });
      expect(none.runs).toEqual([]);
      await expectStatus(unaryCall(engineer, engineer.getRun, { runId: randomUUID() }), grpc.status.NOT_FOUND);
    });

    it('trains byte-identical ONNX again from the same snapshot, spec and seed (version 2)', async () => {
      const res = await unaryCall(engineer, engineer.startTraining, { snapshotId: snap.snapshotId, useCaseId, spec: spec(), runId: '' });
      const second = (await untilDone(engineer, res.run!.runId)).at(-1)!;
      expect(second.status, second.error).toBe(RunStatus.RUN_STATUS_COMPLETED);
      expect(second.runId).not.toBe(first.runId);
      expect(second.onnxSha256).toBe(first.onnxSha256);
      expect(second.modelVersion).toBe(2);
    });

    it('takes the cost model by reference from the charter source, and refuses a use case without one', async () => {
      t.costModels.set(useCaseId, { missedFailure: 2000, falseAlarm: 40, inspection: 10 });
      const ok = await unaryCall(engineer, engineer.startTraining, {
        snapshotId: snap.snapshotId,
        useCaseId,
        spec: spec({ costModel: { useCaseId, inline: undefined } }),
        runId: '',
      });
      const done = (await untilDone(engineer, ok.run!.runId)).at(-1)!;
      expect(done.status, done.error).toBe(RunStatus.RUN_STATUS_COMPLETED);
      expect(done.spec?.costModel?.useCaseId).toBe(useCaseId);
      const err = await expectStatus(
        unaryCall(engineer, engineer.startTraining, {
          snapshotId: snap.snapshotId,
          useCaseId,
          spec: spec({ costModel: { useCaseId: randomUUID(), inline: undefined } }),
          runId: '',
        }),
        grpc.status.FAILED_PRECONDITION,
      );
      expect(err.metadata.get(FIELD_TRAILER)).toEqual(['spec.cost_model.use_case_id']);
    });
  });

  describe('when the request cannot be trained', () => {
    it.each<[string, () => Partial<trainingV1.StartTrainingRequest>, string]>([
      ['a one-class target', () => ({ spec: spec({ target: 'always_zero' }) }), 'spec.target'],
      ['an unknown feature', () => ({ spec: spec({ features: ['torque', 'vibration'] }) }), 'spec.features[1]'],
      ['NaNs without imputation', () => ({ spec: spec({ features: ['gappy'] }) }), 'spec.features'],
      ['an unknown model type', () => ({ spec: spec({ modelType: 'random-forest' }) }), 'spec.model_type'],
      ['a bad hyperparameter', () => ({ spec: spec({ hyperparameters: { depth: '3' } }) }), 'spec.hyperparameters.depth'],
      ['a snapshot id that is not a UUID', () => ({ snapshotId: 'latest' }), 'snapshot_id'],
      ['a path in snapshot_id', () => ({ snapshotId: `../${snap.snapshotId}.manifest.json` }), 'snapshot_id'],
      ['a hyperparameter name that is not an identifier', () => ({ spec: spec({ hyperparameters: { 'max_iter\u0000': '5' } }) }), 'spec.hyperparameters'],
      ['a hyperparameter name over 64 characters', () => ({ spec: spec({ hyperparameters: { [`a${'b'.repeat(64)}`]: '5' } }) }), 'spec.hyperparameters'],
      [
        'a control character in a hyperparameter value',
        () => ({ spec: spec({ hyperparameters: { task: 'regression\u001b[2J' } }) }),
        'spec.hyperparameters.task',
      ],
      ['a bidirectional override in the model type', () => ({ spec: spec({ modelType: 'gbdt\u202e' }) }), 'spec.model_type'],
    ])('refuses %s as INVALID_ARGUMENT naming the field, and records nothing', async (_name, over, field) => {
      const before = await fx.store.headPosition();
      const err = await expectStatus(
        unaryCall(engineer, engineer.startTraining, { snapshotId: snap.snapshotId, useCaseId, spec: spec(), runId: '', ...over() }),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(err.metadata.get(FIELD_TRAILER)).toEqual([field]);
      expect(await fx.store.headPosition()).toBe(before);
    });

    it('refuses too few rows as INVALID_ARGUMENT before a run exists', async () => {
      const tiny = await t.snapshot(randomUUID(), syntheticCsv(15));
      const before = await fx.store.headPosition();
      const err = await expectStatus(
        unaryCall(engineer, engineer.startTraining, { snapshotId: tiny.snapshotId, useCaseId, spec: spec(), runId: '' }),
        grpc.status.INVALID_ARGUMENT,
      );
      expect(err.details).toMatch(/rows/);
      expect(await fx.store.headPosition()).toBe(before);
    });

    it('answers NOT_FOUND for an unknown snapshot', async () => {
      await expectStatus(unaryCall(engineer, engineer.startTraining, { snapshotId: randomUUID(), useCaseId, spec: spec(), runId: '' }), grpc.status.NOT_FOUND);
    });
  });

  describe('when inference requests retraining', () => {
    it('trains on the latest snapshot of the use case and registers the model as a candidate, never promoted', async () => {
      const requestId = randomUUID();
      // Inference records the request in its own drift- stream; the relay publishes it as an
      // integration event, which is how training hears of it (it never reads inference's streams).
      const drift = streamFor('RetrainingRequested', useCaseId);
      await fx.store.append(drift, [
        {
          id: randomUUID(),
          type: 'RetrainingRequested',
          data: {
            requestId,
            useCaseId,
            modelVersionId: first.modelVersionId,
            trigger: 'manual',
            driftId: null,
            reason: 'New bearings fitted; retrain on the latest data.',
          },
          metadata: { actor: 'svc:inference', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: 1 },
        },
      ]);
      const [recorded] = await fx.store.readStream(drift, { direction: 'backwards', maxCount: 1 });
      await t.bus.publish('evt.v1.inference.RetrainingRequested', recorded!, { msgId: recorded!.id });
      let run: trainingV1.Run | undefined;
      for (let i = 0; i < 600 && run === undefined; i++) {
        const l = await unaryCall(engineer, engineer.listRuns, { useCaseId, status: 0, pageSize: 0, pageToken: '' });
        run = l.runs.find((r) => r.trigger === 'retraining');
        if (run === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(run).toBeDefined();
      const done = (await untilDone(engineer, run!.runId)).at(-1)!;
      expect(done.status, done.error).toBe(RunStatus.RUN_STATUS_COMPLETED);
      const models = (await fx.store.readStream(`model-${useCaseId}`)).filter((e) => e.type === 'ModelVersionRegistered');
      const reg = models.find((e) => (e.data as { runId: string }).runId === done.runId)!;
      expect(reg.data).toMatchObject({ stage: 'candidate', spec: { modelType: 'gbdt', features: ['torque', 'tool_wear', 'air_temperature', 'type'] } });
      const types = (await fx.store.readAll({ fromPosition: 1, maxCount: 10_000 })).map((e) => e.type);
      expect(types).not.toContain('ModelPromoted');
    });
  });
});
