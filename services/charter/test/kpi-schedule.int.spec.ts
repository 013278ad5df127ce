// The charter closes the loop, on PostgreSQL: an approved use case's KPIs are measured on a
// schedule in plant time (the historian's newest sample, far from the wall clock), each period
// recorded once as KpiMeasured through the kernel; inference's recorded outcomes give the realised
// savings; the management report (JSON and HTML) carries the trends — each KPI against its target
// over time and the savings accumulated since go-live — as inline SVG charts with one point per
// measurement and per counted outcome.
import { randomUUID } from 'node:crypto';
import { Service, type EventData } from '@industrial/contracts';
import { charterV1, unaryCall } from '@industrial/grpc';
import { createKernel, serviceCause, type Draft } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesFromIntervals } from '../src/domain/kpi.ts';
import { MemoryHistorian } from './memory-historian.ts';
import { postgresStore, startCharter, type Running, type StoreFixture } from './fixture.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const GO_LIVE = Date.parse('2025-06-01T00:00:00Z');
const WALL = Date.parse('2026-12-07T12:00:00Z');
const FILLER = 'acme.plant1.packaging.line-1.filler-3';
const iso = (ms: number) => new Date(ms).toISOString();
const MODEL = randomUUID();

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

/** Two weeks around go-live: 8 h of breakdowns a week before, 2 h after; a year of labelled failures. */
function plant(): MemoryHistorian {
  const h = new MemoryHistorian();
  h.addTag(
    { assetPath: FILLER, tag: 'nozzle_pressure', unit: 'bar' },
    { firstAt: GO_LIVE - 365 * DAY, lastAt: GO_LIVE, samples: 31_536_000, goodRatio: 0.998 },
  );
  h.addFailures(Array.from({ length: 120 }, (_, i) => ({ assetPath: FILLER, at: GO_LIVE - 360 * DAY + i * 3 * DAY, mode: 'nozzle-clog' })));
  const intervals: { at: number; state: 'running' | 'unplanned-stop' }[] = [];
  for (let d = -7; d < 7; d++) {
    const start = GO_LIVE + d * DAY;
    const stopHours = d < 0 ? 8 / 7 : 2 / 7;
    intervals.push(
      { at: start, state: 'running' },
      { at: start + 12 * HOUR, state: 'unplanned-stop' },
      { at: start + (12 + stopHours) * HOUR, state: 'running' },
    );
  }
  h.setStates(FILLER, seriesFromIntervals(intervals));
  return h;
}

function outcomeDrafts(useCaseId: string, at: number, outcome: EventData<'OutcomeRecorded'>['outcome']): { id: string; drafts: Draft[] } {
  const id = randomUUID();
  const actionId = randomUUID();
  const featureWindow = { from: iso(at - 15 * 60_000), to: iso(at) };
  const modelVersionId = randomUUID();
  const context = { useCaseId, assetPath: FILLER, modelVersionId, source: 'model' as const, featureWindow, explanation: [], traceId: null };
  return {
    id,
    drafts: [
      {
        type: 'RecommendationRaised',
        data: {
          recommendationId: id,
          useCaseId,
          modelVersionId,
          source: 'model',
          assetPath: FILLER,
          actionId,
          message: 'Nozzle pressure rising: clean the nozzle bank.',
          urgency: 'soon',
          priority: 'high',
          actBy: iso(at + HOUR),
          score: 0.8,
          threshold: 0.5,
          explanation: [],
          evidence: [],
          imputed: [],
          featureWindow,
          mode: 'production',
          update: 0,
          traceId: null,
          expiresAt: iso(at + 2 * HOUR),
        },
      },
      { type: 'RecommendationAccepted', data: { recommendationId: id, actionId, doneAt: iso(at + 600_000), context } },
      {
        type: 'OutcomeRecorded',
        data: { recommendationId: id, outcome, observedAt: iso(at + DAY), costImpact: null, label: outcome === 'no-event' ? 'normal' : 'nozzle-clog', context },
      },
    ],
  };
}

