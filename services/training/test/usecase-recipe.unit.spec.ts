// The demo use cases' recipe (issue 14): a model's inputs are what its use case's evidence and rule
// window read (so inference's load check passes and prompts can word their evidence), the cache key
// follows what the model depends on and not the words, and the target follows the task.
import { readFileSync, readdirSync } from 'node:fs';
import { UseCaseServingSpec, type UseCaseServingSpecData } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { modelSpecHash } from '../src/recipes/demo-models.ts';
import { labelOf, plantKindOf, targetNameOf, useCaseWindowSpec } from '../src/recipes/usecase-recipe.ts';

const dir = new URL('../../../usecases/', import.meta.url);
const specs: UseCaseServingSpecData[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => UseCaseServingSpec.parse((JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { serving: unknown }).serving));
const byName = (n: string) => specs.find((s) => s.name === n)!;

describe('the use-case recipe', () => {
  it.each(specs.map((s) => [s.name, s] as const))('%s: the model computes every (tag, statistic) its evidence and rule window read', (_n, spec) => {
    const w = useCaseWindowSpec(spec, 5);
    const has = new Set(w.features.map((f) => `${f.tag}/${f.statistic}`));
    for (const e of spec.evidence) expect(has).toContain(`${e.tag}/${e.statistic}`);
    for (const f of spec.ruleWindow.features) expect(has).toContain(`${f.tag}/${f.statistic}`);
    expect(w.windowMinutes).toBe(spec.windowMinutes);
    expect(new Set(w.features.map((f) => f.name)).size).toBe(w.features.length);
    expect(() => plantKindOf(spec.assetKind)).not.toThrow();
  });

  it('names the target after the task, with the horizon inference reads back', () => {
    expect(targetNameOf(byName('Pump bearing failure'))).toBe('bearing_failure_within_120min');
    expect(targetNameOf(byName('Pump bearing remaining life'))).toBe('rul_hours');
    expect(targetNameOf(byName('Pump running unlike normal'))).toBe('unusual_operation_anomaly');
    expect(labelOf(byName('Mill tool wear failure'))).toBe('TWF');
  });

  it('keys the cache on what the model depends on, not on the words of an action', () => {
    const s = byName('Packer jam');
    const reworded = { ...s, failureModes: s.failureModes.map((m) => ({ ...m, action: { ...m.action, text: 'clear it now' } })) };
    expect(modelSpecHash(reworded)).toBe(modelSpecHash(s));
    expect(modelSpecHash({ ...s, windowMinutes: s.windowMinutes + 10 })).not.toBe(modelSpecHash(s));
    expect(modelSpecHash({ ...s, task: { ...s.task, horizonMinutes: 10 } as typeof s.task })).not.toBe(modelSpecHash(s));
  });
});
