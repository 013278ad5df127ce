// Retraining on fresh data (issue 16), on real services in one process (scripts/bench-mlops/harness.ts):
// a critical drift of the pump bearing model → a NEW dataops snapshot over the rolling window
// (through dataops' gRPC API, labels included) → a run with the model's spec → a candidate whose
// lineage names the fresh snapshot and the trigger → its shadow period requested of governance,
// every step under the retraining's correlation id. Training calls dataops and governance with its
// own service account (role service): no engineer grant. Too little fresh data is refused with the
// numbers and nothing after it happens (no snapshot taken → no run, no candidate).
import type { RecordedEvent } from '@industrial/eventstore';
import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient, governanceRegistryV1, trainingV1, unaryCall } from '@industrial/grpc';
import { join } from 'node:path';
import { createKernel } from '@industrial/kernel';
import { createTrainingApp } from '@industrial/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataopsSnapshotSource } from '../services/training/src/adapters/snapshots/dataops.ts';
import { createFreshRetraining } from '../services/training/src/features/fresh-retraining.ts';
import { PUMP_USE_CASE, TARGET, startMlopsHarness, type MlopsHarness } from '../scripts/bench-mlops/harness.ts';

const DAY = 86_400_000;
let h: MlopsHarness;
let base: Awaited<ReturnType<MlopsHarness['trainBase']>>;
const now = Date.now();

const eventsOf = async (correlationId: string): Promise<RecordedEvent[]> =>
  (await h.store.readAll({ fromPosition: 1, maxCount: 100_000 })).filter((e) => e.metadata.correlationId === correlationId);