describe('KPIs on a schedule in plant time and the report trends (PostgreSQL)', () => {
  let fx: StoreFixture;
  let svc: Running;
  let engineer: charterV1.CharterServiceClient;
  const historian = plant();
  const useCaseId = randomUUID();
  let kpiId: string;
  const kpiEvents = async () => (await fx.store.readStream(`usecase-${useCaseId}`)).filter((e) => e.type === 'KpiMeasured');

  beforeAll(async () => {
    fx = await postgresStore();
    svc = await startCharter(
      fx.store,
      { historian, catalog: historian, now: () => WALL },
      // a look an hour apart on the wall clock: the test looks itself
      { kpiSchedule: { schedule: { text: 'every 1d', everyMs: DAY, clock: 'plant' }, checkEveryMs: HOUR, idealCycleTimeSeconds: 0 } },
    );
    engineer = svc.client(await svc.token('engineer', 'erik@plant1'));
    const lead = svc.client(await svc.token('quality_lead', 'qa@plant1'));
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
          requiredTags: [{ assetPath: FILLER, tag: 'nozzle_pressure' }],
        },
      }),
    );
    const objectives = await unaryCall(
      engineer,
      engineer.setObjectives,
      charterV1.SetObjectivesRequest.fromPartial({
        useCaseId,
        expectedRevision: 0,
        objectives: {
          statement: 'Cut unplanned filler downtime.',
          kpis: [
            charterV1.Kpi.fromPartial({
              name: 'Unplanned downtime',
              unit: 'h',
              direction: 'decrease',
              baseline: 1.2,
              target: 0.4,
              measurementWindowDays: 1,
              kind: 'unplanned-downtime-hours',
              deadline: '2027-09-30T00:00:00Z',
            }),
          ],
          minModelMetrics: { recall: 0.7 },
        },
      }),
    );
    kpiId = objectives.kpis[0]!.kpiId;
    await unaryCall(engineer, engineer.setCostModel, { useCaseId, costModel, expectedRevision: 1 });
    await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId }));
    await unaryCall(lead, lead.approveUseCase, charterV1.ApproveUseCaseRequest.fromPartial({ useCaseId }));
    // What operators recorded since go-live: two failures avoided, one false alarm.
    const inference = createKernel({ service: Service.Inference, store: fx.store });
    for (const [at, outcome] of [
      [GO_LIVE + 1.5 * DAY, 'event-prevented'],
      [GO_LIVE + 2.5 * DAY, 'no-event'],
      [GO_LIVE + 3.5 * DAY, 'event-prevented'],
    ] as const) {
      const p = outcomeDrafts(useCaseId, at, outcome);
      await inference.append(`recommendation-${p.id}`, p.drafts, serviceCause(Service.Inference, randomUUID()));
    }
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
    await fx?.cleanup();
  });

  it('measures the latest whole plant day first, then every day since as plant time moves, each once', async () => {
    const scheduler = svc.app.kpiScheduler!;
    expect(scheduler).not.toBeNull();
    historian.setLatest(FILLER, GO_LIVE - 3 * DAY + 5 * HOUR);
    const first = await scheduler.check();
    // no model in production yet: the rules serve
    expect(first).toEqual([{ useCaseId, periodStart: iso(GO_LIVE - 4 * DAY), periodEnd: iso(GO_LIVE - 3 * DAY), recorded: 1, modelVersionId: null }]);
    expect(await scheduler.check()).toEqual([]);
    // governance promotes a model for the whole use case; later measurements are attributed to it
    const governance = createKernel({ service: Service.Governance, store: fx.store });
    await governance.append(
      `model-${useCaseId}`,
      [
        {
          type: 'ModelPromoted',
          data: { useCaseId, modelVersionId: MODEL, stage: 'production', approvalRequestId: randomUUID(), previousModelVersionId: null },
        },
      ],
      serviceCause(Service.Governance, randomUUID()),
    );
    historian.setLatest(FILLER, GO_LIVE + 4 * DAY + HOUR);
    const later = await scheduler.check();
    expect(later.map((m) => m.periodEnd)).toEqual(Array.from({ length: 7 }, (_, i) => iso(GO_LIVE - 2 * DAY + i * DAY)));
    expect(later.every((m) => m.modelVersionId === MODEL && m.recorded === 1)).toBe(true);
    expect(await scheduler.check()).toEqual([]);
    const events = await kpiEvents();
    expect(events).toHaveLength(8);
    expect(events.map((e) => (e.data as { modelVersionId: string | null }).modelVersionId)).toEqual([null, ...Array<string>(7).fill(MODEL)]);
    for (const e of events) {
      const d = e.data as { kpiId: string; value: number; source: string; periodStart: string; periodEnd: string };
      expect(d).toMatchObject({ kpiId, source: 'computed' });
      // by hand: 8 h of breakdowns a week before go-live, 2 h a week after, one stop a day
      expect(d.value).toBeCloseTo(Date.parse(d.periodStart) < GO_LIVE ? 8 / 7 : 2 / 7, 6);
      expect(e.metadata.actor).toBe('svc:charter');
    }
  });

  it('reports each KPI against its target over time and the realised savings since go-live, as JSON and inline SVG', async () => {
    const r = await unaryCall(
      engineer,
      engineer.getReport,
      charterV1.GetReportRequest.fromPartial({ useCaseId, goLiveAt: iso(GO_LIVE), to: iso(GO_LIVE + 7 * DAY), idealCycleTimeSeconds: 0 }),
    );
    const report = JSON.parse(r.reportJson) as {
      savings: { net: number };
      trends: {
        kpis: { kpiId: string; target: number; baseline: number; points: { periodEnd: string; value: number }[] }[];
        savings: { currency: string; points: { at: string; net: number }[] };
      };
    };
    const trend = report.trends.kpis.find((k) => k.kpiId === kpiId)!;
    expect(trend).toMatchObject({ target: 0.4, baseline: 1.2 });
    expect(trend.points.map((p) => p.periodEnd)).toEqual(Array.from({ length: 8 }, (_, i) => iso(GO_LIVE - 3 * DAY + i * DAY)));
    // by hand: a failure costs 1800 + (MTTR before go-live 8/7 h) × 2400; each avoided one less a 60 inspection; a false alarm 35
    const avoided = 1800 + (8 / 7) * 2400 - 60;
    const expected = [0, avoided, avoided - 35, 2 * avoided - 35].map((x) => Math.round(x * 100) / 100);
    expect(report.trends.savings.points.map((p) => p.net)).toEqual(expected);
    expect(report.trends.savings.points.map((p) => p.at)).toEqual([iso(GO_LIVE), iso(GO_LIVE + 1.5 * DAY), iso(GO_LIVE + 2.5 * DAY), iso(GO_LIVE + 3.5 * DAY)]);
    expect(report.trends.savings.points.at(-1)!.net).toBeCloseTo(report.savings.net, 2);

    const chart = (id: string) => {
      const m = new RegExp(`<svg[^>]*data-chart="${id}"[\\s\\S]*?</svg>`).exec(r.html);
      expect(m, `chart ${id}`).not.toBeNull();
      return m![0];
    };
    const kpiChart = chart(`kpi-${kpiId}`);
    expect(kpiChart.match(/<circle class="point"/g)).toHaveLength(8);
    expect(kpiChart).toMatch(/<line class="target"/);
    expect(kpiChart).toContain('Unplanned downtime against target');
    expect(chart('savings').match(/<circle class="point"/g)).toHaveLength(4);
    expect(r.html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
