// The AI4I mill: rules per product, determinism, and long-run failure rates against the file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AI4I_RULES, initialMillState, machineProduct, NO_EFFECTS } from '../../src/domain/mill.ts';
import type { MillParams } from '../../src/domain/mill.ts';
import { createRng } from '../../src/domain/rng.ts';
import { MILL_FAILURE_FLAGS } from '../../src/domain/tags.ts';
import type { MillFailureMode } from '../../src/domain/tags.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const AI4I_CSV = path.resolve(repoRoot, '../shared/datasets/ai4i2020/ai4i2020.csv');

function fileRates(): { rows: number; rates: Record<MillFailureMode, number> } {
  const lines = readFileSync(AI4I_CSV, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const counts = Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, 0])) as Record<MillFailureMode, number>;
  const idx = MILL_FAILURE_FLAGS.map((m) => header.indexOf(m));
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    MILL_FAILURE_FLAGS.forEach((m, i) => {
      if (cells[idx[i]!] === '1') counts[m] += 1;
    });
  }
  const rows = lines.length - 1;
  const rates = Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, counts[m] / rows])) as Record<MillFailureMode, number>;
  return { rows, rates };
}

function simulate(products: number, seed: number, params: MillParams): Record<MillFailureMode, number> {
  const rng = createRng(seed);
  const state = initialMillState(rng, params);
  const counts = Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, 0])) as Record<MillFailureMode, number>;
  for (let i = 0; i < products; i++) {
    const p = machineProduct(state, rng, params, NO_EFFECTS);
    for (const m of MILL_FAILURE_FLAGS) if (p.failures[m]) counts[m] += 1;
  }
  return Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, counts[m] / products])) as Record<MillFailureMode, number>;
}

describe('AI4I milling machine', () => {
  it('gives the same products for the same seed', () => {
    const run = () => {
      const rng = createRng(7);
      const s = initialMillState(rng);
      return Array.from({ length: 50 }, () => machineProduct(s, rng));
    };
    expect(run()).toEqual(run());
  });

  describe('over a long accelerated run (1.2 M products on three mills)', () => {
    const file = fileRates();
    // The rules say random failure 0.1 %; the file flags 0.19 %. Everything else runs on the
    // default (rule) parameters; the RNF probability is taken from the file for this check.
    const params: MillParams = { ...AI4I_RULES, randomFailureProbability: file.rates.RNF };
    const sims = [11, 22, 33].map((seed) => simulate(400_000, seed, params));
    const rates = Object.fromEntries(MILL_FAILURE_FLAGS.map((m) => [m, sims.reduce((a, s) => a + s[m], 0) / sims.length])) as Record<MillFailureMode, number>;

    it.each(MILL_FAILURE_FLAGS)('keeps the %s rate within ±20 % of the AI4I file', (mode) => {
      const ratio = rates[mode] / file.rates[mode];
      expect(ratio, `${mode}: sim ${(rates[mode] * 100).toFixed(3)} % vs file ${(file.rates[mode] * 100).toFixed(3)} %`).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
    });

    it("keeps the default random-failure rate at the rules' 0.1 %", () => {
      const r = simulate(400_000, 5, AI4I_RULES).RNF;
      expect(r).toBeGreaterThan(0.0008);
      expect(r).toBeLessThan(0.0012);
    });
  });
});