beforeAll(async () => {
  h = await startMlopsHarness({
    days: 14,
    pumps: 8,
    failuresPerDayBefore: 0.5,
    failuresPerDayAfter: 1.5,
    changeAtMs: now - 7 * DAY,
    retraining: { windowDays: 7, minRows: 100, minPositives: 5 },
  });
  base = await h.trainBase(now - 14 * DAY, now - 7 * DAY);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('retraining on fresh data', () => {
  it('a drift event leads to a candidate whose lineage names the fresh snapshot and the trigger, in shadow review, every step one correlation id', async () => {
    const { driftId, eventId } = await h.drift(base.modelVersionId);
    let view = null as Awaited<ReturnType<typeof h.training.runs.retraining.get>> | null;
    // Bounded by time, 60 s, not by 200 polls (about 10 s): the drift reaches training through the relay
    // and the bus, slow on a loaded machine; a pause after every poll that finds nothing yet.
    for (const t = Date.now(); (view === null || view.status === 'none') && Date.now() - t < 60_000;) {
      const ids = (await h.store.readAll({ fromPosition: 1, maxCount: 100_000 }))
        .filter((e) => e.type === 'RetrainingTriggered')
        .map((e) => e.data as { retrainingId: string });
      if (ids.length > 0) view = await h.training.runs.retraining.get(ids[0]!.retrainingId);
      if (view === null || view.status === 'none') await new Promise((r) => setTimeout(r, 50));
    }
    expect(view?.status).not.toBe('none');
    const done = await h.training.runs.retraining.settled(view!.retrainingId);
    expect(done.reason).toBeNull();
    expect(done.status).toBe('candidate');
    expect(done.trigger).toMatchObject({ kind: 'drift', driftId });

    // the fresh snapshot: new, over the last 7 days, made by dataops with the labels
    expect(done.snapshotId).not.toBe(base.snapshotId);
    const all = await eventsOf(done.retrainingId);
    const created = all.find((e) => e.type === 'DatasetSnapshotCreated');
    expect(created?.data).toMatchObject({ snapshotId: done.snapshotId, useCaseId: PUMP_USE_CASE });
    const range = (created!.data as { timeRange: { from: string; to: string } }).timeRange;
    expect(Date.parse(range.to)).toBeGreaterThanOrEqual(now);
    expect(Date.parse(range.to) - Date.parse(range.from)).toBe(7 * DAY);
    expect((created!.data as { labelCount: number }).labelCount).toBeGreaterThan(0);

    // the candidate's lineage: the fresh snapshot, its run, whose trigger is the retraining, whose trigger is the drift
    const reg = all.find((e) => e.type === 'ModelVersionRegistered');
    expect(reg?.data).toMatchObject({ modelVersionId: done.modelVersionId, stage: 'candidate', snapshotId: done.snapshotId, spec: { target: TARGET } });
    const started = all.find((e) => e.type === 'TrainingRunStarted');
    expect(started?.data).toMatchObject({
      runId: done.runId,
      snapshotId: done.snapshotId,
      trigger: { kind: 'retraining', retrainingRequestId: done.retrainingId },
    });
    const triggered = all.find((e) => e.type === 'RetrainingTriggered');
    expect(triggered?.data).toMatchObject({ trigger: { kind: 'drift', driftId }, baseModelVersionId: base.modelVersionId, baseRunId: base.runId });
    expect(triggered?.metadata.causationId).toBe(eventId);
    expect(all.find((e) => e.type === 'RetrainingSnapshotTaken')?.data).toMatchObject({ snapshotId: done.snapshotId, positives: expect.any(Number) });

    // its shadow period: an approval request for the shadow stage in governance, never a promotion,
    // made over governance's gRPC API by training's own service account (role service, no engineer)
    const shadow = all.find((e) => e.type === 'ModelApprovalRequested');
    expect(shadow?.data).toMatchObject({ modelVersionId: done.modelVersionId, targetStage: 'shadow' });
    expect(shadow?.metadata).toMatchObject({ actor: 'svc:training', role: 'service', correlationId: done.retrainingId });
    expect(reg?.metadata).toMatchObject({ actor: 'svc:training', role: 'service' });
    expect(created?.metadata).toMatchObject({ actor: 'svc:training', role: 'service' });
    expect(done.shadowApprovalRequestId).toBe((shadow!.data as { requestId: string }).requestId);
    expect(all.find((e) => e.type === 'RetrainingCandidateRegistered')?.data).toMatchObject({
      snapshotId: done.snapshotId,
      modelVersionId: done.modelVersionId,
      shadowApprovalRequestId: done.shadowApprovalRequestId,
    });
    expect(all.map((e) => e.type)).not.toContain('ModelPromoted');
    // the order of the steps, all under one correlation id
    const order = [
      'RetrainingTriggered',
      'DatasetSnapshotCreated',
      'RetrainingSnapshotTaken',
      'TrainingRunStarted',
      'ModelVersionRegistered',
      'TrainingRunCompleted',
      'ModelApprovalRequested',
      'RetrainingCandidateRegistered',
    ];
    expect(all.map((e) => e.type).filter((t) => order.includes(t))).toEqual(order);

    // the same drift again (inference's RetrainingRequested naming it) is the same retraining
    const again = await h.training.runs.onRetrainingRequested(
      { requestId: crypto.randomUUID(), useCaseId: PUMP_USE_CASE, modelVersionId: base.modelVersionId, trigger: 'drift', driftId, reason: 'persisted' },
      null,
    );
    expect(again).toBe(done.retrainingId);
  });

  it('retrains on demand over gRPC (RequestRetraining, GetRetraining); a bad request names the field', async () => {
    const engineer = await h.token('user:reliability-engineer', 'engineer');
    const client = createClient(trainingV1.TrainingServiceClient, h.trainingAddress, { token: engineer });
    try {
      const requestId = crypto.randomUUID();
      const { retraining } = await unaryCall(client, client.requestRetraining, { useCaseId: PUMP_USE_CASE, modelVersionId: '', requestId });
      expect(retraining).toMatchObject({ triggerKind: 'on-demand', requestedBy: 'user:reliability-engineer', useCaseId: PUMP_USE_CASE });
      const again = await unaryCall(client, client.requestRetraining, { useCaseId: PUMP_USE_CASE, modelVersionId: '', requestId });
      expect(again.retraining?.retrainingId).toBe(retraining!.retrainingId);
      await h.training.runs.retraining.settled(retraining!.retrainingId);
      const got = await unaryCall(client, client.getRetraining, { retrainingId: retraining!.retrainingId });
      expect(got.retraining).toMatchObject({ status: 'candidate', reason: '', triggerKind: 'on-demand' });
      expect(got.retraining?.snapshotId).not.toBe('');
      expect(got.retraining?.shadowApprovalRequestId).not.toBe('');
      const bad = await unaryCall(client, client.requestRetraining, { useCaseId: 'pump', modelVersionId: '', requestId }).catch(
        (e: unknown) => e as ServiceError,
      );
      expect((bad as ServiceError).code).toBe(status.INVALID_ARGUMENT);
      expect((bad as ServiceError).metadata.get('field')).toEqual(['use_case_id']);
      const operator = createClient(trainingV1.TrainingServiceClient, h.trainingAddress, { token: await h.token('user:operator', 'operator') });
      const denied = await unaryCall(operator, operator.requestRetraining, {
        useCaseId: PUMP_USE_CASE,
        modelVersionId: '',
        requestId: crypto.randomUUID(),
      }).catch((e: unknown) => e as ServiceError);
      expect((denied as ServiceError).code).toBe(status.PERMISSION_DENIED);
      operator.close();
    } finally {
      client.close();
    }
  });

  it("training's service account may request only the shadow stage of its own candidate: production, another account's shadow request and an approval are refused and recorded", async () => {
    const v = await h.training.runs.retraining.trigger({
      useCaseId: PUMP_USE_CASE,
      modelVersionId: null,
      requestId: crypto.randomUUID(),
      trigger: { kind: 'on-demand', driftId: null, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: 'user:reliability-engineer' },
    });
    const done = await h.training.runs.retraining.settled(v.retrainingId);
    expect(done.status).toBe('candidate');
    const training = createClient(governanceRegistryV1.ModelRegistryServiceClient, h.governanceAddress, { token: h.serviceToken });
    const other = createClient(governanceRegistryV1.ModelRegistryServiceClient, h.governanceAddress, { token: await h.token('svc:inference', 'service') });
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as ServiceError,
      );
    try {
      const head = await h.store.headPosition();
      const ask = (stage: number) => ({ useCaseId: PUMP_USE_CASE, modelVersionId: done.modelVersionId!, targetStage: stage, justification: 'j', scope: '' });
      const production = await refusal(unaryCall(training, training.requestApproval, ask(governanceRegistryV1.ModelStage.MODEL_STAGE_PRODUCTION)));
      expect(production?.code).toBe(status.PERMISSION_DENIED);
      expect(production?.details).toMatch(/svc:training holds model\.propose_shadow only: .*never production; a production request needs model\.propose/);
      const foreign = await refusal(unaryCall(other, other.requestApproval, ask(governanceRegistryV1.ModelStage.MODEL_STAGE_SHADOW)));
      expect(foreign?.code).toBe(status.PERMISSION_DENIED);
      expect(foreign?.details).toContain(`model version ${done.modelVersionId} was registered by svc:training`);
      const approve = await refusal(
        unaryCall(training, training.approve, { useCaseId: PUMP_USE_CASE, requestId: done.shadowApprovalRequestId!, conditions: [], comment: '' }),
      );
      expect(approve?.code).toBe(status.PERMISSION_DENIED);
      // nothing reached the model stream; each refusal is recorded with who and which permission was missing
      const after = await h.store.readAll({ fromPosition: head + 1, maxCount: 1000 });
      expect(after.filter((e) => e.type.startsWith('Model'))).toEqual([]);
      const denied = after.filter((e) => e.type === 'AccessDenied');
      expect(denied.map((e) => [(e.data as { actor: string }).actor, (e.data as { permission: string }).permission])).toEqual([
        ['svc:training', 'model.propose'],
        ['svc:inference', 'model.propose'],
        ['svc:training', 'model.approve'],
      ]);
    } finally {
      training.close();
      other.close();
    }
  });

  it('closes a retraining a stopped process left unfinished as interrupted when training starts again', async () => {
    const id = crypto.randomUUID();
    await createKernel({ service: 'training', store: h.store }).append(
      `retraining-${id}`,
      [
        {
          type: 'RetrainingTriggered',
          data: {
            retrainingId: id,
            useCaseId: PUMP_USE_CASE,
            trigger: { kind: 'on-demand', driftId: null, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: 'user:x' },
            baseModelVersionId: base.modelVersionId,
            baseRunId: base.runId,
            window: { from: new Date(now - 7 * DAY).toISOString(), to: new Date(now).toISOString() },
            triggeredAt: new Date(now).toISOString(),
          },
        },
      ],
      { actor: 'svc:training', role: 'service', correlationId: id, causationId: null, traceparent: null },
    );
    const second = createTrainingApp({
      store: h.store,
      keySet: h.keySet,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      config: {
        grpc: { host: '127.0.0.1', port: 0 },
        http: { host: '127.0.0.1', port: 0 },
        access: { issuer: 'industrial-access', audience: 'industrial-platform' },
        artifactDir: join(h.snapshotDir, '..', 'artifacts'),
        snapshotDir: h.snapshotDir,
        codeVersion: '0.1.0',
        trainer: 'inline',
      },
    });
    await second.start();
    try {
      const v = await second.runs.retraining.get(id);
      expect(v).toMatchObject({ status: 'refused', stage: 'snapshot', reason: expect.stringMatching(/^interrupted: /) });
      expect((await eventsOf(id)).map((e) => e.type)).toEqual(['RetrainingTriggered', 'RetrainingRefused']);
    } finally {
      await second.stop({ mode: 'cancel' });
    }
  });

  it('ignores a warning drift; refuses a retraining on too little fresh data with the numbers, with no run and no candidate', async () => {
    expect(await h.training.runs.onDriftDetected({ ...driftData(base.modelVersionId), severity: 'warning' }, null)).toBeNull();
    // 10 000 rows asked for on demand: refused at the fresh-data step
    const strict = startStrict();
    const v = await strict.trigger({
      useCaseId: PUMP_USE_CASE,
      modelVersionId: null,
      requestId: crypto.randomUUID(),
      trigger: { kind: 'on-demand', driftId: null, retrainingRequestId: null, scheduleTick: null, schedule: null, requestedBy: 'user:reliability-engineer' },
    });
    const done = await strict.settled(v.retrainingId);
    expect(done).toMatchObject({ status: 'refused', stage: 'fresh-data', runId: null, modelVersionId: null });
    expect(done.reason).toMatch(/holds \d+ rows; at least 10000 are needed/);
    const types = (await eventsOf(v.retrainingId)).map((e) => e.type);
    expect(types).toEqual(['RetrainingTriggered', 'DatasetSnapshotCreated', 'RetrainingRefused']);
  });
});

function driftData(modelVersionId: string) {
  return {
    driftId: crypto.randomUUID(),
    useCaseId: PUMP_USE_CASE,
    modelVersionId,
    kind: 'data' as const,
    feature: 'bearing_temp_mean',
    statistic: 'psi' as const,
    value: 0.3,
    threshold: 0.25,
    window: { from: new Date(now - DAY).toISOString(), to: new Date(now).toISOString() },
    severity: 'critical' as const,
  };
}

/** The same retraining use case over the same services, with a stricter row minimum (what an engineer would configure). */
function startStrict() {
  const r = h.training.runs;
  return createFreshRetraining({
    kernel: createKernel({ service: 'training', store: h.store }),
    projection: r.projection,
    snapshots: createDataopsSnapshotSource(h.snapshotDir),
    freshSnapshots: h.fresh,
    registry: { register: () => Promise.reject(new Error('not reached')), registrationOf: async () => null, registrations: async () => [] },
    logger: { info() {}, warn() {}, error() {} },
    limits: { windowDays: 7, minRows: 10_000, minPositives: 5 },
    now: () => new Date(),
    describeTick: (ms) => new Date(ms).toISOString(),
    start: (req, cause) => r.start(req, cause),
    watch: (id, s) => r.watch(id, s),
  });
}
