// CharterService over a real gRPC client against the charter app on loopback, once on an embedded
// SQLite store and once on PostgreSQL (a fresh schema, dropped afterwards), with real tokens.
// Also the contract: what the API returns for the cost model and the actions is what the events
// say when parsed with the contracts.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { parseEvent, type EventType } from '@industrial/contracts';
import { FIELD_TRAILER, charterV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionFor, costOf, seriesFromIntervals, useCaseFromEvents } from '../src/index.ts';
import { MemoryHistorian } from './memory-historian.ts';
import { postgresStore, sqliteStore, startCharter, type Running, type StoreFactory, type StoreFixture } from './fixture.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2025-06-01T06:00:00Z');
const LINE = 'acme.plant1.packaging.line-1';
const FILLER = `${LINE}.filler-3`;
const GO_LIVE = Date.parse('2025-05-25T00:00:00Z');

async function expectStatus(p: Promise<unknown>, code: grpc.status, field?: string): Promise<grpc.ServiceError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e as grpc.ServiceError,
  );
  expect(error, `expected ${grpc.status[code]}`).not.toBeNull();
  expect(grpc.status[error!.code], error!.details).toBe(grpc.status[code]);
  if (field !== undefined) expect(error!.metadata.get(FIELD_TRAILER)[0]).toBe(field);
  return error!;
}

/** A week before and a week after go-live: 8 hours of breakdowns before, 2 after, one failure a day labelled for a year. */
function plantData(): MemoryHistorian {
  const h = new MemoryHistorian();
  h.addTag({ assetPath: FILLER, tag: 'nozzle_pressure', unit: 'bar' }, { firstAt: NOW - 365 * DAY, lastAt: NOW, samples: 31_536_000, goodRatio: 0.998 });
  h.addTag({ assetPath: FILLER, tag: 'nozzle_temperature', unit: 'degC' }, null);
  h.addTag({ assetPath: `${LINE}.capper-1`, tag: 'torque', unit: 'N.m' }, { firstAt: NOW - 365 * DAY, lastAt: NOW, samples: 1000, goodRatio: 1 });
  h.addFailures(Array.from({ length: 120 }, (_, i) => ({ assetPath: FILLER, at: NOW - 360 * DAY + i * 3 * DAY, mode: 'nozzle-clog' })));
  const intervals: { at: number; state: 'running' | 'unplanned-stop' }[] = [];
  for (let d = -7; d < 7; d++) {
    const start = GO_LIVE + d * DAY;
    const stopHours = d < 0 ? 8 / 7 : 2 / 7;
    intervals.push(
      { at: start, state: 'running' },
      { at: start + 12 * 3_600_000, state: 'unplanned-stop' },
      { at: start + (12 + stopHours) * 3_600_000, state: 'running' },
    );
  }
  h.setStates(FILLER, seriesFromIntervals(intervals));
  h.addCounts(FILLER, [
    { at: GO_LIVE - DAY, total: 500_000, good: 480_000 },
    { at: GO_LIVE + 6 * DAY, total: 520_000, good: 510_000 },
  ]);
  h.addOutcomes('*', []);
  return h;
}

const draftRequest = (useCaseId: string, over: Partial<charterV1.UseCase> = {}) =>
  charterV1.DraftUseCaseRequest.fromPartial({
    useCaseId,
    useCase: {
      title: 'Predict filler nozzle clogging',
      problem: 'Filler 3 nozzles clog about twice a week; each clog stops line 1 for 40 minutes.',
      scope: { enterprise: 'acme', site: 'plant1', area: 'packaging', line: 'line-1' },
      assetPaths: [FILLER],
      owner: 'erik@plant1',
      kind: 'predictive-maintenance',
      questions: {
        whatAreWeImproving: 'Unplanned filler stops.',
        whyDoesItMatter: 'Each costs 40 minutes of output.',
        howWillWeKnow: 'Downtime halves within 12 weeks.',
      },
      stakeholders: [{ subject: 'mia@plant1', role: 'maintenance lead' }],
      failureModes: [{ assetType: 'filler', code: 'nozzle-clog', description: 'Residue clogs the nozzles.' }],
      requiredTags: [{ assetPath: FILLER, tag: 'nozzle_pressure' }],
      ...over,
    },
  });

