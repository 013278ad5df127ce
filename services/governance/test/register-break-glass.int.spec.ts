// RegisterModelVersion (training's service account registers candidates; governance numbers them)
// and BreakGlassPromote (a quality lead promotes without four eyes, on record) over a real gRPC
// client against the governance app on loopback, on an embedded SQLite store.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { eventExamples } from '@industrial/contracts';
import { FIELD_TRAILER, governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, sqliteStore, startGovernance, streamFor, type Running, type StoreFixture } from './fixture.ts';

type Client = pb.ModelRegistryServiceClient;
const { ModelStage } = pb;

const registration = (useCaseId: string, runId = randomUUID(), modelVersionId = randomUUID()) => {
  const { version: _v, ...data } = eventExamples.ModelVersionRegistered;
  return { ...data, useCaseId, runId, modelVersionId };
};
const register = (c: Client, data: unknown) => unaryCall(c, c.registerModelVersion, { registrationJson: JSON.stringify(data) });
const breakGlass = (c: Client, r: Partial<pb.BreakGlassPromoteRequest>) => unaryCall(c, c.breakGlassPromote, pb.BreakGlassPromoteRequest.fromPartial(r));

describe('governance RegisterModelVersion and BreakGlassPromote', () => {
  let fx: StoreFixture;
  let gov: Running;
  let training: Client, quinn: Client, erin: Client;
  const useCaseId = randomUUID();
  const stream = streamFor('ModelPromoted', useCaseId);

  beforeAll(async () => {
    fx = await sqliteStore(() => new Date());
    gov = await startGovernance(fx.store);
    training = gov.registry(await gov.tokenFor('svc:training', ['service']));
    quinn = gov.registry(await gov.tokenFor('quinn', ['quality_lead']));
    erin = gov.registry(await gov.tokenFor('erin', ['engineer']));
  }, 30_000);
  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
  });

  it('registers a candidate for the service account with the next version number, and answers the same run again with it', async () => {
    const a = registration(useCaseId),
      b = registration(useCaseId);
    const first = await register(training, a);
    expect(first).toMatchObject({ alreadyRegistered: false, version: { modelVersionId: a.modelVersionId, version: 1, runId: a.runId } });
    expect(JSON.parse(first.version!.registrationJson)).toMatchObject({ ...a, version: 1 });
    expect((await register(training, b)).version?.version).toBe(2);
    const again = await register(training, a);
    expect(again).toMatchObject({ alreadyRegistered: true, version: { version: 1 } });
    const events = await fx.store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['ModelVersionRegistered', 'ModelVersionRegistered']);
    expect(events[0]!.metadata).toMatchObject({ actor: 'svc:training', role: 'service' });
  });

  it('refuses a registration that breaks the contract, naming the field, and one that brings its own version number', async () => {
    const bad = await expectStatus(register(training, { ...registration(useCaseId), artifactHash: 'nope' }), grpc.status.INVALID_ARGUMENT);
    expect(bad.metadata.get(FIELD_TRAILER)).toEqual(['registration_json.artifactHash']);
    const numbered = await expectStatus(register(training, { ...registration(useCaseId), version: 7 }), grpc.status.INVALID_ARGUMENT);
    expect(numbered.metadata.get(FIELD_TRAILER)).toEqual(['registration_json.version']);
    await expectStatus(unaryCall(training, training.registerModelVersion, { registrationJson: '{' }), grpc.status.INVALID_ARGUMENT);
  });

  it('refuses people: registering is model.register, a service account permission', async () => {
    await expectStatus(register(quinn, registration(useCaseId)), grpc.status.PERMISSION_DENIED);
    await expectStatus(register(erin, registration(useCaseId)), grpc.status.PERMISSION_DENIED);
  });

  it('promotes by break glass for a quality lead, on record: request, approval with the break-glass condition, promotion', async () => {
    const [v1] = (await unaryCall(quinn, quinn.listModelVersions, { useCaseId })).versions;
    const before = (await fx.store.readStream(stream)).length;
    const r = await breakGlass(quinn, {
      useCaseId,
      modelVersionId: v1!.modelVersionId,
      stage: ModelStage.MODEL_STAGE_PRODUCTION,
      reason: 'line down, no second lead on site',
      expectNone: true,
    });
    expect(r.previousModelVersionId).toBe('');
    expect(r.request).toMatchObject({
      requestedBy: 'quinn',
      decidedBy: 'quinn',
      promotedBy: 'quinn',
      justification: 'BREAK GLASS: line down, no second lead on site',
      comment: 'line down, no second lead on site',
    });
    expect(r.request!.conditions).toEqual([expect.stringMatching(/^break-glass: .* by quinn$/)]);
    const events = (await fx.store.readStream(stream)).slice(before);
    expect(events.map((e) => e.type)).toEqual(['ModelApprovalRequested', 'ModelApproved', 'ModelPromoted']);
    for (const e of events) expect(e.metadata).toMatchObject({ actor: 'quinn', role: 'quality_lead' });
    const listed = await unaryCall(quinn, quinn.listModelVersions, { useCaseId });
    expect(listed.deployments).toEqual([{ stage: ModelStage.MODEL_STAGE_PRODUCTION, scope: '', modelVersionId: v1!.modelVersionId }]);
  });

  it('refuses a break glass whose expected holder is not the holder, and an engineer (model.break_glass), writing nothing', async () => {
    const [v1, v2] = (await unaryCall(quinn, quinn.listModelVersions, { useCaseId })).versions;
    const before = (await fx.store.readStream(stream)).length;
    const e = await expectStatus(
      breakGlass(quinn, { useCaseId, modelVersionId: v2!.modelVersionId, stage: ModelStage.MODEL_STAGE_PRODUCTION, reason: 'x', expectNone: true }),
      grpc.status.FAILED_PRECONDITION,
    );
    expect(e.details).toMatch(new RegExp(`expected no model .* but ${v1!.modelVersionId} does`));
    await expectStatus(
      breakGlass(erin, { useCaseId, modelVersionId: v2!.modelVersionId, stage: ModelStage.MODEL_STAGE_SHADOW, reason: 'x' }),
      grpc.status.PERMISSION_DENIED,
    );
    expect((await fx.store.readStream(stream)).length).toBe(before);
  });
});
