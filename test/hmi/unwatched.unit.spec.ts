// The operator's main page says "Nothing needs doing right now" only while every asset in a use
// case's scope is watched by its model; otherwise it lists the machines that are not, with the reason.
import { describe, expect, it } from 'vitest';
import type { AssetEntry } from '../../web-hmi/src/lib/server/inference.ts';
import { unwatchedOf } from '../../web-hmi/src/lib/server/unwatched.ts';

const asset = (name: string, ...states: AssetEntry['useCases'][number]['state'][]): AssetEntry => ({
  assetPath: `acme.plant-1.utilities.cooling-water.${name}`,
  assetKind: 'pump',
  name,
  area: 'utilities',
  line: 'cooling-water',
  useCases: states.map((state, i) => ({ useCaseId: `u${i}`, name: `case ${i}`, state, since: '2026-12-07T00:00:00Z', reason: `reason ${state}` })),
});

describe('assets not watched by their model', () => {
  it('lists an asset when any of its use cases is not monitored, with that use case and its reason', () => {
    const out = unwatchedOf([asset('pump-1', 'monitored'), asset('pump-2', 'monitored', 'warming_up'), asset('pump-3', 'stale_data')]);
    expect(out).toEqual([
      { assetPath: 'acme.plant-1.utilities.cooling-water.pump-2', name: 'pump-2', reason: 'case 1: reason warming_up' },
      { assetPath: 'acme.plant-1.utilities.cooling-water.pump-3', name: 'pump-3', reason: 'case 0: reason stale_data' },
    ]);
  });
  it('is empty when every asset is monitored, when an asset has no use case, and when the gateway has no asset list', () => {
    expect(unwatchedOf([asset('pump-1', 'monitored'), asset('mill-1')])).toEqual([]);
    expect(unwatchedOf(null)).toEqual([]);
  });
  it('counts manual mode and fixed limits as not watched by the model', () => {
    expect(unwatchedOf([asset('pump-1', 'manual'), asset('pump-2', 'rules')]).map((u) => u.name)).toEqual(['pump-1', 'pump-2']);
  });
});
