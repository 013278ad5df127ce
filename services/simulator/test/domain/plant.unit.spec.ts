// The plant as a whole: determinism, fault isolation, ground-truth labels, validation.
import { describe, expect, it } from 'vitest';
import { createPlant } from '../../src/domain/plant.ts';
import type { Plant, TagUpdate } from '../../src/domain/plant.ts';
import type { LabelEvent } from '../../src/domain/labels.ts';
import { parseReplayCsv } from '../../src/domain/replay.ts';
import { createPlantClock } from '../../src/domain/clock.ts';

const START = Date.UTC(2025, 0, 6, 6, 0, 0);
const MIN = 60_000;

/** advances in 10 Hz ticks at ×1000 (100 s plant per tick) */
function run(plant: Plant, minutes: number, stepMs = 100_000): { updates: TagUpdate[]; labels: LabelEvent[] } {
  const updates: TagUpdate[] = [];
  const labels: LabelEvent[] = [];
  const end = plant.nowMs + minutes * MIN;
  for (let t = plant.nowMs + stepMs; t <= end; t += stepMs) {
    const s = plant.advance(t);
    updates.push(...s.updates);
    labels.push(...s.labels);
  }
  return { updates, labels };
}

const last = (updates: TagUpdate[], asset: string, tag: string): TagUpdate | undefined => updates.filter((u) => u.asset === asset && u.tag === tag).at(-1);

