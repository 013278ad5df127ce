// The gates before production (domain/gates.ts) as tables: each gate passing and failing with its
// numbers, every failing gate in one refusal, the policy merge with the charter, and the definition
// rules (a metric the task does not produce, the wrong direction).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GATE_SETTINGS,
  evaluateGates,
  expectedSavingsPer1000,
  gateDefinitionProblems,
  gatePolicy,
  gateRefusal,
  type GateEvidence,
  type GatePolicy,
} from '../../src/domain/gates.ts';

const COST = { currency: 'EUR', failure: 10_000, inspection: 200, falseAlarm: 300, source: 'charter' };
const STRESS = {
  metric: 'pr_auc',
  baseline: 0.8,
  noise: [
    { sigma: 0.05, value: 0.79, drop: 0.01 },
    { sigma: 0.2, value: 0.7, drop: 0.1 },
  ],
  dropped: [
    { sensor: 'vibration', value: 0.5, drop: 0.3 },
    { sensor: 'temperature', value: 0.78, drop: 0.02 },
  ],
};
const evidence = (over: Partial<GateEvidence> = {}): GateEvidence => ({
  task: 'classification',
  candidate: { version: 2, metrics: { recall: 0.8, precision: 0.6, rows: 1000, tp: 40, fp: 20 }, snapshotHash: 'a'.repeat(64) },
  production: null,
  stress: STRESS,
  snapshot: { rowCount: 5000, labelCount: 40, contentHash: 'a'.repeat(64) },
  shadow: { windows: 600, agreeing: 570, reference: 'production' },
  costModel: COST,
  ...over,
});
const policy = (over: Partial<GatePolicy> = {}): GatePolicy => ({ ...gatePolicy(null, null), ...over });

describe('each gate', () => {
  it.each<[string, Partial<GatePolicy>, Partial<GateEvidence>, boolean, RegExp]>([
    ['min metric met', { minMetrics: { recall: 0.7 } }, {}, true, /recall 0\.800 on the test part, gate ≥ 0\.700/],
    ['min metric missed', { minMetrics: { recall: 0.85 } }, {}, false, /recall 0\.800 on the test part, gate ≥ 0\.850/],
    ['min metric not produced', { minMetrics: { f1: 0.5 } }, {}, false, /f1: not produced by this classification model/],
    [
      'max metric met',
      { maxMetrics: { rmse: 40 } },
      { task: 'regression', candidate: { version: 1, metrics: { rmse: 30 }, snapshotHash: '' } },
      true,
      /rmse 30 .* ≤ 40/,
    ],
    [
      'max metric missed',
      { maxMetrics: { rmse: 20 } },
      { task: 'regression', candidate: { version: 1, metrics: { rmse: 30 }, snapshotHash: '' } },
      false,
      /rmse 30 .* ≤ 20/,
    ],
    ['noise within', { maxNoiseDrop: 0.15 }, {}, true, /pr_auc drops 0\.100 \(0\.800 → 0\.700\) under noise σ = 0\.2 × std, limit 0\.150/],
    ['noise over', { maxNoiseDrop: 0.05 }, {}, false, /drops 0\.100 .* limit 0\.050/],
    ['dropout over names the sensor', { maxDropoutDrop: 0.1 }, {}, false, /vibration 0\.300 \(0\.800 → 0\.500\)/],
    ['dropout within', { maxDropoutDrop: 0.5 }, {}, true, /at most 0\.300 \(vibration dropped\), limit 0\.500/],
    ['stress unreadable', { maxNoiseDrop: 0.1 }, { stress: { unavailable: 'model card gone' } }, false, /stress results unavailable \(model card gone\)/],
    ['snapshot enough', { snapshot: { minRows: 1000, minLabels: 20 } }, {}, true, /5000 rows and 40 labels/],
    ['snapshot too few labels', { snapshot: { minRows: 1000, minLabels: 50 } }, {}, false, /40 labels, gate ≥ 1000 rows and ≥ 50 labels/],
    ['snapshot not recorded', { snapshot: { minRows: 1, minLabels: 1 } }, { snapshot: null }, false, /not recorded in the event store/],
    [
      'snapshot of other bytes',
      { snapshot: { minRows: 1, minLabels: 1 } },
      { snapshot: { rowCount: 9, labelCount: 9, contentHash: 'b'.repeat(64) } },
      false,
      /differs from the registered/,
    ],
    [
      'shadow long enough and agreeing',
      { shadow: { minWindows: 500, minAgreement: 0.9 } },
      {},
      true,
      /600 shadow windows \(gate ≥ 500\), agreement with production 0\.950/,
    ],
    ['shadow too short', { shadow: { minWindows: 1000, minAgreement: 0.9 } }, {}, false, /600 shadow windows \(gate ≥ 1000\)/],
    [
      'shadow disagrees with the rules',
      { shadow: { minWindows: 100, minAgreement: 0.9 } },
      { shadow: { windows: 200, agreeing: 100, reference: 'rules' } },
      false,
      /agreement with the rules 0\.500 \(gate ≥ 0\.900\)/,
    ],
    ['no shadow at all', { shadow: { minWindows: 100, minAgreement: 0.9 } }, { shadow: null }, false, /no shadow windows recorded/],
    [
      'savings at least production',
      {},
      { production: { version: 1, metrics: { rows: 1000, tp: 30, fp: 20 } } },
      true,
      /expected savings 382000 EUR per 1000 windows vs production \(version 1\) 284000 EUR/,
    ],
    ['savings below production', {}, { production: { version: 1, metrics: { rows: 500, tp: 30, fp: 0 } } }, false, /vs production \(version 1\) 588000/],
  ])('%s', (_name, p, e, passed, detail) => {
    const results = evaluateGates(policy(p), evidence(e));
    expect(results).toHaveLength(1);
    expect(results[0]!.passed).toBe(passed);
    expect(results[0]!.detail).toMatch(detail);
  });

  it('checks nothing it was not asked to: no gates, no production to compare, no cost model', () => {
    expect(evaluateGates(policy(), evidence())).toEqual([]);
    expect(evaluateGates(policy(), evidence({ production: { version: 1, metrics: { rows: 10, tp: 1, fp: 0 } }, costModel: null }))).toEqual([]);
    // A regressor has no confusion counts: savings cannot be compared.
    expect(
      evaluateGates(
        policy(),
        evidence({ candidate: { version: 2, metrics: { rmse: 3 }, snapshotHash: '' }, production: { version: 1, metrics: { rmse: 4 } } }),
      ),
    ).toEqual([]);
  });
});

