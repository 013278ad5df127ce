// The prompt bench's scorer on a hand-made plant: recall per mode (before the failure for modes
// with a precursor, within 2 plant-min for sudden ones), lead time, detection delay, false prompts
// per asset-day (a prompt on a developing fault is not false; one during a sensor fault is counted
// apart), right action, peak prompts per operator-hour and the priority shares.
import { describe, expect, it } from 'vitest';
import { quantile, scorePrompts, type PromptEvent, type ScoreInput } from '../scripts/bench-prompts/score.ts';

const MIN = 60_000;
const H = 60 * MIN;
const T = Date.UTC(2026, 0, 5);
let n = 0;
const prompt = (asset: string, mode: string, atMin: number, o: Partial<PromptEvent> = {}): PromptEvent => ({
  recommendationId: `r${++n}`,
  asset,
  operator: asset.startsWith('pump') ? 'utilities' : 'packaging',
  mode,
  atMs: T + atMin * MIN,
  update: 0,
  priority: 'medium',
  ...o,
});

const base: Omit<ScoreInput, 'failures' | 'prompts'> = {
  plantDays: 2,
  assetKinds: 2,
  assets: 4,
  operators: 2,
  modes: [
    { mode: 'bearing_failure', kind: 'predictive' },
    { mode: 'cavitation', kind: 'predictive' },
    { mode: 'jam', kind: 'sudden' },
    { mode: 'RNF', kind: 'random' },
  ],
  developing: [],
  sensorFaults: [],
};

