// Live monitoring on a real store (embedded SQLite and PostgreSQL): production prompts of a model
// version and what operators recorded after them (inference's recommendation streams), a KPI
// measured while it served (the charter's stream). A live precision drop below the charter's gate
// records one ModelRollbackProposed (gate-breach, proposing the version it replaced), not repeated
// while it stands; nothing is rolled back until a quality lead does it, and that rollback carries
// the proposal's trigger. A KPI worse than its baseline proposes a kpi-miss rollback.
import { randomUUID } from 'node:crypto';
import { eventExamples, latestVersion, type EventType } from '@industrial/contracts';
import { governanceRegistryV1 as pb, unaryCall } from '@industrial/grpc';
import type { Cause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStore, sqliteStore, startGovernance, streamFor, type Running, type StoreFactory, type StoreFixture } from './fixture.ts';

const ASSET = 'acme.plant-1.utilities.cooling-water.pump-1';
const as = (actor: string, role: string): Cause => ({ actor, role, correlationId: randomUUID(), causationId: null, traceparent: null });

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('live monitoring on %s', (_name, factory) => {
  let fx: StoreFixture;
  let gov: Running;
  const useCaseId = randomUUID();
  const model = streamFor('ModelPromoted', useCaseId);
  const [V1, V2] = [randomUUID(), randomUUID()];

  const append = (stream: string, type: EventType, data: unknown, actor = 'svc:inference') =>
    fx.store.append(stream, [
      {
        id: randomUUID(),
        type,
        data,
        metadata: { actor, role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: latestVersion(type) },
      },
    ]);
  /** A production prompt of V2 on the pump and the outcome an operator recorded. */
  const prompt = async (outcome: 'event-prevented' | 'no-event') => {
    const recommendationId = randomUUID();
    const stream = streamFor('RecommendationRaised', recommendationId);
    await append(stream, 'RecommendationRaised', {
      ...eventExamples.RecommendationRaised,
      recommendationId,
      useCaseId,
      modelVersionId: V2,
      assetPath: ASSET,
      mode: 'production',
    });
    await append(stream, 'OutcomeRecorded', {
      ...eventExamples.OutcomeRecorded,
      recommendationId,
      outcome,
      context: { ...eventExamples.OutcomeRecorded.context, useCaseId, assetPath: ASSET, modelVersionId: V2 },
    });
  };
  const proposals = async () => (await fx.store.readStream(model)).filter((e) => e.type === 'ModelRollbackProposed');

  beforeAll(async () => {
    fx = await factory(() => new Date());
    await append(
      streamFor('ObjectiveSet', useCaseId),
      'ObjectiveSet',
      { ...eventExamples.ObjectiveSet, useCaseId, minModelMetrics: { precision: 0.6 } },
      'svc:charter',
    );
    for (const [i, id] of [V1, V2].entries())
      await append(
        model,
        'ModelVersionRegistered',
        {
          ...eventExamples.ModelVersionRegistered,
          modelVersionId: id,
          useCaseId,
          runId: randomUUID(),
          version: i + 1,
          metrics: { precision: 0.8, recall: 0.8 },
        },
        'svc:training',
      );
    gov = await startGovernance(fx.store);
    // V1 then V2 into production through the four-eyes path (the gates pass: precision 0.8 ≥ 0.6).
    for (const id of [V1, V2]) {
      const { requestId } = await gov.app.registry.requestApproval(
        { useCaseId, modelVersionId: id, targetStage: 'production', justification: 'better', scope: null },
        as('user:ed', 'engineer'),
      );
      await gov.app.registry.approve({ useCaseId, requestId, conditions: [], comment: null }, as('user:quinn', 'quality_lead'));
      await gov.app.registry.promote({ useCaseId, requestId }, as('user:quinn', 'quality_lead'));
    }
  });

  afterAll(async () => {
    await gov?.close();
    await fx?.cleanup();
  });

  it('proposes nothing while too few outcomes are recorded', async () => {
    for (let i = 0; i < 5; i++) await prompt('no-event');
    const findings = await gov.app.monitor.check();
    expect(findings).toEqual([{ useCaseId, modelVersionId: V2, scope: null, counts: { confirmed: 0, falseAlarms: 5, missed: 0 }, proposed: 0 }]);
    expect(await proposals()).toHaveLength(0);
  });

  it('proposes one gate-breach rollback when live precision drops below the gate, and does not repeat it while it stands', async () => {
    for (let i = 0; i < 4; i++) await prompt('event-prevented');
    for (let i = 0; i < 3; i++) await prompt('no-event');
    // 4 confirmed of 12 prompts with an outcome: precision 0.333 < 0.6
    const [finding] = await gov.app.monitor.check();
    expect(finding).toMatchObject({ counts: { confirmed: 4, falseAlarms: 8, missed: 0 }, proposed: 1 });
    const [p] = await proposals();
    expect(p!.data).toMatchObject({ useCaseId, modelVersionId: V2, trigger: 'gate-breach', toModelVersionId: V1, measure: 'precision', limit: 0.6, basis: 12 });
    expect((p!.data as { value: number }).value).toBeCloseTo(4 / 12);
    expect((p!.data as { reason: string }).reason).toBe(
      'live precision 0.333 over 12 prompts with a recorded outcome is below the gate 0.600; proposed: roll back to version 1',
    );
    expect(p!.metadata).toMatchObject({ actor: 'svc:governance', role: 'service' });

    await prompt('no-event');
    expect((await gov.app.monitor.check())[0]).toMatchObject({ counts: { falseAlarms: 9 }, proposed: 0 });
    expect(await proposals()).toHaveLength(1);
    // Never an automatic rollback: V2 still serves.
    const listed = await gov.app.registry.list(useCaseId);
    expect([...listed.deployments.production.values()]).toEqual([V2]);
  });

  it('takes the proposal trigger into the quality lead rollback', async () => {
    const lead = gov.registry(await gov.tokenFor('quinn', ['quality_lead']));
    await unaryCall(lead, lead.rollback, pb.RollbackRequest.fromPartial({ useCaseId, fromModelVersionId: V2, toModelVersionId: V1, reason: 'precision fell' }));
    const rolled = (await fx.store.readStream(model)).filter((e) => e.type === 'ModelRolledBack');
    expect(rolled).toHaveLength(1);
    expect(rolled[0]!.data).toMatchObject({ trigger: 'gate-breach', fromModelVersionId: V2, toModelVersionId: V1 });
    expect((rolled[0]!.data as { reason: string }).reason).toMatch(/^precision fell \(accepting rollback proposal [0-9a-f-]{36}: live precision 0\.333/);
    const listed = await unaryCall(lead, lead.listModelVersions, pb.ListModelVersionsRequest.fromPartial({ useCaseId }));
    expect(listed.rollbackProposals).toHaveLength(1);
    expect(listed.rollbackProposals[0]).toMatchObject({
      modelVersionId: V2,
      trigger: 'gate-breach',
      toModelVersionId: V1,
      measure: 'precision',
      basis: 12,
      standing: false,
    });
  });

  it('proposes a kpi-miss rollback when a KPI measured while the version served is worse than its baseline', async () => {
    const kpi = eventExamples.ObjectiveSet.kpis[0]!;
    const worse = kpi.direction === 'decrease' ? kpi.baseline + 1 : kpi.baseline - 1;
    await append(
      streamFor('KpiMeasured', useCaseId),
      'KpiMeasured',
      { ...eventExamples.KpiMeasured, useCaseId, kpiId: kpi.kpiId, value: worse, modelVersionId: V1, unit: kpi.unit },
      'svc:charter',
    );
    const findings = await gov.app.monitor.check();
    expect(findings).toMatchObject([{ modelVersionId: V1, proposed: 1 }]);
    const kpiMiss = (await proposals()).filter((e) => (e.data as { trigger: string }).trigger === 'kpi-miss');
    expect(kpiMiss).toHaveLength(1);
    expect(kpiMiss[0]!.data).toMatchObject({ modelVersionId: V1, measure: kpi.name, value: worse, limit: kpi.baseline, basis: 1, toModelVersionId: null });
  });
});

describe('live monitoring on its schedule', () => {
  it('records the proposal without anyone calling check(), and stop() waits for a check in flight', async () => {
    const fx = await sqliteStore(() => new Date());
    const useCaseId = randomUUID();
    const [V1] = [randomUUID()];
    const append = (stream: string, type: EventType, data: unknown) =>
      fx.store.append(stream, [
        {
          id: randomUUID(),
          type,
          data,
          metadata: {
            actor: 'svc:test',
            role: 'service',
            correlationId: randomUUID(),
            causationId: null,
            traceparent: null,
            schemaVersion: latestVersion(type),
          },
        },
      ]);
    await append(streamFor('ObjectiveSet', useCaseId), 'ObjectiveSet', { ...eventExamples.ObjectiveSet, useCaseId, minModelMetrics: { precision: 0.9 } });
    await append(streamFor('ModelPromoted', useCaseId), 'ModelVersionRegistered', {
      ...eventExamples.ModelVersionRegistered,
      modelVersionId: V1,
      useCaseId,
      runId: randomUUID(),
      version: 1,
      metrics: { precision: 0.95 },
    });
    const gov = await startGovernance(fx.store, { liveMonitor: { intervalMs: 50 } });
    try {
      const { requestId } = await gov.app.registry.requestApproval(
        { useCaseId, modelVersionId: V1, targetStage: 'production', justification: 'first', scope: null },
        as('user:ed', 'engineer'),
      );
      await gov.app.registry.approve({ useCaseId, requestId, conditions: [], comment: null }, as('user:quinn', 'quality_lead'));
      await gov.app.registry.promote({ useCaseId, requestId }, as('user:quinn', 'quality_lead'));
      for (let i = 0; i < 10; i++) {
        const recommendationId = randomUUID();
        const stream = streamFor('RecommendationRaised', recommendationId);
        await append(stream, 'RecommendationRaised', {
          ...eventExamples.RecommendationRaised,
          recommendationId,
          useCaseId,
          modelVersionId: V1,
          assetPath: ASSET,
          mode: 'production',
        });
        await append(stream, 'OutcomeRecorded', {
          ...eventExamples.OutcomeRecorded,
          recommendationId,
          outcome: 'no-event',
          context: { ...eventExamples.OutcomeRecorded.context, useCaseId, assetPath: ASSET, modelVersionId: V1 },
        });
      }
      const proposed = async () => (await fx.store.readStream(streamFor('ModelPromoted', useCaseId))).filter((e) => e.type === 'ModelRollbackProposed');
      await expect.poll(async () => (await proposed()).length, { timeout: 20_000, interval: 100 }).toBe(1);
      expect((await proposed())[0]!.data).toMatchObject({ trigger: 'gate-breach', measure: 'precision', value: 0, basis: 10, toModelVersionId: null });
    } finally {
      await gov.close();
      await fx.cleanup();
    }
  });
});
