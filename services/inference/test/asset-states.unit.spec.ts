// Every asset of the catalog with its monitoring state (issue 14, items 6 and 7), as GET
// /api/v1/assets serves it: from the batches taken in (live or replayed from the historian), the
// scored windows, the projection's asset modes and the drift monitor's pause.
import { defineWindowSpec } from '@industrial/ml';
import { describe, expect, it } from 'vitest';
import type { UseCaseSpec } from '../src/domain/usecase.ts';
import { createAssetStates } from '../src/features/asset-states.ts';
import type { ModelHost } from '../src/features/models.ts';
import { createMonitor } from '../src/features/monitoring.ts';
import { createProjection } from '../src/features/projection.ts';
import { observedReplay } from '../src/features/warmup.ts';
import { sampleBatch } from './pump-data.ts';

const E = 'acme.plant-1';
const PUMP_1 = `${E}.utilities.cooling-water.pump-1`;
const PUMP_2 = `${E}.utilities.cooling-water.pump-2`;
const PUMP_3 = `${E}.utilities.cooling-water.pump-3`;
const MILL_1 = `${E}.machining.milling-line-1.mill-1`;
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0);

const spec = {
  useCaseId: 'uc-pump',
  name: 'Pump bearing failure',
  assetKind: 'pump',
  scope: { pathPrefix: '', assetPrefix: 'pump-' },
  staleMs: 5 * MIN,
  ruleWindow: defineWindowSpec({
    version: '1.0.0',
    windowMinutes: 30,
    gridMinutes: 1,
    features: [{ name: 'bt', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean' }],
  }),
  rules: [{ feature: 'bt', above: 75, unit: '°C', what: 'bearing temperature', words: 'bearing temperature' }],
} as unknown as UseCaseSpec;

const noModels = { slotsFor: (useCaseId: string) => ({ key: useCaseId, production: null, shadow: null }) } as unknown as ModelHost;

function setup() {
  let wall = T0;
  const projection = createProjection();
  const monitor = createMonitor();
  const catalog = [PUMP_1, PUMP_2, PUMP_3, MILL_1].map((assetPath) => {
    const t = assetPath.split('.');
    return { assetPath, area: t[2]!, line: t[3]!, name: t[4]!, tags: ['bearing_temperature'] };
  });
  const states = createAssetStates({
    useCases: () => [spec],
    models: noModels,
    projection,
    pauseState: (k) => monitor.pauseState(k),
    owns: () => true,
    catalog: { assets: async () => catalog },
    now: () => wall,
  });
  states.started(T0);
  const feed = (assetPath: string, fromMin: number, toMin: number) => {
    for (let m = fromMin; m <= toMin; m++) states.observe(sampleBatch(assetPath, { tMs: T0 + m * MIN, values: { bearing_temperature: 50 } }), wall);
  };
  return { states, projection, feed, setWall: (ms: number) => (wall = ms) };
}

describe('asset states', () => {
  it('lists every catalog asset, with no use case where none is in scope', async () => {
    const { states } = setup();
    const { assets } = await states.list();
    expect(assets.map((a) => a.assetPath)).toEqual([MILL_1, PUMP_1, PUMP_2, PUMP_3]);
    const mill = assets.find((a) => a.assetPath === MILL_1)!;
    expect(mill).toMatchObject({ assetKind: 'mill', name: 'mill-1', area: 'machining', line: 'milling-line-1', useCases: [] });
    const pump = assets.find((a) => a.assetPath === PUMP_2)!;
    expect(pump.assetKind).toBe('pump');
    expect(pump.useCases).toEqual([
      {
        useCaseId: 'uc-pump',
        name: 'Pump bearing failure',
        state: 'warming_up',
        since: new Date(T0).toISOString(),
        reason: 'Waiting for the first readings of this asset.',
      },
    ]);
  });

  it('tells warming up, rules, stale and manual apart, each with its reason and since', async () => {
    const { states, projection, feed, setWall } = setup();
    // a window replayed from the historian (through the observed replay source) counts at once
    const replay = observedReplay(
      {
        replay: async (_subject, _start, onBatch) => {
          for (let m = 0; m <= 40; m++) onBatch(sampleBatch(PUMP_1, { tMs: T0 + m * MIN, values: { bearing_temperature: 50 } }));
          return 41;
        },
      },
      states,
      () => T0,
    );
    const warmed: unknown[] = [];
    expect(await replay.replay('uns.v1.acme.plant-1.utilities.cooling-water.pump-1', T0, (b) => warmed.push(b))).toBe(41);
    expect(warmed).toHaveLength(41);
    feed(PUMP_2, 0, 10);
    feed(PUMP_3, 0, 40);
    // the state changes when the window is scored, and is stamped then — not when the list is next read
    setWall(T0 + 2 * MIN);
    states.scored({ useCaseId: 'uc-pump', assetPath: PUMP_1, source: 'rules', score: null, alarm: false, fromMs: T0, toMs: T0 + 40 * MIN, latencyMs: 0 });
    setWall(T0 + 3 * MIN);
    projection.apply({
      id: 'e1',
      type: 'AssetModeChanged',
      stream: `asset-${PUMP_3}`,
      revision: 1,
      position: 1,
      data: { path: PUMP_3, from: 'auto', to: 'maintenance', reason: 'seal change', changedAt: new Date(T0).toISOString(), scope: 'asset' },
      metadata: { actor: 'olga', recordedAt: new Date(T0).toISOString() },
    } as never);
    const byPath = async () => new Map((await states.list()).assets.map((a) => [a.assetPath, a.useCases[0]!] as const));
    let s = await byPath();
    expect(s.get(PUMP_1)).toMatchObject({ state: 'rules', since: new Date(T0 + 2 * MIN).toISOString() });
    expect(s.get(PUMP_1)!.reason).toBe('No approved model for this use case yet. Only the fixed limits are checked (bearing temperature above 75 °C).');
    expect(s.get(PUMP_2)).toMatchObject({ state: 'warming_up', reason: 'Collecting readings: watching starts in about 19 plant min.' });
    expect(s.get(PUMP_3)).toMatchObject({ state: 'manual' });
    // readings stop: stale after the use case's stale time, since the moment it changed
    setWall(T0 + 10 * MIN);
    s = await byPath();
    expect(s.get(PUMP_1)).toMatchObject({ state: 'stale_data', since: new Date(T0 + 10 * MIN).toISOString() });
    expect(s.get(PUMP_1)!.reason).toBe('No fresh readings for 10 min: it is not being watched until data returns.');
  });

  it('shows a sensor fault as stale data with the plain notice, and watched again (here by the limits) once it is gone', async () => {
    const { states, feed, setWall } = setup();
    setWall(T0 + 40 * MIN);
    feed(PUMP_1, 0, 40);
    const words = 'The bearing temperature sensor reports bad readings: prompts for this asset are held until it reads again.';
    states.scored({
      useCaseId: 'uc-pump',
      assetPath: PUMP_1,
      source: 'rules',
      score: null,
      alarm: false,
      fromMs: T0,
      toMs: T0 + 40 * MIN,
      latencyMs: 0,
      dataQuality: words,
    });
    const held = (await states.list()).assets.find((a) => a.assetPath === PUMP_1)!.useCases[0]!;
    expect(held).toMatchObject({ state: 'stale_data', reason: words });
    states.scored({
      useCaseId: 'uc-pump',
      assetPath: PUMP_1,
      source: 'rules',
      score: 0,
      alarm: false,
      fromMs: T0,
      toMs: T0 + 41 * MIN,
      latencyMs: 0,
      dataQuality: null,
    });
    expect((await states.list()).assets.find((a) => a.assetPath === PUMP_1)!.useCases[0]!.state).toBe('rules');
  });
});