describe('prompt bench scorer', () => {
  it('counts recall, lead, detection delay, false prompts and right actions exactly', () => {
    const failures: ScoreInput['failures'] = [
      // detected 90 min ahead (prompt at 510, failure at 600), right action
      { asset: 'pump-1', mode: 'bearing_failure', kind: 'predictive', onsetMs: T + 100 * MIN, failureMs: T + 600 * MIN },
      // detected 30 min ahead by a bearing prompt: wrong action
      { asset: 'pump-2', mode: 'cavitation', kind: 'predictive', onsetMs: T + 200 * MIN, failureMs: T + 400 * MIN },
      // missed: its only prompt came 5 min after the failure (late, not false)
      { asset: 'pump-3', mode: 'bearing_failure', kind: 'predictive', onsetMs: T + 300 * MIN, failureMs: T + 900 * MIN },
      // jams: one prompted 1 min after, one 3 min after (missed, and that prompt is false)
      { asset: 'packer-1', mode: 'jam', kind: 'sudden', onsetMs: T + 1000 * MIN, failureMs: T + 1000 * MIN },
      { asset: 'packer-1', mode: 'jam', kind: 'sudden', onsetMs: T + 2000 * MIN, failureMs: T + 2000 * MIN },
      // random by design: reported, left out of recall_min
      { asset: 'packer-1', mode: 'RNF', kind: 'random', onsetMs: null, failureMs: T + 2500 * MIN },
    ];
    const prompts = [
      prompt('pump-1', 'bearing_failure', 510, { priority: 'high' }),
      prompt('pump-1', 'bearing_failure', 540, { recommendationId: 'r1', update: 1 }),
      prompt('pump-2', 'bearing_failure', 370),
      prompt('pump-3', 'bearing_failure', 901),
      // a use case names the mode in lower case (`JAM` here stands for any label's spelling)
      prompt('packer-1', 'JAM', 1001, { priority: 'low' }),
      prompt('packer-1', 'jam', 2003),
      // false: healthy pump-4, twice in one hour of the utilities operator
      prompt('pump-4', 'bearing_failure', 3000, { priority: 'critical' }),
      prompt('pump-4', 'bearing_failure', 3010),
    ];
    const { result, detail } = scorePrompts({ ...base, failures, prompts });
    const mode = (m: string) => result.failure_modes.find((x) => x.mode === m)!;
    expect(mode('bearing_failure')).toEqual({
      mode: 'bearing_failure',
      kind: 'predictive',
      failures: 2,
      recall: 0.5,
      median_lead_min: 90,
      detect_p95_min: null,
    });
    expect(mode('cavitation')).toEqual({ mode: 'cavitation', kind: 'predictive', failures: 1, recall: 1, median_lead_min: 30, detect_p95_min: null });
    expect(mode('jam')).toEqual({ mode: 'jam', kind: 'sudden', failures: 2, recall: 0.5, median_lead_min: null, detect_p95_min: 1 });
    expect(mode('RNF')).toMatchObject({ kind: 'random', failures: 1, recall: 0 });
    expect(result.recall_min).toBe(0.5);
    expect(result.median_lead_min).toBe(60);
    expect(result.sudden_detect_p95_min).toBe(1);
    // distinct prompts 7; false: the jam prompt 3 min late and the two on pump-4 → 3 / (4 assets × 2 days)
    expect(detail).toMatchObject({ prompts: 7, false_prompts: 3, detected: 3, failures: 6 });
    expect(result.false_per_asset_day).toBe(0.375);
    // 3 detected, 2 with the failure's own mode (case aside)
    expect(result.right_action).toBe(0.667);
    expect(result.peak_prompts_per_operator_hour).toBe(2);
    expect(result.priority_share).toEqual({ high: 0.286, medium: 0.571, low: 0.143 });
    expect(Object.keys(result)).toEqual([
      'bench',
      'plant_days',
      'asset_kinds',
      'failure_modes',
      'recall_min',
      'median_lead_min',
      'sudden_detect_p95_min',
      'false_per_asset_day',
      'right_action',
      'peak_prompts_per_operator_hour',
      'priority_share',
    ]);
  });

  it('does not count a prompt on a developing fault as false, and counts sensor-fault prompts apart', () => {
    const prompts = [prompt('pump-1', 'bearing_failure', 100), prompt('pump-2', 'bearing_failure', 200)];
    const { detail, result } = scorePrompts({
      ...base,
      failures: [],
      prompts,
      developing: [{ asset: 'pump-1', fromMs: T + 50 * MIN, toMs: T + 2 * 24 * H }],
      sensorFaults: [{ asset: 'pump-2', fromMs: T + 150 * MIN, toMs: T + 180 * MIN }],
    });
    expect(detail).toMatchObject({ false_prompts: 1, sensor_fault_prompts: 1 });
    expect(result.recall_min).toBeNull();
    expect(result.failure_modes.every((m) => m.failures === 0 && m.recall === null)).toBe(true);
  });

  it('counts an emergent predictive failure as detected by a prompt within the 2 h lookback', () => {
    const { result } = scorePrompts({
      ...base,
      failures: [
        { asset: 'pump-1', mode: 'bearing_failure', kind: 'predictive', onsetMs: null, failureMs: T + 10 * H },
        { asset: 'pump-2', mode: 'bearing_failure', kind: 'predictive', onsetMs: null, failureMs: T + 10 * H },
      ],
      prompts: [prompt('pump-1', 'bearing_failure', 9 * 60), prompt('pump-2', 'bearing_failure', 7 * 60)],
    });
    expect(result.failure_modes[0]).toMatchObject({ failures: 2, recall: 0.5, median_lead_min: 60 });
  });

  it('does not let a standing prompt of another mode detect every failure meanwhile; a renewed prompt of the same mode does', () => {
    const standing = prompt('packer-1', 'quality_drift', 100);
    const { result } = scorePrompts({
      ...base,
      modes: [
        { mode: 'jam', kind: 'sudden' },
        { mode: 'quality_drift', kind: 'predictive' },
      ],
      failures: [
        { asset: 'packer-1', mode: 'jam', kind: 'sudden', onsetMs: T + 200 * MIN, failureMs: T + 200 * MIN },
        { asset: 'packer-1', mode: 'quality_drift', kind: 'predictive', onsetMs: T + 150 * MIN, failureMs: T + 300 * MIN },
      ],
      prompts: [
        standing,
        prompt('packer-1', 'quality_drift', 201, { recommendationId: standing.recommendationId, update: 3 }),
        prompt('packer-1', 'quality_drift', 250, { recommendationId: standing.recommendationId, update: 4 }),
      ],
    });
    expect(result.failure_modes.find((m) => m.mode === 'jam')!.recall).toBe(0);
    expect(result.failure_modes.find((m) => m.mode === 'quality_drift')).toMatchObject({ recall: 1, median_lead_min: 99 });
  });

  it('interpolates quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.95)).toBe(5);
    expect(quantile([], 0.5)).toBeNull();
  });
});
