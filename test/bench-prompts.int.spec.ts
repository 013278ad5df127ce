// The prompt bench, shortened to half a plant-day: the real plant and the product's inference in
// process (a model for every use case from the training service's recipe, cached under
// .data/bench-prompts, promoted through governance's gRPC API), scored against
// the simulator's labels. Asserts the final line's shape (exactly the keys) and that the
// ground truth reached the scorer (every asset kind, failures labelled with their modes and times).
import { describe, expect, it } from 'vitest';
import { runBench } from '../scripts/bench-prompts/run.ts';
import { scorePrompts } from '../scripts/bench-prompts/score.ts';

describe('bench:prompts, half a plant-day', () => {
  it('scores the prompts of the real pipeline against the labels, as one JSON line with the issue’s keys', async () => {
    const out = await runBench({ days: 0.5, seed: 3 });
    const { result, detail } = scorePrompts(out.score);
    const line = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
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
    expect(result).toMatchObject({ bench: 'prompts', plant_days: 0.5, asset_kinds: 3 });
    expect(Object.keys(result.priority_share)).toEqual(['high', 'medium', 'low']);
    // every maintenance mode of the three asset kinds is reported, the random one as random
    expect(result.failure_modes.map((m) => m.mode).sort()).toEqual(
      ['HDF', 'OSF', 'PWF', 'RNF', 'TWF', 'bearing_failure', 'cavitation', 'jam', 'quality_drift'].sort(),
    );
    expect(result.failure_modes.find((m) => m.mode === 'RNF')!.kind).toBe('random');
    for (const m of result.failure_modes) {
      expect(Object.keys(m)).toEqual(['mode', 'kind', 'failures', 'recall', 'median_lead_min', 'detect_p95_min']);
      if (m.failures === 0) expect(m.recall).toBeNull();
      else expect(m.recall).toBeGreaterThanOrEqual(0);
    }
    // the labels reached the scorer: failures in plant time within the run, onsets before failures
    expect(detail.failures).toBe(out.score.failures.length);
    expect(result.failure_modes.reduce((a, m) => a + m.failures, 0)).toBe(out.score.failures.length);
    expect(out.score.failures.length).toBeGreaterThan(0);
    for (const f of out.score.failures) if (f.onsetMs !== null) expect(f.onsetMs).toBeLessThanOrEqual(f.failureMs);
    // every use case is served with a model trained by the recipe and promoted through governance
    expect(out.useCases.length).toBeGreaterThanOrEqual(10);
    expect(out.useCases.filter((u) => !u.model)).toEqual([]);
    expect(detail.prompts).toBe(new Set(out.score.prompts.map((p) => p.recommendationId)).size);
  }, 600_000);
});
