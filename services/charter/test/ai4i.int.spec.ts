// Feasibility on the shared AI4I 2020 file (read in place, never copied), through the gRPC API:
// the CSV adapter serves the catalog (5 tags) and the labelled failures, one row an hour.
import { randomUUID } from 'node:crypto';
import { charterV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AI4I_FAILURE_MODES, AI4I_TAGS, openAi4iCsv, type Ai4iHistorian } from '../src/index.ts';
import { AI4I_CSV, sqliteStore, startCharter, type Running, type StoreFixture } from './fixture.ts';

const MILL = 'ai4i.plant1.machining.line-1.mill-1';
const START = Date.parse('2024-01-01T00:00:00Z');

describe('when a predictive-maintenance use case is assessed on the AI4I 2020 data', () => {
  let fx: StoreFixture;
  let svc: Running;
  let ai4i: Ai4iHistorian;

  beforeAll(async () => {
    ai4i = await openAi4iCsv({ path: AI4I_CSV, assetPath: MILL, start: START });
    fx = await sqliteStore();
    svc = await startCharter(fx.store, { historian: ai4i, catalog: ai4i, now: () => Date.parse('2025-06-01T00:00:00Z') });
  });
  afterAll(async () => {
    await svc?.close();
    await fx?.cleanup();
  });

  it('reads the file as 10,000 rows, 339 failures and 18 mode-without-failure quirks', () => {
    expect(ai4i.rows).toBe(10_000);
    expect(ai4i.quirks).toBe(18);
  });

  it('says feasible, with its rows, failures and history span', async () => {
    const engineer = svc.client(await svc.token('engineer', 'erik@plant1'));
    const id = randomUUID();
    await unaryCall(
      engineer,
      engineer.draftUseCase,
      charterV1.DraftUseCaseRequest.fromPartial({
        useCaseId: id,
        useCase: {
          title: 'Predict milling machine failures',
          problem: 'The mill fails about 3 times in 100 hours of operation; each failure scraps the part and stops the cell.',
          scope: { enterprise: 'ai4i', site: 'plant1', area: 'machining', line: 'line-1' },
          assetPaths: [MILL],
          owner: 'erik@plant1',
          kind: 'predictive-maintenance',
          questions: { whatAreWeImproving: 'Unplanned mill failures.', whyDoesItMatter: 'Scrap and lost hours.', howWillWeKnow: 'MTBF doubles.' },
          failureModes: AI4I_FAILURE_MODES.map((m) => ({ assetType: 'mill', code: m.code, description: m.description })),
          requiredTags: AI4I_TAGS.map((t) => ({ assetPath: MILL, tag: t.tag })),
        },
      }),
    );
    await unaryCall(
      engineer,
      engineer.setObjectives,
      charterV1.SetObjectivesRequest.fromPartial({
        useCaseId: id,
        objectives: {
          statement: 'Warn before failures.',
          kpis: [
            {
              name: 'MTBF',
              unit: 'h',
              direction: 'increase',
              baseline: 29.5,
              target: 60,
              measurementWindowDays: 30,
              kind: 'mtbf-hours',
              deadline: '2025-12-31T00:00:00Z',
            },
          ],
          minModelMetrics: { recall: 0.7, precision: 0.6, pr_auc: 0.7 },
        },
      }),
    );
    await unaryCall(engineer, engineer.setCostModel, {
      useCaseId: id,
      costModel: {
        currency: 'EUR',
        falseAlarmCost: 50,
        missedEventCost: 900,
        interventionCost: 80,
        downtimeCostPerHour: 600,
        downtimeHoursPerFailure: 2,
        investment: 60_000,
        runningCostPerYear: 12_000,
        assumptions: 'One cell, one shift pattern.',
      },
    });
    const r = await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId: id }));
    const f = r.feasibility!;
    expect(f.verdict).toBe('feasible');
    expect(f.rows).toBe(10_000);
    expect(f.labelledEvents).toBe(339);
    expect(f.tagsAvailable).toBe(5);
    expect(f.dataCoverage).toBe(1);
    // 9,999 hours between the first and the last row.
    expect(f.historyFrom).toBe('2024-01-01T00:00:00.000Z');
    expect(f.historyTo).toBe(new Date(START + 9_999 * 3_600_000).toISOString());
    expect(f.historyDays).toBe(416);
    expect(f.redFlags).toEqual([]);
    // Random failures (RNF, 19 rows of which some carry no failure flag) are too few to learn.
    expect(f.risks.join(' ')).toMatch(/"random" has only \d+ labelled examples/);
    expect(f.roi?.failuresPerYear).toBeCloseTo((339 / 9_999) * 8_766, 6);
    expect(f.roi?.netValueOverHorizon).toBeGreaterThan(0);
  });
});
