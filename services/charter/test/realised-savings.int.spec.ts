// Realised savings from recorded outcomes, on PostgreSQL: inference's recommendation events
// (raised, done / overridden / declined, outcome recorded) are written to the store through an
// inference kernel, exactly as inference records them; the charter app, with no outcome port
// given, reads them from the store, and its management report's savings equal a hand computation
// from those outcomes and the use case's cost model. Shadow prompts, other use cases and prompts
// before go-live do not count; an outcome recorded later shows in the next report.
import { randomUUID } from 'node:crypto';
import { Service, type EventData } from '@industrial/contracts';
import { charterV1, unaryCall } from '@industrial/grpc';
import { createKernel, serviceCause, type Draft } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHistorian } from './memory-historian.ts';
import { postgresStore, startCharter, type Running, type StoreFixture } from './fixture.ts';

const DAY = 86_400_000;
const GO_LIVE = Date.parse('2025-05-25T00:00:00Z');
const TO = GO_LIVE + 7 * DAY;
const FILLER = 'acme.plant1.packaging.line-1.filler-3';
const iso = (ms: number) => new Date(ms).toISOString();
const V1 = randomUUID();
const V2 = randomUUID();

const costModel: charterV1.CostModel = {
  currency: 'EUR',
  falseAlarmCost: 35,
  missedEventCost: 1800,
  interventionCost: 60,
  downtimeCostPerHour: 2400,
  downtimeHoursPerFailure: 0.5,
  investment: 40_000,
  runningCostPerYear: 6000,
  assumptions: 'Test figures.',
};

type Decision = 'done' | 'overridden' | 'declined' | null;
type Outcome = EventData<'OutcomeRecorded'>['outcome'] | null;

function promptEvents(
  useCaseId: string,
  at: number,
  mode: 'production' | 'shadow',
  decision: Decision,
  outcome: Outcome,
  modelVersionId: string | null,
): { id: string; drafts: Draft[] } {
  const id = randomUUID();
  const actionId = randomUUID();
  const featureWindow = { from: iso(at - 15 * 60_000), to: iso(at) };
  const source = modelVersionId === null ? ('rules' as const) : ('model' as const);
  const context = { useCaseId, assetPath: FILLER, modelVersionId, source, featureWindow, explanation: [], traceId: null };
  const drafts: Draft[] = [
    {
      type: 'RecommendationRaised',
      data: {
        recommendationId: id,
        useCaseId,
        modelVersionId,
        source,
        assetPath: FILLER,
        actionId,
        message: 'Nozzle pressure above its limit: clean the nozzle bank.',
        urgency: 'soon',
        priority: 'high',
        actBy: iso(at + 3_600_000),
        score: 1,
        threshold: 0.5,
        explanation: [],
        evidence: [],
        imputed: [],
        featureWindow,
        mode,
        update: 0,
        traceId: null,
        expiresAt: iso(at + 7_200_000),
      },
    },
  ];
  if (decision === 'done') drafts.push({ type: 'RecommendationAccepted', data: { recommendationId: id, actionId, doneAt: iso(at + 600_000), context } });
  if (decision === 'overridden')
    drafts.push({
      type: 'RecommendationOverridden',
      data: { recommendationId: id, actionId: null, actionTaken: 'Replaced the nozzle seal.', reason: 'Seal worn.', overriddenAt: iso(at + 600_000), context },
    });
  if (decision === 'declined')
    drafts.push({ type: 'RecommendationRejected', data: { recommendationId: id, reason: 'no-capacity', rejectedAt: iso(at + 600_000), context } });
  if (outcome !== null) drafts.push(outcomeDraft(id, at, outcome, context));
  return { id, drafts };
}

function outcomeDraft(id: string, at: number, outcome: NonNullable<Outcome>, context: EventData<'OutcomeRecorded'>['context']): Draft {
  const label = outcome === 'no-event' ? 'normal' : outcome === 'unknown' ? null : 'nozzle-clog';
  return { type: 'OutcomeRecorded', data: { recommendationId: id, outcome, observedAt: iso(at + DAY), costImpact: null, label, context } };
}