describe('the plant', () => {
  it('lays assets out along the ISA-95 levels with UNS paths', () => {
    const plant = createPlant({ seed: 1, startMs: START });
    expect(plant.assets.map((a) => a.id)).toEqual(['pump-1', 'pump-2', 'pump-3', 'pump-4', 'mill-1', 'mill-2', 'mill-3', 'packer-1', 'packer-2']);
    expect(plant.asset('pump-4')?.path).toBe('acme/plant-1/utilities/cooling-water/pump-4');
  });

  describe('given the same seed', () => {
    it('produces the same values', () => {
      const a = run(createPlant({ seed: 42, startMs: START }), 600);
      const b = run(createPlant({ seed: 42, startMs: START }), 600);
      expect(a.updates.length).toBeGreaterThan(1000);
      expect(a).toEqual(b);
    });
    it('and a different seed produces different values', () => {
      const a = run(createPlant({ seed: 42, startMs: START }), 60);
      const b = run(createPlant({ seed: 43, startMs: START }), 60);
      expect(a.updates).not.toEqual(b.updates);
    });
  });

  describe('when bearing wear is injected on pump-4', () => {
    const baseline = createPlant({ seed: 9, startMs: START });
    const faulty = createPlant({ seed: 9, startMs: START });
    const r = faulty.inject({ asset: 'pump-4', fault: 'bearing_wear', severity: 1, developMinutes: 20 }, 'api');
    const base = run(baseline, 120);
    const hit = run(faulty, 120);

    it("changes only pump-4's tags", () => {
      const other = (u: TagUpdate) => u.asset !== 'pump-4';
      expect(hit.updates.filter(other)).toEqual(base.updates.filter(other));
      expect(last(hit.updates, 'pump-4', 'vibration_rms')!.value).toBeGreaterThan(7.1);
      expect(last(base.updates, 'pump-4', 'vibration_rms')!.value).toBeLessThan(4);
      expect(last(hit.updates, 'pump-4', 'bearing_temperature')!.value as number).toBeGreaterThan(
        last(base.updates, 'pump-4', 'bearing_temperature')!.value as number,
      );
    });

    it('emits FaultInjected, then FaultLabelled with the failure time', () => {
      expect(r.ok && r.value.label).toMatchObject({
        type: 'FaultInjected',
        fault: 'bearing_wear',
        asset: 'pump-4',
        path: 'acme/plant-1/utilities/cooling-water/pump-4',
      });
      const failed = hit.labels.find((l) => l.type === 'FaultLabelled' && l.asset === 'pump-4');
      expect(failed).toMatchObject({ type: 'FaultLabelled', fault: 'bearing_failure', cause: 'injected', faultId: r.ok ? r.value.fault.id : '' });
      const failureAt = Date.parse((failed as { failureAt: string }).failureAt);
      expect(failureAt).toBeGreaterThan(START);
      expect(failureAt).toBeLessThanOrEqual(START + 25 * MIN);
    });
  });

  describe('when a heat-dissipation fault develops on mill-2', () => {
    it('labels HDF failures against the injected fault', () => {
      const plant = createPlant({ seed: 3, startMs: START });
      const r = plant.inject({ asset: 'mill-2', fault: 'heat_dissipation', severity: 1, developMinutes: 30 }, 'api');
      const { labels } = run(plant, 600);
      const hdf = labels.filter((l) => l.type === 'FaultLabelled' && l.fault === 'HDF' && l.asset === 'mill-2' && l.cause === 'injected');
      expect(hdf.length).toBeGreaterThan(3);
      expect(hdf[0]).toMatchObject({ faultId: r.ok ? r.value.fault.id : '' });
    });
  });

  describe('when a tool-wear fault is injected on mill-1', () => {
    it('ends in a tool wear failure and a fresh tool', () => {
      const plant = createPlant({ seed: 4, startMs: START });
      plant.inject({ asset: 'mill-1', fault: 'tool_wear_failure', severity: 1, developMinutes: 10 }, 'api');
      const { labels, updates } = run(plant, 300);
      expect(labels.some((l) => l.type === 'FaultLabelled' && l.fault === 'TWF' && l.cause === 'injected')).toBe(true);
      const wear = updates.filter((u) => u.asset === 'mill-1' && u.tag === 'tool_wear').map((u) => u.value as number);
      expect(wear).toContain(0);
    });
  });

  describe('sensor faults', () => {
    it('dropout marks the tag Bad and leaves the others Good', () => {
      const plant = createPlant({ seed: 5, startMs: START });
      const r = plant.inject({ asset: 'pump-2', fault: 'sensor_dropout:flow' }, 'api');
      expect(r.ok).toBe(true);
      const { updates, labels } = run(plant, 10);
      expect(last(updates, 'pump-2', 'flow')!.quality).toBe('bad');
      expect(last(updates, 'pump-2', 'speed')!.quality).toBe('good');
      expect(labels).toContainEqual(expect.objectContaining({ type: 'FaultLabelled', fault: 'sensor_dropout', tag: 'flow' }));
    });
    it('stuck freezes the value', () => {
      const plant = createPlant({ seed: 5, startMs: START });
      plant.inject({ asset: 'pump-1', fault: 'sensor_stuck', tag: 'discharge_pressure' }, 'api');
      const { updates } = run(plant, 30);
      expect(updates.filter((u) => u.asset === 'pump-1' && u.tag === 'discharge_pressure').length).toBeLessThanOrEqual(1);
      expect(updates.filter((u) => u.asset === 'pump-1' && u.tag === 'flow').length).toBeGreaterThan(10);
    });
    it('drift moves the reading by up to 10 % of the span', () => {
      const a = createPlant({ seed: 6, startMs: START });
      const b = createPlant({ seed: 6, startMs: START });
      b.inject({ asset: 'pump-3', fault: 'sensor_drift:bearing_temperature', developMinutes: 30 }, 'api');
      const ua = run(a, 60).updates;
      const ub = run(b, 60).updates;
      const d = (last(ub, 'pump-3', 'bearing_temperature')!.value as number) - (last(ua, 'pump-3', 'bearing_temperature')!.value as number);
      expect(d).toBeCloseTo(12, 5);
    });
  });

  describe('the packaging line', () => {
    it('counts good and bad packs and the times OEE needs', () => {
      const plant = createPlant({ seed: 8, startMs: START });
      run(plant, 8 * 60);
      const snap = plant.snapshot().filter((u) => u.asset === 'packer-1');
      const v = Object.fromEntries(snap.map((u) => [u.tag, u.value])) as Record<string, number>;
      const total = v.good_count! + v.bad_count!;
      const availability = v.run_time! / v.planned_production_time!;
      const performance = (v.ideal_cycle_time! * total) / v.run_time!;
      const quality = v.good_count! / total;
      expect(availability).toBeGreaterThan(0.6);
      expect(availability).toBeLessThanOrEqual(1);
      expect(performance).toBeGreaterThan(0.85);
      expect(performance).toBeLessThanOrEqual(1);
      expect(quality).toBeGreaterThan(0.95);
    });
  });

  describe('given bad fault requests', () => {
    const plant = createPlant({ seed: 1, startMs: START });
    it.each([
      [{ asset: 'pump-9', fault: 'bearing_wear' }, 'asset'],
      [{ asset: 'pump-1', fault: 'melt' }, 'fault'],
      [{ asset: 'pump-1', fault: 'tool_wear_failure' }, 'fault'],
      [{ asset: 'pump-1', fault: 'bearing_wear', severity: 2 }, 'severity'],
      [{ asset: 'pump-1', fault: 'bearing_wear', developMinutes: -1 }, 'developMinutes'],
      [{ asset: 'pump-1', fault: 'bearing_wear', startInMinutes: 'soon' }, 'startInMinutes'],
      [{ asset: 'pump-1', fault: 'sensor_stuck' }, 'tag'],
      [{ asset: 'pump-1', fault: 'sensor_stuck:nope' }, 'tag'],
      [null, 'body'],
    ])('rejects %j naming %s', (input, field) => {
      const r = plant.inject(input, 'api');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.field).toBe(field);
    });
    it('rejects a malformed scenario naming the entry and field', () => {
      const r = plant.injectScenario([
        { asset: 'pump-1', fault: 'cavitation' },
        { asset: 'mill-1', fault: 'heat_dissipation', severity: -1 },
      ]);
      expect(r).toMatchObject({ ok: false, error: { field: 'faults[1].severity' } });
      expect(plant.faults()).toHaveLength(0);
    });
    it('schedules a valid scenario', () => {
      const r = plant.injectScenario({ faults: [{ asset: 'pump-1', fault: 'cavitation', startInMinutes: 60, developMinutes: 10 }] });
      expect(r.ok).toBe(true);
      expect(plant.faults('pump-1')[0]?.startMs).toBe(START + 60 * MIN);
    });
  });

  describe('in replay mode', () => {
    it("plays CSV rows as one mill's tags and labels their failures", () => {
      const csv = [
        'UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF',
        '1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0',
        '2,L47181,L,298.2,308.7,1408,46.3,3,1,0,1,0,0,0',
      ].join('\r\n');
      const parsed = parseReplayCsv(csv);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const plant = createPlant({ seed: 1, startMs: START, replay: { asset: 'mill-3', products: parsed.value } });
      const first = plant.snapshot().filter((u) => u.asset === 'mill-3');
      expect(first).toContainEqual(expect.objectContaining({ tag: 'product_id', value: 'M14860' }));
      const { updates, labels } = run(plant, 3, 60_000);
      expect(last(updates, 'mill-3', 'product_id')?.value).toBe('L47181');
      expect(labels).toContainEqual(expect.objectContaining({ asset: 'mill-3', fault: 'HDF', cause: 'replay' }));
    });
  });
});

describe('the plant clock', () => {
  it('runs plant time at the acceleration factor', () => {
    const c = createPlantClock({ startMs: START, acceleration: 60 });
    expect(c.advance(1000)).toBe(START + 60_000);
  });
  it('refuses a factor outside 1..1000', () => {
    expect(() => createPlantClock({ startMs: 0, acceleration: 1001 })).toThrow(RangeError);
  });
});
