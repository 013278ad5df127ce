// The model registry over a real gRPC client against the governance app on loopback, once on an
// embedded SQLite store and once on PostgreSQL (a fresh schema, dropped afterwards): the four-eyes
// path from request to production, a pilot-line promotion, rejection, refusals in the wrong state,
// access per role, rollback to the rules — and the stream governance writes folded by the inference
// runtime's deployment fold (the shared one, @industrial/contracts/folds).
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { eventExamples, latestVersion } from '@industrial/contracts';
import type { RecordedEvent } from '@industrial/eventstore';
import { CORRELATION_ID_METADATA, FIELD_TRAILER, governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The one fold of deployments that the inference runtime folds the model stream with.
import { deploymentKey, emptyModelDeployments as emptyDeployments, evolveModelDeployments as evolveDeployments } from '@industrial/contracts/folds';
import { expectStatus, postgresStore, sqliteStore, startGovernance, streamFor, type Running, type StoreFactory, type StoreFixture } from './fixture.ts';

const { ModelStage, ApprovalStatus } = pb;
const PILOT = 'acme.plant-1.utilities.cooling-water';

type Client = pb.ModelRegistryServiceClient;
const call = {
  list: (c: Client, useCaseId: string) => unaryCall(c, c.listModelVersions, pb.ListModelVersionsRequest.fromPartial({ useCaseId })),
  request: (c: Client, r: Partial<pb.RequestApprovalRequest>, metadata?: grpc.Metadata) =>
    unaryCall(
      c,
      c.requestApproval,
      pb.RequestApprovalRequest.fromPartial({ justification: 'four weeks in shadow, recall up', ...r }),
      metadata === undefined ? {} : { metadata },
    ),
  approve: (c: Client, r: Partial<pb.ApproveRequest>) => unaryCall(c, c.approve, pb.ApproveRequest.fromPartial(r)),
  reject: (c: Client, r: Partial<pb.RejectRequest>) => unaryCall(c, c.reject, pb.RejectRequest.fromPartial(r)),
  promote: (c: Client, r: Partial<pb.PromoteRequest>) => unaryCall(c, c.promote, pb.PromoteRequest.fromPartial(r)),
  rollback: (c: Client, r: Partial<pb.RollbackRequest>) => unaryCall(c, c.rollback, pb.RollbackRequest.fromPartial(r)),
};

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('governance ModelRegistryService on %s', (_name, factory) => {
  let fx: StoreFixture;
  let gov: Running;
  const useCaseId = randomUUID();
  const stream = streamFor('ModelPromoted', useCaseId);
  const [V1, V2, V3] = [randomUUID(), randomUUID(), randomUUID()];
  const metricsOf = { [V1]: { recall: 0.7, precision: 0.6 }, [V2]: { recall: 0.85, precision: 0.79 }, [V3]: { recall: 0.5, precision: 0.9 } };
  // erin proposes and also holds quality_lead (so only four eyes stops her approving); quinn and
  // quentin are quality leads; ed only an engineer; olga an operator; lena an engineer on the pilot line only.
  let erin: Client, quinn: Client, quentin: Client, ed: Client, olga: Client, lena: Client, lars: Client, otto: Client;

  const modelEvents = async (): Promise<RecordedEvent[]> => fx.store.readStream(stream);
  const deniedSince = async (position: number): Promise<RecordedEvent[]> =>
    (await fx.store.readAll({ fromPosition: position + 1 })).filter((e) => e.type === 'AccessDenied');
  const versionOf = async (id: string) => (await call.list(quinn, useCaseId)).versions.find((v) => v.modelVersionId === id)!;

  beforeAll(async () => {
    fx = await factory(() => new Date());
    // Training registered three candidates.
    for (const [i, id] of [V1, V2, V3].entries()) {
      await fx.store.append(stream, [
        {
          id: randomUUID(),
          type: 'ModelVersionRegistered',
          data: { ...eventExamples.ModelVersionRegistered, modelVersionId: id, useCaseId, version: i + 1, metrics: metricsOf[id] },
          metadata: {
            actor: 'svc:training',
            role: 'service',
            correlationId: randomUUID(),
            causationId: null,
            traceparent: null,
            schemaVersion: latestVersion('ModelVersionRegistered'),
          },
        },
      ]);
    }
    gov = await startGovernance(fx.store);
    erin = gov.registry(await gov.tokenFor('erin', ['engineer', 'quality_lead']));
    quinn = gov.registry(await gov.tokenFor('quinn', ['quality_lead']));
    quentin = gov.registry(await gov.tokenFor('quentin', ['quality_lead']));
    ed = gov.registry(await gov.tokenFor('ed', ['engineer']));
    olga = gov.registry(await gov.tokenFor('olga', ['operator']));
    lena = gov.registry(await gov.tokenFor('lena', ['engineer'], ['line:plant-1/utilities/cooling-water']));
    // quality leads whose tokens cover one line only: the pilot line, and another one
    lars = gov.registry(await gov.tokenFor('lars', ['quality_lead'], ['line:plant-1/utilities/cooling-water']));
    otto = gov.registry(await gov.tokenFor('otto', ['quality_lead'], ['line:plant-1/utilities/boilers']));
  }, 60_000);
  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
  });

  it('lists the registered candidates with their lineage, and nothing for an unknown use case', async () => {
    const listed = await call.list(olga, useCaseId);
    expect(listed.versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(listed.versions[1]).toMatchObject({
      modelVersionId: V2,
      runId: eventExamples.ModelVersionRegistered.runId,
      metrics: metricsOf[V2],
      artifactHash: eventExamples.ModelVersionRegistered.artifactHash,
      snapshotId: eventExamples.ModelVersionRegistered.snapshotId,
      snapshotHash: eventExamples.ModelVersionRegistered.snapshotHash,
      stages: [{ stage: ModelStage.MODEL_STAGE_CANDIDATE, scope: '', detail: '' }],
      approvalRequests: [],
    });
    expect(listed.deployments).toEqual([]);
    expect(await call.list(olga, randomUUID())).toEqual({ versions: [], deployments: [], rollbackProposals: [] });
  });

  describe('the four-eyes path to production', () => {
    let requestId = '';

    it("records the engineer's request with the evidence and who asked", async () => {
      const metadata = new grpc.Metadata();
      metadata.set(CORRELATION_ID_METADATA, 'req-approval-1');
      const { request } = await call.request(erin, { useCaseId, modelVersionId: V2, targetStage: ModelStage.MODEL_STAGE_PRODUCTION }, metadata);
      requestId = request!.requestId;
      expect(request).toMatchObject({
        modelVersionId: V2,
        version: 2,
        targetStage: ModelStage.MODEL_STAGE_PRODUCTION,
        scope: '',
        status: ApprovalStatus.APPROVAL_STATUS_PENDING,
        requestedBy: 'erin',
        metrics: metricsOf[V2],
        comparedToModelVersionId: '',
      });
      const last = (await modelEvents()).at(-1)!;
      expect(last.type).toBe('ModelApprovalRequested');
      expect(last.metadata).toMatchObject({ actor: 'erin', role: 'engineer', correlationId: 'req-approval-1' });
      expect(last.data).toMatchObject({ requestId, modelVersionId: V2, targetStage: 'production', comparedToModelVersionId: null });
    });

    it('refuses a second pending request for the same version, stage and scope', async () => {
      const e = await expectStatus(
        call.request(ed, { useCaseId, modelVersionId: V2, targetStage: ModelStage.MODEL_STAGE_PRODUCTION }),
        grpc.status.FAILED_PRECONDITION,
      );
      expect(e.details).toMatch(/already pending \(requested by erin/);
    });

    it('refuses the requester as approver (four eyes): PERMISSION_DENIED, recorded as AccessDenied, nothing in the model stream', async () => {
      const before = await modelEvents();
      const head = await fx.store.headPosition();
      const e = await expectStatus(call.approve(erin, { useCaseId, requestId }), grpc.status.PERMISSION_DENIED);
      expect(e.details).toMatch(/"erin" proposed this and cannot also approve it/);
      expect(await modelEvents()).toEqual(before);
      const denied = await deniedSince(head);
      expect(denied).toHaveLength(1);
      expect(denied[0]!.data).toMatchObject({
        actor: 'erin',
        permission: 'model.approve',
        service: 'governance',
        method: '/industrial.governance.v1.ModelRegistryService/Approve',
        transport: 'grpc',
      });
      expect((denied[0]!.data as { detail: string }).detail).toMatch(/four eyes/);
    });

    it('refuses an engineer without model.approve before looking at the request', async () => {
      await expectStatus(call.approve(ed, { useCaseId, requestId }), grpc.status.PERMISSION_DENIED);
    });

    it('refuses to promote a request that is still pending', async () => {
      const e = await expectStatus(call.promote(quinn, { useCaseId, requestId }), grpc.status.FAILED_PRECONDITION);
      expect(e.details).toMatch(/is pending.*not approved/);
    });

    it('lets a second quality lead approve it, with conditions', async () => {
      const { request } = await call.approve(quinn, {
        useCaseId,
        requestId,
        conditions: ['watch the first week of pump 3'],
        comment: 'recall gain is worth it',
      });
      expect(request).toMatchObject({
        status: ApprovalStatus.APPROVAL_STATUS_APPROVED,
        requestedBy: 'erin',
        decidedBy: 'quinn',
        conditions: ['watch the first week of pump 3'],
        comment: 'recall gain is worth it',
      });
      expect(request!.decidedAt).not.toBe('');
      expect((await modelEvents()).at(-1)!.metadata).toMatchObject({ actor: 'quinn', role: 'quality_lead' });
      await expectStatus(call.approve(quentin, { useCaseId, requestId }), grpc.status.FAILED_PRECONDITION);
    });

    it('promotes the approved request to production, once', async () => {
      const res = await call.promote(quinn, { useCaseId, requestId });
      expect(res.previousModelVersionId).toBe('');
      expect(res.request).toMatchObject({ status: ApprovalStatus.APPROVAL_STATUS_PROMOTED, promotedBy: 'quinn' });
      const last = (await modelEvents()).at(-1)!;
      expect(last.type).toBe('ModelPromoted');
      expect(last.data).toEqual({ useCaseId, modelVersionId: V2, stage: 'production', approvalRequestId: requestId, previousModelVersionId: null });
      const e = await expectStatus(call.promote(quinn, { useCaseId, requestId }), grpc.status.FAILED_PRECONDITION);
      expect(e.details).toMatch(/is promoted/);
    });

    it('lists the version in production with its promoted request, requester and approver', async () => {
      const v2 = await versionOf(V2);
      expect(v2.stages).toEqual([{ stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: '', detail: '' }]);
      expect(v2.approvalRequests).toHaveLength(1);
      expect(v2.approvalRequests[0]).toMatchObject({
        requestId,
        status: ApprovalStatus.APPROVAL_STATUS_PROMOTED,
        requestedBy: 'erin',
        decidedBy: 'quinn',
        promotedBy: 'quinn',
      });
      expect((await call.list(olga, useCaseId)).deployments).toEqual([{ stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: '', modelVersionId: V2 }]);
    });
  });

  describe('a pilot-line deployment', () => {
    it('is requested by an engineer scoped to that line (not use-case wide), compared with the use-case-wide model, approved and promoted', async () => {
      await expectStatus(call.request(lena, { useCaseId, modelVersionId: V1, targetStage: ModelStage.MODEL_STAGE_PRODUCTION }), grpc.status.PERMISSION_DENIED);
      const { request } = await call.request(lena, { useCaseId, modelVersionId: V1, targetStage: ModelStage.MODEL_STAGE_PRODUCTION, scope: PILOT });
      expect(request).toMatchObject({ scope: PILOT, comparedToModelVersionId: V2, comparedToMetrics: metricsOf[V2] });
      // approval is checked against the request's scope: a quality lead of another line is refused, the pilot line's approves
      await expectStatus(call.approve(otto, { useCaseId, requestId: request!.requestId }), grpc.status.PERMISSION_DENIED);
      await call.approve(lars, { useCaseId, requestId: request!.requestId });
      expect((await modelEvents()).at(-1)!.data).toMatchObject({ scope: PILOT });
      await expectStatus(call.promote(otto, { useCaseId, requestId: request!.requestId }), grpc.status.PERMISSION_DENIED);
      const res = await call.promote(quentin, { useCaseId, requestId: request!.requestId });
      expect(res.previousModelVersionId).toBe('');
      expect((await modelEvents()).at(-1)!.data).toMatchObject({ modelVersionId: V1, stage: 'production', scope: PILOT, previousModelVersionId: null });
      expect((await versionOf(V1)).stages).toEqual([{ stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: PILOT, detail: '' }]);
      expect((await call.list(quinn, useCaseId)).deployments).toEqual([
        { stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: '', modelVersionId: V2 },
        { stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: PILOT, modelVersionId: V1 },
      ]);
    });
  });

  describe('rejection', () => {
    it('rejects a pending request with the reason; it can then be neither approved nor promoted', async () => {
      const { request } = await call.request(ed, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_SHADOW });
      const requestId = request!.requestId;
      const rejected = await call.reject(quinn, { useCaseId, requestId, reason: 'recall 0.5 is below the charter target' });
      expect(rejected.request).toMatchObject({
        status: ApprovalStatus.APPROVAL_STATUS_REJECTED,
        decidedBy: 'quinn',
        rejectionReason: 'recall 0.5 is below the charter target',
      });
      const before = await modelEvents();
      expect((await expectStatus(call.promote(quinn, { useCaseId, requestId }), grpc.status.FAILED_PRECONDITION)).details).toMatch(/is rejected \(by quinn/);
      await expectStatus(call.approve(quentin, { useCaseId, requestId }), grpc.status.FAILED_PRECONDITION);
      await expectStatus(call.reject(quentin, { useCaseId, requestId, reason: 'again' }), grpc.status.FAILED_PRECONDITION);
      expect(await modelEvents()).toEqual(before);
      expect((await versionOf(V3)).approvalRequests[0]).toMatchObject({ status: ApprovalStatus.APPROVAL_STATUS_REJECTED });
    });
  });

  describe('when two quality leads decide the same request at once', () => {
    it('records one decision; the other is decided again on the new state and refused', async () => {
      const { request } = await call.request(ed, { useCaseId, modelVersionId: V1, targetStage: ModelStage.MODEL_STAGE_SHADOW });
      const requestId = request!.requestId;
      const results = await Promise.allSettled([
        call.approve(quinn, { useCaseId, requestId }),
        call.reject(quentin, { useCaseId, requestId, reason: 'not yet' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(grpc.status[(failed.reason as grpc.ServiceError).code]).toBe('FAILED_PRECONDITION');
      expect((await modelEvents()).filter((e) => (e.data as { requestId?: string }).requestId === requestId).map((e) => e.type)).toHaveLength(2);
    });
  });

  describe('bad input and unknown things', () => {
    it('names the proto field of a bad value (INVALID_ARGUMENT)', async () => {
      const cases: [() => Promise<unknown>, string][] = [
        [() => call.list(quinn, 'not-a-uuid'), 'use_case_id'],
        [() => call.request(ed, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_UNSPECIFIED }), 'target_stage'],
        [() => call.request(ed, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_RETIRED }), 'target_stage'],
        [() => call.request(ed, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_SHADOW, justification: '   ' }), 'justification'],
        [() => call.request(ed, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_SHADOW, scope: 'Plant 1' }), 'scope'],
        [() => call.approve(quinn, { useCaseId, requestId: 'x' }), 'request_id'],
        [() => call.approve(quinn, { useCaseId, requestId: randomUUID(), conditions: [''] }), 'conditions[0]'],
        [() => call.reject(quinn, { useCaseId, requestId: randomUUID(), reason: '' }), 'reason'],
        [() => call.rollback(quinn, { useCaseId, fromModelVersionId: V2, toModelVersionId: V2, reason: 'r' }), 'to_model_version_id'],
      ];
      for (const [p, field] of cases) {
        const e = await expectStatus(p(), grpc.status.INVALID_ARGUMENT);
        expect(e.metadata.get(FIELD_TRAILER)).toEqual([field]);
      }
    });

    it('answers NOT_FOUND for an unknown version or request', async () => {
      expect(
        (await expectStatus(call.request(ed, { useCaseId, modelVersionId: randomUUID(), targetStage: ModelStage.MODEL_STAGE_SHADOW }), grpc.status.NOT_FOUND))
          .details,
      ).toMatch(/not a registered model version/);
      await expectStatus(call.approve(quinn, { useCaseId, requestId: randomUUID() }), grpc.status.NOT_FOUND);
      await expectStatus(call.reject(quinn, { useCaseId, requestId: randomUUID(), reason: 'r' }), grpc.status.NOT_FOUND);
      await expectStatus(call.promote(quinn, { useCaseId, requestId: randomUUID() }), grpc.status.NOT_FOUND);
      await expectStatus(call.rollback(quinn, { useCaseId, fromModelVersionId: V2, toModelVersionId: randomUUID(), reason: 'r' }), grpc.status.NOT_FOUND);
    });
  });

  describe('an operator', () => {
    it('may read the registry but is refused every change, each refusal recorded', async () => {
      await call.list(olga, useCaseId);
      const head = await fx.store.headPosition();
      const before = await modelEvents();
      const someId = randomUUID();
      await expectStatus(call.request(olga, { useCaseId, modelVersionId: V3, targetStage: ModelStage.MODEL_STAGE_SHADOW }), grpc.status.PERMISSION_DENIED);
      await expectStatus(call.approve(olga, { useCaseId, requestId: someId }), grpc.status.PERMISSION_DENIED);
      await expectStatus(call.reject(olga, { useCaseId, requestId: someId, reason: 'r' }), grpc.status.PERMISSION_DENIED);
      await expectStatus(call.promote(olga, { useCaseId, requestId: someId }), grpc.status.PERMISSION_DENIED);
      await expectStatus(call.rollback(olga, { useCaseId, fromModelVersionId: V2, reason: 'r' }), grpc.status.PERMISSION_DENIED);
      expect(await modelEvents()).toEqual(before);
      const denied = await deniedSince(head);
      expect(denied.map((e) => (e.data as { permission: string }).permission)).toEqual([
        'model.propose_shadow',
        'model.approve',
        'model.approve',
        'model.promote',
        'model.rollback',
      ]);
      expect(denied.every((e) => (e.data as { actor: string }).actor === 'olga')).toBe(true);
    });
  });

  describe('the stream governance wrote', () => {
    it('is folded by the inference runtime into the promoted deployments', async () => {
      const s = (await modelEvents()).reduce(evolveDeployments, emptyDeployments());
      expect(s.production.get(deploymentKey(useCaseId))).toBe(V2);
      expect(s.production.get(deploymentKey(useCaseId, PILOT))).toBe(V1);
      expect(s.registered.has(V3)).toBe(true);
    });
  });

  describe('rollback', () => {
    it('refuses a version that does not serve the scope (FAILED_PRECONDITION with who does)', async () => {
      const e = await expectStatus(call.rollback(quinn, { useCaseId, fromModelVersionId: V3, reason: 'r' }), grpc.status.FAILED_PRECONDITION);
      expect(e.details).toContain(`production: ${V2}`);
    });

    it('rolls the use-case-wide production back to the rules; the pilot line keeps its model', async () => {
      const res = await call.rollback(quinn, { useCaseId, fromModelVersionId: V2, reason: 'false alarms on line 2' });
      expect(res).toEqual({ stage: ModelStage.MODEL_STAGE_PRODUCTION, productionModelVersionId: '' });
      const last = (await modelEvents()).at(-1)!;
      expect(last.data).toEqual({ useCaseId, fromModelVersionId: V2, toModelVersionId: null, trigger: 'manual', reason: 'false alarms on line 2' });
      expect(last.metadata).toMatchObject({ actor: 'quinn', role: 'quality_lead' });
      expect((await versionOf(V2)).stages).toEqual([{ stage: ModelStage.MODEL_STAGE_RETIRED, scope: '', detail: '' }]);
      const s = (await modelEvents()).reduce(evolveDeployments, emptyDeployments());
      expect(s.production.get(deploymentKey(useCaseId))).toBeNull();
      expect(s.production.get(deploymentKey(useCaseId, PILOT))).toBe(V1);
    });

    it('rolls the pilot line back to another registered version', async () => {
      const res = await call.rollback(quinn, { useCaseId, fromModelVersionId: V1, toModelVersionId: V2, reason: 'back to v2', scope: PILOT });
      expect(res).toEqual({ stage: ModelStage.MODEL_STAGE_PRODUCTION, productionModelVersionId: V2 });
      expect((await versionOf(V2)).stages).toEqual([
        { stage: ModelStage.MODEL_STAGE_RETIRED, scope: '', detail: '' },
        { stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: PILOT, detail: '' },
      ]);
    });
  });
});
