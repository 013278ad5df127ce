// The gates before production over gRPC on a real store (embedded SQLite and PostgreSQL): the
// charter's minimum metrics and cost model (usecase-<id>), the model card's stress results (a file
// artifact), inference's shadow comparison (serving-<id>). A failing gate blocks approval and, again,
// promotion with FAILED_PRECONDITION listing every failing gate with its numbers, and nothing is
// appended; gates passing let the four-eyes path proceed. A gate naming a metric the task does not
// produce is refused at definition. A pilot with only a shadow deployment is gated on savings
// against the fleet-wide production model.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { eventExamples, latestVersion, type EventType } from '@industrial/contracts';
import { governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import type { Cause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, postgresStore, sqliteStore, startGovernance, streamFor, type Running, type StoreFactory, type StoreFixture } from './fixture.ts';

const { ModelStage } = pb;
type Client = pb.ModelRegistryServiceClient;
const request = (c: Client, useCaseId: string, modelVersionId: string) =>
  unaryCall(
    c,
    c.requestApproval,
    pb.RequestApprovalRequest.fromPartial({
      useCaseId,
      modelVersionId,
      targetStage: ModelStage.MODEL_STAGE_PRODUCTION,
      justification: 'better on the test part',
    }),
  );
const approve = (c: Client, useCaseId: string, requestId: string) => unaryCall(c, c.approve, pb.ApproveRequest.fromPartial({ useCaseId, requestId }));
const promote = (c: Client, useCaseId: string, requestId: string) => unaryCall(c, c.promote, pb.PromoteRequest.fromPartial({ useCaseId, requestId }));

const LEAD: Cause = { actor: 'user:quinn', role: 'quality_lead', correlationId: randomUUID(), causationId: null, traceparent: null };

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('gates before production on %s', (_name, factory) => {
  let fx: StoreFixture;
  let gov: Running;
  let ed: Client, quinn: Client;
  const dir = mkdtempSync(join(tmpdir(), 'gov-gates-'));
  const useCaseId = randomUUID();
  const model = streamFor('ModelPromoted', useCaseId);
  const [V1, V2, V3] = [randomUUID(), randomUUID(), randomUUID()];

  const append = (stream: string, type: EventType, data: unknown, actor = 'svc:charter') =>
    fx.store.append(stream, [
      {
        id: randomUUID(),
        type,
        data,
        metadata: { actor, role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: latestVersion(type) },
      },
    ]);
  const card = (name: string, dropped: { sensor: string; value: number; drop: number }[]) => {
    const bytes = JSON.stringify({ name, stress: { metric: 'pr_auc', baseline: 0.8, noise: [{ sigma: 0.1, value: 0.78, drop: 0.02 }], dropped } });
    const path = join(dir, `${name}.json`);
    writeFileSync(path, bytes);
    return { uri: pathToFileURL(path).href, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  const register = (id: string, version: number, metrics: Record<string, number>, json: { uri: string; sha256: string }) =>
    append(
      model,
      'ModelVersionRegistered',
      {
        ...eventExamples.ModelVersionRegistered,
        modelVersionId: id,
        useCaseId,
        runId: randomUUID(),
        version,
        metrics,
        modelCard: { ...eventExamples.ModelVersionRegistered.modelCard, json },
      },
      'svc:training',
    );
  const shadow = (windows: number, agreeing: number) =>
    append(
      streamFor('ShadowWindowsCompared', useCaseId),
      'ShadowWindowsCompared',
      {
        useCaseId,
        candidateVersionId: V3,
        productionVersionId: V1,
        reference: 'production',
        windows,
        agreeing,
        productionAlarms: 3,
        candidateAlarms: 4,
        period: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
        recordedAt: '2026-01-02T00:00:01Z',
      },
      'svc:inference',
    );
  const modelEvents = async () => (await fx.store.readStream(model)).length;

  beforeAll(async () => {
    fx = await factory(() => new Date());
    const charter = streamFor('ObjectiveSet', useCaseId);
    await append(charter, 'ObjectiveSet', { ...eventExamples.ObjectiveSet, useCaseId, minModelMetrics: { recall: 0.7, precision: 0.5 } });
    // failure 1800 + 0.67 h × 2400 = 3408, inspection 60, a false alarm costs nothing beyond its inspection
    await append(charter, 'CostModelSet', { ...eventExamples.CostModelSet, useCaseId });
    const ok = card('v1', [{ sensor: 'vibration', value: 0.78, drop: 0.02 }]);
    await register(V1, 1, { recall: 0.8, precision: 0.67, rows: 1000, tp: 40, fp: 20 }, ok);
    await register(V2, 2, { recall: 0.6, precision: 0.4, rows: 1000, tp: 30, fp: 45 }, ok);
    await register(V3, 3, { recall: 0.85, precision: 0.7, rows: 1000, tp: 45, fp: 19 }, card('v3', [{ sensor: 'vibration', value: 0.5, drop: 0.3 }]));
    gov = await startGovernance(fx.store);
    ed = gov.registry(await gov.tokenFor('ed', ['engineer']));
    quinn = gov.registry(await gov.tokenFor('quinn', ['quality_lead']));
  });

  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a first model that meets the charter minimum metrics through approval and promotion', async () => {
    const { request: r } = await request(ed, useCaseId, V1);
    await approve(quinn, useCaseId, r!.requestId);
    const promoted = await promote(quinn, useCaseId, r!.requestId);
    expect(promoted.previousModelVersionId).toBe('');
  });

  it('refuses approving a version below the charter minimums and production savings, listing every gate with its numbers, writing nothing', async () => {
    const { request: r } = await request(ed, useCaseId, V2);
    const before = await modelEvents();
    const error = await expectStatus(approve(quinn, useCaseId, r!.requestId), grpc.status.FAILED_PRECONDITION);
    expect(error.details).toContain('model version 2 fails 3 gates for production');
    expect(error.details).toContain('[min-metric] precision 0.400 on the test part, gate ≥ 0.500');
    expect(error.details).toContain('[min-metric] recall 0.600 on the test part, gate ≥ 0.700');
    // (30 × 3348 − 45 × 60) / 1000 windows × 1000 = 97740 vs (40 × 3348 − 20 × 60) = 132720
    expect(error.details).toContain('[savings] expected savings 97740 EUR per 1000 windows vs production (version 1) 132720 EUR');
    expect(await modelEvents()).toBe(before);
    const results = await gov.app.registry.gateResults(useCaseId, r!.requestId);
    expect(results.map((g) => [g.gate, g.passed])).toEqual([
      ['min-metric', false],
      ['min-metric', false],
      ['savings', false],
    ]);
  });

  it('refuses a gate naming a metric the task does not produce, at definition (DefineGates over gRPC), writing nothing', async () => {
    const before = await modelEvents();
    const error = await expectStatus(
      unaryCall(quinn, quinn.defineGates, pb.DefineGatesRequest.fromPartial({ useCaseId, maxMetrics: { rmse: 3 }, minMetrics: { recall: 0.75 } })),
      grpc.status.INVALID_ARGUMENT,
    );
    expect(error.details).toContain('maxMetrics.rmse: the classification task does not produce "rmse"');
    expect(await modelEvents()).toBe(before);
    // An engineer may not set gates.
    await expectStatus(unaryCall(ed, ed.defineGates, pb.DefineGatesRequest.fromPartial({ useCaseId })), grpc.status.PERMISSION_DENIED);
    // A valid definition answers the minimums in force: the charter's and its own, the stricter of two.
    const set = await unaryCall(quinn, quinn.defineGates, pb.DefineGatesRequest.fromPartial({ useCaseId, minMetrics: { recall: 0.65, f1: 0.5 } }));
    expect(set.minMetrics).toEqual({ recall: 0.7, precision: 0.5, f1: 0.5 });
  });

  it('gates stress and the shadow period once defined, at approval and again at promotion', async () => {
    await unaryCall(
      quinn,
      quinn.defineGates,
      pb.DefineGatesRequest.fromPartial({ useCaseId, dropout: { maxDrop: 0.1 }, shadow: { minWindows: 100, minAgreement: 0.9 } }),
    );
    const { request: r } = await request(ed, useCaseId, V3);
    const checked = await unaryCall(ed, ed.checkGates, pb.CheckGatesRequest.fromPartial({ useCaseId, requestId: r!.requestId }));
    expect(checked.passed).toBe(false);
    expect(checked.results.map((g) => `${g.gate} ${g.passed}`)).toEqual([
      'min-metric true',
      'min-metric true',
      'stress-dropout false',
      'shadow-period false',
      'savings true',
    ]);
    const refused = await expectStatus(approve(quinn, useCaseId, r!.requestId), grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toContain('fails 2 gates');
    expect(refused.details).toContain('[stress-dropout] pr_auc drops over 0.100 when a sensor is dropped: vibration 0.300 (0.800 → 0.500)');
    expect(refused.details).toContain('[shadow-period] no shadow windows recorded; gate ≥ 100 windows at ≥ 0.900 agreement');

    await shadow(150, 140);
    await gov.app.registry.defineGates(useCaseId, { maxDropoutDrop: 0.5, shadow: { minWindows: 100, minAgreement: 0.9 } }, LEAD);
    await approve(quinn, useCaseId, r!.requestId);

    // The shadow requirement grows before promotion: checked again, the approved request stays approved.
    await gov.app.registry.defineGates(useCaseId, { maxDropoutDrop: 0.5, shadow: { minWindows: 1000, minAgreement: 0.9 } }, LEAD);
    const before = await modelEvents();
    const again = await expectStatus(promote(quinn, useCaseId, r!.requestId), grpc.status.FAILED_PRECONDITION);
    expect(again.details).toContain(
      'fails 1 gate for production: [shadow-period] 150 shadow windows (gate ≥ 1000), agreement with production 0.933 (gate ≥ 0.900)',
    );
    expect(await modelEvents()).toBe(before);

    await shadow(900, 880);
    const promoted = await promote(quinn, useCaseId, r!.requestId);
    expect(promoted.previousModelVersionId).toBe(V1);
    const types = (await fx.store.readStream(model)).map((e) => e.type);
    expect(types.filter((t) => t === 'ModelGatesSet')).toHaveLength(4);
  });

  it('checks the savings gate on a pilot with only a shadow deployment against the fleet-wide production model, and refuses listing the numbers', async () => {
    const pilot = 'acme.plant-1.utilities.cooling-water.pump-1';
    const scoped = (modelVersionId: string, targetStage: pb.ModelStage) =>
      unaryCall(
        ed,
        ed.requestApproval,
        pb.RequestApprovalRequest.fromPartial({ useCaseId, modelVersionId, targetStage, justification: 'pilot', scope: pilot }),
      );
    // V2 shadowed on the pilot (the shadow stage is not gated): the pilot has no production model of its own
    const { request: sh } = await scoped(V2, ModelStage.MODEL_STAGE_SHADOW);
    await approve(quinn, useCaseId, sh!.requestId);
    await promote(quinn, useCaseId, sh!.requestId);
    const { request: r } = await scoped(V2, ModelStage.MODEL_STAGE_PRODUCTION);
    const checked = await unaryCall(ed, ed.checkGates, pb.CheckGatesRequest.fromPartial({ useCaseId, requestId: r!.requestId }));
    // compared with V3, which serves production fleet-wide: (45 × 3348 − 19 × 60) = 149520 per 1000 windows
    expect(checked.results.find((g) => g.gate === 'savings')).toMatchObject({
      passed: false,
      detail: expect.stringContaining('expected savings 97740 EUR per 1000 windows vs production (version 3) 149520 EUR'),
    });
    const before = await modelEvents();
    const refused = await expectStatus(approve(quinn, useCaseId, r!.requestId), grpc.status.FAILED_PRECONDITION);
    expect(refused.details).toContain('[savings] expected savings 97740 EUR per 1000 windows vs production (version 3) 149520 EUR');
    expect(await modelEvents()).toBe(before);
  });
});