describe('a refusal', () => {
  it('lists every failing gate with its numbers, and none that passed', () => {
    const p = policy({ minMetrics: { recall: 0.9, precision: 0.5 }, maxNoiseDrop: 0.05, shadow: { minWindows: 1000, minAgreement: 0.9 } });
    const results = evaluateGates(p, evidence());
    expect(results.map((r) => [r.gate, r.passed])).toEqual([
      ['min-metric', true],
      ['min-metric', false],
      ['stress-noise', false],
      ['shadow-period', false],
    ]);
    const text = gateRefusal(2, results)!;
    expect(text).toMatch(/^model version 2 fails 3 gates for production: /);
    expect(text).toContain('[min-metric] recall 0.800 on the test part, gate ≥ 0.900');
    expect(text).toContain('[stress-noise] pr_auc drops 0.100');
    expect(text).toContain('[shadow-period] 600 shadow windows (gate ≥ 1000)');
    expect(text).not.toContain('precision');
    expect(
      gateRefusal(
        2,
        results.filter((r) => r.passed),
      ),
    ).toBeNull();
  });
});

describe('the policy', () => {
  it('takes the charter minimum metrics and the stricter of two minimums', () => {
    const p = gatePolicy({ ...DEFAULT_GATE_SETTINGS, minMetrics: { recall: 0.6, f1: 0.5 } }, { recall: 0.7, precision: 0.5 });
    expect(p.minMetrics).toEqual({ recall: 0.7, precision: 0.5, f1: 0.5 });
    expect(gatePolicy(null, null)).toMatchObject({ minMetrics: {}, shadow: null, savingsAtLeastProduction: true, minLiveOutcomes: 10 });
  });

  it('values savings as tp × (failure − inspection) − fp × (inspection + false alarm) per 1000 windows', () => {
    expect(expectedSavingsPer1000({ rows: 2000, tp: 10, fp: 5 }, COST)).toBeCloseTo((1000 * (10 * 9800 - 5 * 500)) / 2000);
    expect(expectedSavingsPer1000({ rmse: 1 }, COST)).toBeNull();
  });
});

describe('a gate definition', () => {
  it.each<[string, string, Partial<typeof DEFAULT_GATE_SETTINGS>, string[], RegExp[]]>([
    ['classification metrics', 'classification', { minMetrics: { recall: 0.7, pr_auc: 0.6 }, maxMetrics: { brier: 0.2 } }, [], []],
    ['rmse on a classifier', 'classification', { maxMetrics: { rmse: 3 } }, [], [/maxMetrics\.rmse: the classification task does not produce "rmse"/]],
    [
      'recall on a regressor',
      'regression',
      { minMetrics: { recall: 0.7 } },
      [],
      [/minMetrics\.recall: the regression task does not produce "recall" \(it produces rmse, mae\)/],
    ],
    ['rmse as a minimum', 'regression', { minMetrics: { rmse: 3 } }, [], [/"rmse" is lower-is-better; give it under maxMetrics/]],
    ['a metric a registered version carries', 'visual-inspection', { minMetrics: { board_recall: 0.9 } }, ['board_recall'], []],
    [
      'two problems at once',
      'classification',
      { minMetrics: { accuracy: 0.9 }, maxMetrics: { recall: 0.1 } },
      [],
      [/minMetrics\.accuracy: .*does not produce/, /maxMetrics\.recall: "recall" is higher-is-better/],
    ],
  ])('%s', (_name, task, settings, carried, problems) => {
    const found = gateDefinitionProblems({ ...DEFAULT_GATE_SETTINGS, ...settings }, task, carried);
    expect(found).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(found[i]).toMatch(p));
  });
});
