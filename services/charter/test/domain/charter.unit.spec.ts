// The use-case decider (given events / when command / then events or refusal), the cost of a
// decision, the action lookup and feasibility with ROI.
import { eventExamples, exampleAssetPath, exampleIds } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { actionFor, formatDeadline, promptFor } from '../../src/domain/actions.ts';
import { costOf, expectedCost, type CostModel } from '../../src/domain/costs.ts';
import { assessFeasibility, DEFAULT_THRESHOLDS, type FeasibilityFacts } from '../../src/domain/feasibility.ts';
import { lineKpis, stateTotals } from '../../src/domain/kpi.ts';
import { managementReport, type PromptOutcome } from '../../src/domain/report.ts';
import { decide, fold, type CharterCommand, type CharterEvent, type Refusal } from '../../src/domain/usecase.ts';

const NOW = Date.parse('2025-03-01T08:00:00Z');
const drafted: CharterEvent = { type: 'UseCaseDrafted', data: eventExamples.UseCaseDrafted };
const { useCaseId: _, ...costModel } = eventExamples.CostModelSet;
const cost: CostModel = costModel;

function refusal(given: CharterEvent[], command: CharterCommand): Refusal {
  const d = decide(command, fold(given));
  if (d.ok) throw new Error(`expected a refusal, got ${d.events.map((e) => e.type).join(', ')}`);
  return d.refusal;
}

const objectives = (kpi: Partial<(typeof eventExamples.ObjectiveSet.kpis)[number]>): CharterCommand => ({
  type: 'SetObjectives',
  data: { statement: 'Fewer stops', kpis: [{ ...eventExamples.ObjectiveSet.kpis[0]!, ...kpi }], minModelMetrics: { recall: 0.8 } },
  now: NOW,
});

describe('when bad input reaches the use case', () => {
  it('refuses a target on the wrong side of its baseline, naming the field', () => {
    const r = refusal([drafted], objectives({ direction: 'decrease', baseline: 2.1, target: 3 }));
    expect(r).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['kpis', 0, 'target'] });
    expect(r.reason).toMatch(/below the baseline 2.1/);
  });

  it('refuses a deadline in the past', () => {
    expect(refusal([drafted], objectives({ deadline: '2025-02-01T00:00:00Z' }))).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['kpis', 0, 'deadline'] });
  });

  it('refuses a negative cost', () => {
    expect(refusal([drafted], { type: 'SetCostModel', data: { ...cost, investment: -5 } })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      path: ['costModel', 'investment'],
    });
  });

  it('refuses an action for a failure mode the use case does not declare', () => {
    const { useCaseId: _u, ...action } = eventExamples.ActionCatalogued;
    const r = refusal([drafted], { type: 'CatalogueAction', data: { ...action, failureMode: 'bearing-wear' } });
    expect(r).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['failureMode'] });
    expect(r.reason).toMatch(/unknown failure mode "bearing-wear".*nozzle-clog/);
  });

  it('refuses a scope naming assets the catalog does not know', () => {
    const r = refusal([], { type: 'DraftUseCase', data: eventExamples.UseCaseDrafted, knownAssets: ['acme.plant1.packaging.line-1.capper-1'] });
    expect(r).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['assetPaths', 0] });
  });

  it('refuses assets outside the scope', () => {
    const data = { ...eventExamples.UseCaseDrafted, assetPaths: ['acme.plant2.packaging.line-1.filler-3'], requiredTags: [] };
    expect(refusal([], { type: 'DraftUseCase', data, knownAssets: null })).toMatchObject({ code: 'INVALID_ARGUMENT', path: ['assetPaths', 0] });
  });

  it('refuses approval by the owner and before feasibility', () => {
    const given: CharterEvent[] = [
      drafted,
      { type: 'ObjectiveSet', data: eventExamples.ObjectiveSet },
      { type: 'CostModelSet', data: eventExamples.CostModelSet },
    ];
    expect(refusal(given, { type: 'ApproveUseCase', approver: 'qa@plant1', now: NOW })).toMatchObject({ code: 'FAILED_PRECONDITION' });
    const assessed: CharterEvent = { type: 'FeasibilityAssessed', data: eventExamples.FeasibilityAssessed };
    expect(refusal([...given, assessed], { type: 'ApproveUseCase', approver: eventExamples.UseCaseDrafted.owner, now: NOW })).toMatchObject({
      code: 'FOUR_EYES_VIOLATION',
    });
    const ok = decide({ type: 'ApproveUseCase', approver: 'qa@plant1', now: NOW }, fold([...given, assessed]));
    expect(ok).toMatchObject({ ok: true, events: [{ type: 'UseCaseApproved', data: { useCaseId: exampleIds.useCase } }] });
  });
});

