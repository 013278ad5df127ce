// A rule limit on a state code is said in plain words (issue 14: the packer jam rule must not word
// the machine state code), from the demo's own use case file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UseCaseServingSpec } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { isPlainLanguage, rulePrompt } from '../../src/domain/wording.ts';

const jam = UseCaseServingSpec.parse(
  (JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../../usecases/packer-jam.json'), 'utf8')) as { serving: unknown }).serving,
);

describe('rule prompt words', () => {
  it('says the packer stopped with a fault, not a state code above a limit', () => {
    const text = rulePrompt({ assetPath: 'acme.plant-1.packaging.packing-line-1.packer-2', violations: [{ rule: jam.rules[0]! }], why: 'model-unavailable' });
    expect(text).toBe('Packer 2 (rule-based check, the prediction is not available): it has stopped with a fault.');
    expect(text).not.toMatch(/state|3\.5|limit/);
    expect(isPlainLanguage(text)).toBe(true);
  });

  it('still words a numeric limit with its value and unit', () => {
    const rule = { feature: 'bearing_temp_mean', above: 75, unit: '°C', words: 'bearing temperature', failureMode: 'bearing_failure' };
    expect(rulePrompt({ assetPath: 'acme.plant-1.utilities.cooling-water.pump-4', violations: [{ rule }], why: 'inputs-bad' })).toBe(
      'Pump 4 (rule-based check, some readings are missing): bearing temperature above its limit of 75 °C.',
    );
  });
});
