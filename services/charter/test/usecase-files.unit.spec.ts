// The demo's use cases (usecases/*.json, loaded by the launchers through DefineServingSpec) are
// valid serving specs: each parses with the contract and passes the charter's own consistency
// checks, so a first start never fails on its data; every simulator asset kind is covered.
import { readFileSync, readdirSync } from 'node:fs';
import { UseCaseServingSpec } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { internalProblem } from '../src/domain/serving-spec.ts';

const dir = new URL('../../../usecases/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('the demo use-case data files', () => {
  it.each(files)('%s is a valid serving spec', (f) => {
    const raw = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { useCaseId: string; serving: unknown };
    const spec = UseCaseServingSpec.parse(raw.serving);
    expect(internalProblem(spec)).toBeNull();
  });

  it('cover every asset kind of the simulator and the three tasks, with distinct ids', () => {
    const all = files.map(
      (f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { useCaseId: string; serving: { assetKind: string; task: { kind: string } } },
    );
    expect(new Set(all.map((u) => u.serving.assetKind))).toEqual(new Set(['pump', 'mill', 'packer']));
    expect(new Set(all.map((u) => u.serving.task.kind))).toEqual(new Set(['classification', 'regression', 'anomaly']));
    expect(new Set(all.map((u) => u.useCaseId)).size).toBe(all.length);
  });
});