describe('the cost of a decision', () => {
  it('prices each cell of the confusion matrix from the cost model', () => {
    expect(costOf(cost, { alarm: true, failureFollowed: true })).toBe(60);
    expect(costOf(cost, { alarm: true, failureFollowed: false })).toBe(35);
    // 1800 + 0.67 h × 2400/h
    expect(costOf(cost, { alarm: false, failureFollowed: true })).toBeCloseTo(3408, 6);
    expect(costOf(cost, { alarm: false, failureFollowed: true, downtimeHours: 2 })).toBe(6600);
    expect(costOf(cost, { alarm: false, failureFollowed: false })).toBe(0);
    expect(expectedCost(cost, { truePositives: 2, falsePositives: 10, falseNegatives: 1, trueNegatives: 500 })).toBeCloseTo(120 + 350 + 3408, 6);
  });

  it("values the report's savings with the serving spec's cost model when the charter has none of its own", () => {
    const state = fold([drafted, { type: 'UseCaseServingSpecDefined', data: eventExamples.UseCaseServingSpecDefined }]);
    const line = lineKpis(stateTotals({ t: new Float64Array(0), state: new Uint8Array(0) }, 0, 1), { total: 0, good: 0, scrap: null, energyKwh: null }, 1);
    const prompt = (outcome: PromptOutcome['outcome']): PromptOutcome => ({
      recommendationId: 'r',
      at: 0,
      assetPath: exampleAssetPath,
      decision: 'accepted',
      outcome,
    });
    const outcomes = [prompt('failure-avoided'), prompt('failure-avoided'), prompt('false-alarm')];
    const r = managementReport({ state, goLiveAt: 0, to: 1, before: line, since: line, outcomes, timeZone: 'UTC', generatedAt: 0 });
    // The spec's model: a failure 2400 (no downtime hours named), an inspection 60, a false alarm 60.
    expect(r.savings).toEqual({ currency: 'EUR', failuresAvoidedValue: 4800, interventionCost: 120, falseAlarmCost: 60, net: 4620 });
  });
});

describe('the action catalogue', () => {
  const base = { instructions: 'Stop, lock out, check the bearing temperature and play.', requiresManualMode: true };
  const actions = [
    { ...base, actionId: 'a1', assetType: 'pump', failureMode: 'bearing-wear', label: 'Inspect the pump bearing', maxResponseMinutes: 60 },
    { ...base, actionId: 'a2', assetType: 'pump', failureMode: 'cavitation', label: 'Open the suction valve fully', maxResponseMinutes: 15 },
  ];
  it('finds the action for an asset type and failure mode and words the prompt', () => {
    const a = actionFor(actions, 'pump', 'bearing-wear');
    expect(a?.actionId).toBe('a1');
    expect(promptFor(a!)).toBe('Inspect the pump bearing within 1 hour');
    expect(actionFor(actions, 'pump', 'seal-leak')).toBeUndefined();
    expect(formatDeadline(90)).toBe('1 hour 30 minutes');
    expect(formatDeadline(2880)).toBe('2 days');
  });
});

describe('feasibility', () => {
  const DAY = 86_400_000;
  const good = { firstAt: NOW - 400 * DAY, lastAt: NOW, samples: 34_560_000, goodRatio: 0.99 };
  const facts = (over: Partial<FeasibilityFacts> = {}): FeasibilityFacts => ({
    tags: [{ assetPath: exampleAssetPath, tag: 'nozzle_pressure', inCatalog: true, history: good }],
    tagsAvailable: 12,
    labelledFailures: 80,
    failuresByMode: { 'nozzle-clog': 80 },
    ...over,
  });
  const input = {
    useCaseId: exampleIds.useCase,
    thresholds: DEFAULT_THRESHOLDS,
    minModelMetrics: { recall: 0.7, precision: 0.5 },
    declaredFailureModes: ['nozzle-clog'],
    now: NOW,
  };

  it('says not feasible, and why, when a needed tag has no history', () => {
    const f = assessFeasibility({
      ...input,
      costModel: cost,
      facts: facts({ tags: [...facts().tags, { assetPath: exampleAssetPath, tag: 'nozzle_temperature', inCatalog: true, history: null }] }),
    });
    expect(f.verdict).toBe('not-feasible');
    expect(f.missingTags).toEqual([`${exampleAssetPath}/nozzle_temperature`]);
    expect(f.redFlags.join(' ')).toMatch(/"nozzle_temperature" .* has no history/);
  });

  it('flags an ROI below the investment', () => {
    // 80 failures in 400 days = 73/year; at recall 0.7 / precision 0.5 each caught failure saves 3408 − 60.
    const feasible = assessFeasibility({ ...input, costModel: cost, facts: facts() });
    expect(feasible.verdict).toBe('feasible');
    expect(feasible.redFlags).toEqual([]);
    expect(feasible.roi?.paybackMonths).toBeGreaterThan(0);
    const dear = assessFeasibility({ ...input, costModel: { ...cost, investment: 5_000_000 }, facts: facts() });
    expect(dear.roi?.netValueOverHorizon).toBeLessThan(0);
    expect(dear.verdict).toBe('feasible-with-conditions');
    expect(dear.redFlags.join(' ')).toMatch(/less than the investment of 5,000,000 EUR: it does not pay back/);
  });

  it('says not feasible with too few labelled failures', () => {
    const f = assessFeasibility({ ...input, costModel: cost, facts: facts({ labelledFailures: 4, failuresByMode: { 'nozzle-clog': 4 } }) });
    expect(f.verdict).toBe('not-feasible');
    expect(f.redFlags.join(' ')).toMatch(/Only 4 labelled failures/);
  });
});