const kpi = (over: Partial<charterV1.Kpi> = {}): charterV1.Kpi =>
  charterV1.Kpi.fromPartial({
    name: 'Unplanned downtime',
    unit: 'h',
    direction: 'decrease',
    baseline: 8,
    target: 3,
    measurementWindowDays: 7,
    kind: 'unplanned-downtime-hours',
    deadline: '2025-09-30T00:00:00+02:00',
    ...over,
  });

const costModel: charterV1.CostModel = {
  currency: 'EUR',
  falseAlarmCost: 35,
  missedEventCost: 1800,
  interventionCost: 60,
  downtimeCostPerHour: 2400,
  downtimeHoursPerFailure: 0.67,
  investment: 40_000,
  runningCostPerYear: 6000,
  assumptions: 'Line 1 output 9,000 bottles/h at 0.27 EUR margin.',
};

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('CharterService on %s', (_name, factory) => {
  let fx: StoreFixture;
  let svc: Running;
  let engineer: charterV1.CharterServiceClient;
  let lead: charterV1.CharterServiceClient;
  let operator: charterV1.CharterServiceClient;
  const id = randomUUID();
  const historian = plantData();

  beforeAll(async () => {
    fx = await factory();
    svc = await startCharter(fx.store, { historian, catalog: historian, outcomes: historian, now: () => NOW });
    engineer = svc.client(await svc.token('engineer', 'erik@plant1'));
    lead = svc.client(await svc.token('quality_lead', 'qa@plant1'));
    operator = svc.client(await svc.token('operator'));
    historian.addOutcomes(id, [
      { recommendationId: randomUUID(), at: GO_LIVE + DAY, assetPath: FILLER, decision: 'accepted', outcome: 'failure-avoided' },
      { recommendationId: randomUUID(), at: GO_LIVE + 2 * DAY, assetPath: FILLER, decision: 'accepted', outcome: 'failure-avoided' },
      { recommendationId: randomUUID(), at: GO_LIVE + 3 * DAY, assetPath: FILLER, decision: 'accepted', outcome: 'false-alarm' },
      { recommendationId: randomUUID(), at: GO_LIVE + 4 * DAY, assetPath: FILLER, decision: 'rejected', outcome: 'unknown' },
    ]);
  });
  afterAll(async () => {
    await svc?.close();
    await fx?.cleanup();
  });

  describe('when an engineer charters a use case and a quality lead approves it', () => {
    it('records every step as an event in usecase-<id> with increasing revisions', async () => {
      expect(await unaryCall(engineer, engineer.draftUseCase, draftRequest(id))).toEqual({ useCaseId: id, revision: 0 });
      const objectives = await unaryCall(
        engineer,
        engineer.setObjectives,
        charterV1.SetObjectivesRequest.fromPartial({
          useCaseId: id,
          expectedRevision: 0,
          objectives: {
            statement: 'Halve unplanned filler downtime.',
            kpis: [kpi(), kpi({ name: 'OEE', unit: '1', direction: 'increase', baseline: 0.6, target: 0.75, kind: 'oee' })],
            minModelMetrics: { recall: 0.7, precision: 0.5 },
          },
        }),
      );
      expect(objectives.revision).toBe(1);
      expect(objectives.kpis.every((k) => k.kpiId.length === 36)).toBe(true);
      expect((await unaryCall(engineer, engineer.setCostModel, { useCaseId: id, costModel, expectedRevision: 1 })).revision).toBe(2);
      const action = await unaryCall(
        engineer,
        engineer.catalogueAction,
        charterV1.CatalogueActionRequest.fromPartial({
          useCaseId: id,
          action: {
            assetType: 'filler',
            failureMode: 'nozzle-clog',
            label: 'Clean the nozzle bank',
            instructions: 'Purge nozzles 1-12 with CIP solution for 5 minutes.',
            requiresManualMode: true,
            maxResponseMinutes: 60,
          },
        }),
      );
      expect(action.action?.prompt).toBe('Clean the nozzle bank within 1 hour');
      const feasibility = await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId: id }));
      expect(feasibility.feasibility).toMatchObject({ verdict: 'feasible', historyDays: 365, labelledEvents: 120, tagsAvailable: 2, redFlags: [] });
      expect(feasibility.feasibility?.roi?.paybackMonths).toBeGreaterThan(0);
      expect((await unaryCall(lead, lead.approveUseCase, charterV1.ApproveUseCaseRequest.fromPartial({ useCaseId: id, comment: 'Go ahead.' }))).revision).toBe(
        5,
      );
      const events = await fx.store.readStream(`usecase-${id}`);
      expect(events.map((e) => e.type)).toEqual([
        'UseCaseDrafted',
        'ObjectiveSet',
        'CostModelSet',
        'ActionCatalogued',
        'FeasibilityAssessed',
        'UseCaseApproved',
      ]);
      expect(events.map((e) => e.metadata.actor)).toEqual(['erik@plant1', 'erik@plant1', 'erik@plant1', 'erik@plant1', 'erik@plant1', 'qa@plant1']);
    });

    it('serves the cost model and the action catalogue through the API exactly as the events record them', async () => {
      const events = await fx.store.readStream(`usecase-${id}`);
      const parsed = (type: EventType) => {
        const e = events.find((x) => x.type === type)!;
        return parseEvent(type, e.metadata.schemaVersion, e.data) as Record<string, unknown>;
      };
      const { useCaseId: _c, ...costFromEvent } = parsed('CostModelSet');
      const viaApi = await unaryCall(operator, operator.getCostModel, { useCaseId: id });
      expect(viaApi.costModel).toEqual(costFromEvent);
      const { useCaseId: _a, ...actionFromEvent } = parsed('ActionCatalogued');
      const listed = await unaryCall(operator, operator.listActions, { useCaseId: id, assetType: 'filler', failureMode: 'nozzle-clog' });
      expect(listed.actions).toEqual([{ ...actionFromEvent, prompt: 'Clean the nozzle bank within 1 hour' }]);
      // Training and inference can fold the events themselves and use the same helpers.
      const state = useCaseFromEvents(events);
      expect(actionFor(state.actions, 'filler', 'nozzle-clog')?.label).toBe('Clean the nozzle bank');
      expect(costOf(state.costModel!, { alarm: true, failureFollowed: false })).toBe(35);
      const whole = await unaryCall(operator, operator.getUseCase, { useCaseId: id });
      expect(whole).toMatchObject({ status: 'approved', revision: 5, useCase: { kind: 'predictive-maintenance', owner: 'erik@plant1' } });
    });

    it('records computed KPIs and reports savings and downtime avoided since go-live', async () => {
      const recorded = await unaryCall(
        engineer,
        engineer.recordKpis,
        charterV1.RecordKpisRequest.fromPartial({
          useCaseId: id,
          from: new Date(GO_LIVE).toISOString(),
          to: new Date(GO_LIVE + 7 * DAY).toISOString(),
          idealCycleTimeSeconds: 0.4,
        }),
      );
      expect(recorded.measurements.map((m) => m.value)).toEqual([expect.closeTo(2, 6), expect.any(Number)]);
      const kpiEvents = (await fx.store.readStream(`usecase-${id}`)).filter((e) => e.type === 'KpiMeasured');
      expect(kpiEvents).toHaveLength(2);
      const report = await unaryCall(
        operator,
        operator.getReport,
        charterV1.GetReportRequest.fromPartial({
          useCaseId: id,
          goLiveAt: new Date(GO_LIVE).toISOString(),
          to: new Date(GO_LIVE + 7 * DAY).toISOString(),
          idealCycleTimeSeconds: 0.4,
        }),
      );
      const json = JSON.parse(report.reportJson) as {
        downtime: { beforeHours: number; sinceHours: number; avoidedByPromptsHours: number };
        prompts: { failuresAvoided: number };
        savings: { net: number };
      };
      expect(json.downtime.beforeHours).toBeCloseTo(8, 3);
      expect(json.downtime.sinceHours).toBeCloseTo(2, 3);
      expect(json.prompts.failuresAvoided).toBe(2);
      // Before go-live: 7 breakdowns of 8/7 h → MTTR 8/7 h per avoided failure.
      expect(json.downtime.avoidedByPromptsHours).toBeCloseTo(16 / 7, 3);
      // 2 × (1800 + 8/7 × 2400) − 2 × 60 − 35
      expect(json.savings.net).toBeCloseTo(2 * (1800 + (8 / 7) * 2400) - 120 - 35, 1);
      expect(report.html).toContain('<h1>Predict filler nozzle clogging</h1>');
      expect(report.html).toContain('Europe/Berlin');
    });
  });

  describe('when input is bad', () => {
    const other = randomUUID();
    beforeAll(async () => {
      await unaryCall(engineer, engineer.draftUseCase, draftRequest(other));
    });

    it('refuses a target on the wrong side of its baseline with INVALID_ARGUMENT naming the field', async () => {
      const req = charterV1.SetObjectivesRequest.fromPartial({ useCaseId: other, objectives: { statement: 'x', kpis: [kpi({ target: 9 })] } });
      await expectStatus(unaryCall(engineer, engineer.setObjectives, req), grpc.status.INVALID_ARGUMENT, 'objectives.kpis[0].target');
    });
    it('refuses a deadline in the past', async () => {
      const req = charterV1.SetObjectivesRequest.fromPartial({
        useCaseId: other,
        objectives: { statement: 'x', kpis: [kpi({ deadline: '2025-01-01T00:00:00Z' })] },
      });
      await expectStatus(unaryCall(engineer, engineer.setObjectives, req), grpc.status.INVALID_ARGUMENT, 'objectives.kpis[0].deadline');
    });
    it('refuses a negative cost', async () => {
      await expectStatus(
        unaryCall(engineer, engineer.setCostModel, { useCaseId: other, costModel: { ...costModel, falseAlarmCost: -1 } }),
        grpc.status.INVALID_ARGUMENT,
        'cost_model.false_alarm_cost',
      );
    });
    it('refuses an action for an unknown failure mode', async () => {
      const req = charterV1.CatalogueActionRequest.fromPartial({
        useCaseId: other,
        action: { assetType: 'filler', failureMode: 'bearing-wear', label: 'Inspect', instructions: 'Inspect it.', maxResponseMinutes: 60 },
      });
      await expectStatus(unaryCall(engineer, engineer.catalogueAction, req), grpc.status.INVALID_ARGUMENT, 'action.failure_mode');
    });
    it('refuses a scope naming an asset the catalog does not know', async () => {
      await expectStatus(
        unaryCall(engineer, engineer.draftUseCase, draftRequest(randomUUID(), { assetPaths: [`${LINE}.labeller-9`], requiredTags: [] })),
        grpc.status.INVALID_ARGUMENT,
        'use_case.asset_paths[0]',
      );
    });
    it('refuses a stale expected revision as ABORTED', async () => {
      await expectStatus(unaryCall(engineer, engineer.setCostModel, { useCaseId: other, costModel, expectedRevision: 7 }), grpc.status.ABORTED);
    });
    it('says not feasible, and why, when a needed tag has no history', async () => {
      const noHistory = randomUUID();
      await unaryCall(
        engineer,
        engineer.draftUseCase,
        draftRequest(noHistory, {
          requiredTags: [
            { assetPath: FILLER, tag: 'nozzle_pressure' },
            { assetPath: FILLER, tag: 'nozzle_temperature' },
          ],
        }),
      );
      const r = await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId: noHistory }));
      expect(r.feasibility?.verdict).toBe('not-feasible');
      expect(r.feasibility?.missingTags).toEqual([`${FILLER}/nozzle_temperature`]);
      expect(r.feasibility?.redFlags.join(' ')).toMatch(/"nozzle_temperature" .* has no history/);
    });
  });

  describe('when the caller lacks the permission', () => {
    it('refuses writes by an operator and approval by an engineer with PERMISSION_DENIED', async () => {
      await expectStatus(unaryCall(operator, operator.setCostModel, { useCaseId: id, costModel }), grpc.status.PERMISSION_DENIED);
      await expectStatus(
        unaryCall(engineer, engineer.approveUseCase, charterV1.ApproveUseCaseRequest.fromPartial({ useCaseId: id })),
        grpc.status.PERMISSION_DENIED,
      );
      const denied = (await fx.store.readAll({ fromPosition: 1 })).filter((e) => e.type === 'AccessDenied');
      expect(denied.map((e) => (e.data as { permission: string }).permission)).toEqual(expect.arrayContaining(['usecase.write', 'usecase.approve']));
    });
    it('refuses a call without a token as UNAUTHENTICATED', async () => {
      const anonymous = svc.client();
      await expectStatus(unaryCall(anonymous, anonymous.getUseCase, { useCaseId: id }), grpc.status.UNAUTHENTICATED);
    });
  });
});