describe('realised savings from the outcomes recorded in the store (PostgreSQL)', () => {
  let fx: StoreFixture;
  let svc: Running;
  let engineer: charterV1.CharterServiceClient;
  const useCaseId = randomUUID();
  const inference = () => createKernel({ service: Service.Inference, store: fx.store });
  const record = async (useCase: string, at: number, mode: 'production' | 'shadow', decision: Decision, outcome: Outcome, version: string | null = V2) => {
    const p = promptEvents(useCase, at, mode, decision, outcome, version);
    await inference().append(`recommendation-${p.id}`, p.drafts, serviceCause(Service.Inference, randomUUID()));
    return p.id;
  };
  const report = async () => {
    const r = await unaryCall(
      engineer,
      engineer.getReport,
      charterV1.GetReportRequest.fromPartial({ useCaseId, goLiveAt: iso(GO_LIVE), to: iso(TO), idealCycleTimeSeconds: 0.4 }),
    );
    expect(r.html).toContain('the rule-based limits');
    return JSON.parse(r.reportJson) as {
      prompts: Record<string, number>;
      downtime: { avoidedByPromptsHours: number };
      savings: { currency: string; failuresAvoidedValue: number; interventionCost: number; falseAlarmCost: number; net: number };
      savingsByModelVersion: { modelVersionId: string | null; failuresAvoided: number; falseAlarms: number; net: number }[];
    };
  };
  let openId: string;

  beforeAll(async () => {
    fx = await postgresStore();
    // The historian has nothing recorded: a failure's downtime is then the cost model's 0.5 h.
    svc = await startCharter(fx.store, { historian: new MemoryHistorian() });
    engineer = svc.client(await svc.token('engineer', 'erik@plant1'));
    await unaryCall(
      engineer,
      engineer.draftUseCase,
      charterV1.DraftUseCaseRequest.fromPartial({
        useCaseId,
        useCase: {
          title: 'Predict filler nozzle clogging',
          problem: 'Filler 3 nozzles clog about twice a week.',
          scope: { enterprise: 'acme', site: 'plant1', area: 'packaging', line: 'line-1' },
          assetPaths: [FILLER],
          owner: 'erik@plant1',
          kind: 'predictive-maintenance',
          questions: { whatAreWeImproving: 'Unplanned filler stops.', whyDoesItMatter: 'Lost output.', howWillWeKnow: 'Downtime halves.' },
          stakeholders: [],
          failureModes: [{ assetType: 'filler', code: 'nozzle-clog', description: 'Residue clogs the nozzles.' }],
          requiredTags: [],
        },
      }),
    );
    await unaryCall(engineer, engineer.setCostModel, { useCaseId, costModel, expectedRevision: 0 });
    await record(useCaseId, GO_LIVE + 1 * DAY, 'production', 'done', 'event-prevented', V1);
    await record(useCaseId, GO_LIVE + 2 * DAY, 'production', 'done', 'event-prevented');
    await record(useCaseId, GO_LIVE + 3 * DAY, 'production', 'overridden', 'event-prevented');
    await record(useCaseId, GO_LIVE + 3.5 * DAY, 'production', 'done', 'no-event', null);
    await record(useCaseId, GO_LIVE + 4 * DAY, 'production', 'declined', 'event-occurred');
    openId = await record(useCaseId, GO_LIVE + 5 * DAY, 'production', 'done', null);
    // Not counted: a shadow prompt, one before go-live, another use case's.
    await record(useCaseId, GO_LIVE + 2 * DAY, 'shadow', null, 'event-prevented');
    await record(useCaseId, GO_LIVE - DAY, 'production', 'done', 'event-prevented');
    await record(randomUUID(), GO_LIVE + DAY, 'production', 'done', 'event-prevented');
  });
  afterAll(async () => {
    await svc?.close();
    await fx?.cleanup();
  });

  it('counts the recorded outcomes and values them with the cost model, as by hand', async () => {
    const r = await report();
    expect(r.prompts).toEqual({ raised: 6, accepted: 5, rejected: 1, expired: 0, failuresAvoided: 3, falseAlarms: 1, failuresOccurred: 1 });
    // By hand: a failure costs 1800 + 0.5 h × 2400 = 3000; 3 avoided, 3 inspections at 60, 1 false alarm at 35.
    expect(r.savings).toEqual({ currency: 'EUR', failuresAvoidedValue: 9000, interventionCost: 180, falseAlarmCost: 35, net: 9000 - 180 - 35 });
    expect(r.downtime.avoidedByPromptsHours).toBe(1.5);
    // Attributed to what raised the prompts: version 1 one failure, version 2 two, the rules one false alarm.
    const by = (v: string | null) => r.savingsByModelVersion.find((s) => s.modelVersionId === v);
    expect(by(V1)).toMatchObject({ failuresAvoided: 1, falseAlarms: 0, net: 3000 - 60 });
    expect(by(V2)).toMatchObject({ failuresAvoided: 2, falseAlarms: 0, net: 2 * (3000 - 60) });
    expect(by(null)).toMatchObject({ failuresAvoided: 0, falseAlarms: 1, net: -35 });
    expect(r.savingsByModelVersion.reduce((sum, s) => sum + s.net, 0)).toBe(r.savings.net);
  });

  it('shows an outcome recorded after the last report in the next one', async () => {
    const at = GO_LIVE + 5 * DAY;
    const featureWindow = { from: iso(at - 15 * 60_000), to: iso(at) };
    await inference().append(
      `recommendation-${openId}`,
      [
        outcomeDraft(openId, at, 'event-prevented', {
          useCaseId,
          assetPath: FILLER,
          modelVersionId: V2,
          source: 'model',
          featureWindow,
          explanation: [],
          traceId: null,
        }),
      ],
      serviceCause(Service.Inference, randomUUID()),
    );
    const r = await report();
    expect(r.prompts.failuresAvoided).toBe(4);
    expect(r.savings.net).toBe(4 * 3000 - 4 * 60 - 35);
    expect(r.savingsByModelVersion.find((s) => s.modelVersionId === V2)?.failuresAvoided).toBe(3);
  });
});
