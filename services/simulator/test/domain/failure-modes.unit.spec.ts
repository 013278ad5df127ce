// Ground truth of the failure modes: the catalogue, a random campaign with realistic development
// times, the quality-drift failure label and sensor faults that end when repaired.
import { describe, expect, it } from 'vitest';
import { FAILURE_MODES, failureModeOf, randomCampaign } from '../../src/domain/failure-modes.ts';
import type { FaultLabelled, LabelEvent } from '../../src/domain/labels.ts';
import { createPlant, type Plant } from '../../src/domain/plant.ts';
import { createRng } from '../../src/domain/rng.ts';

const START = Date.UTC(2025, 0, 6, 6, 0, 0);
const MIN = 60_000;

function run(plant: Plant, minutes: number): { labels: LabelEvent[]; values: { asset: string; tag: string; value: unknown; t: number }[] } {
  const labels: LabelEvent[] = [];
  const values: { asset: string; tag: string; value: unknown; t: number }[] = [];
  const end = plant.nowMs + minutes * MIN;
  for (let t = plant.nowMs + MIN; t <= end; t += MIN) {
    const s = plant.advance(t);
    labels.push(...s.labels);
    for (const u of s.updates) values.push({ asset: u.asset, tag: u.tag, value: u.value, t: u.timestampMs });
  }
  return { labels, values };
}

describe('failure modes', () => {
  it('classes sensor faults as data quality and every process mode as maintenance with a kind', () => {
    expect(failureModeOf('sensor_stuck')?.class).toBe('data_quality');
    expect(failureModeOf('bearing_failure')).toMatchObject({ class: 'maintenance', kind: 'predictive', fault: 'bearing_wear' });
    expect(failureModeOf('cavitation')).toMatchObject({ kind: 'predictive', fault: 'cavitation' });
    expect(failureModeOf('jam')?.kind).toBe('sudden');
    expect(failureModeOf('RNF')?.kind).toBe('random');
    // wear over hours to days, not minutes
    expect(failureModeOf('bearing_failure')!.developMinutes.min).toBeGreaterThanOrEqual(8 * 60);
    expect(failureModeOf('bearing_failure')!.developMinutes.max).toBeGreaterThanOrEqual(2 * 24 * 60);
    expect(new Set(FAILURE_MODES.map((m) => m.mode)).size).toBe(FAILURE_MODES.length);
  });

  it('draws a campaign of every kind within the realistic ranges, one maintenance fault at a time per asset', () => {
    const plant = createPlant({ seed: 3, startMs: START });
    const faults = randomCampaign(createRng(5), plant.assets, { days: 7, faultsPerAssetDay: 0.5, sensorFaultsPerAssetDay: 0.2 });
    const modes = new Set(faults.map((f) => f.mode));
    for (const m of ['bearing_failure', 'cavitation', 'jam', 'quality_drift']) expect(modes.has(m)).toBe(true);
    expect([...modes].some((m) => m.startsWith('sensor_'))).toBe(true);
    for (const f of faults) {
      const spec = failureModeOf(f.mode)!;
      expect(f.developMinutes).toBeGreaterThanOrEqual(Math.max(1, spec.developMinutes.min) - 1);
      expect(f.developMinutes).toBeLessThanOrEqual(spec.developMinutes.max);
      expect(f.startInMinutes + f.developMinutes).toBeLessThanOrEqual(7 * 24 * 60);
    }
    for (const a of plant.assets) {
      const mine = faults.filter((f) => f.asset === a.id && !f.mode.startsWith('sensor_'));
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.startInMinutes).toBeGreaterThan(mine[i - 1]!.startInMinutes + mine[i - 1]!.developMinutes);
    }
    // every request is one the plant accepts
    const r = plant.injectScenario(faults.map(({ mode: _m, endsInMinutes: _e, ...req }) => req));
    expect(r.ok).toBe(true);
  });

  it('labels a quality drift as a failure once the defect rate passes the limit, with its onset', () => {
    const plant = createPlant({ seed: 4, startMs: START });
    const r = plant.inject({ asset: 'packer-1', fault: 'quality_drift', developMinutes: 600, severity: 1 }, 'api');
    expect(r.ok).toBe(true);
    const { labels } = run(plant, 700);
    const failed = labels.filter((l): l is FaultLabelled => l.type === 'FaultLabelled' && l.fault === 'quality_drift');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.startedAt).toBe(new Date(START).toISOString());
    // half way through its development (level 0.5)
    const at = (Date.parse(failed[0]!.failureAt) - START) / MIN;
    expect(at).toBeGreaterThanOrEqual(299);
    expect(at).toBeLessThanOrEqual(301);
  });

  it('ends a repaired sensor fault: the tag reports the truth again and no label follows', () => {
    const plant = createPlant({ seed: 4, startMs: START });
    const stuck = plant.inject({ asset: 'pump-2', fault: 'sensor_stuck', tag: 'flow', severity: 1 }, 'api');
    const late = plant.inject({ asset: 'pump-2', fault: 'sensor_drift', tag: 'speed', developMinutes: 120, severity: 1 }, 'api');
    if (!stuck.ok || !late.ok) throw new Error('inject failed');
    const before = run(plant, 30);
    // stuck at the first reading after the injection: at most that one change is published
    expect(before.values.filter((v) => v.asset === 'pump-2' && v.tag === 'flow').length).toBeLessThanOrEqual(1);
    expect(plant.repair(stuck.value.fault.id)).toBe(true);
    expect(plant.repair(late.value.fault.id)).toBe(true);
    expect(plant.repair(late.value.fault.id)).toBe(false);
    const after = run(plant, 200);
    expect(after.values.filter((v) => v.asset === 'pump-2' && v.tag === 'flow').length).toBeGreaterThan(100);
    expect(after.labels.filter((l) => l.type === 'FaultLabelled' && l.fault === 'sensor_drift')).toHaveLength(0);
  });
});
