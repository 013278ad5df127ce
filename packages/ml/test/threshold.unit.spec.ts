// The threshold pick on small validation sets: a flat stretch of the cost or F1 curve, or a single
// positive, must not put the threshold at the edge of what the validation set can tell apart.
import { describe, expect, it } from 'vitest';
import { costReport } from '../src/index.ts';
import { chooseThreshold, pickThreshold, thresholdNote } from '../src/threshold.ts';

const windowCost = { missedFailure: 5000, falseAlarm: 150, inspection: 80 };

/** Rows as [score, label] pairs → the two arrays pickThreshold reads. */
function rows(pairs: readonly (readonly [number, 0 | 1])[]): { y: number[]; s: number[] } {
  return { y: pairs.map((p) => p[1]), s: pairs.map((p) => p[0]) };
}

describe('pickThreshold on a small validation set', () => {
  // 12 failures the model scores high, one it scores among the healthy rows (0.06), three healthy
  // rows between (0.3, 0.5, 0.7) and 100 healthy rows low (0.0005–0.05)
  const lonePositive = rows([
    ...Array.from({ length: 12 }, (_, k) => [0.9 + 0.008 * k, 1] as const),
    [0.7, 0],
    [0.5, 0],
    [0.3, 0],
    [0.06, 1],
    ...Array.from({ length: 100 }, (_, k) => [0.0005 * (k + 1), 0] as const),
  ]);

  it('does not let a single positive drag the threshold down to the healthy rows', () => {
    // The validation optimum flags everything down to the lone positive (0.055, next to 0.05 and
    // 0.06); without that one row it would sit above 0.7. Both are within one standard error: the
    // middle of that plateau is between 0.5 and 0.3.
    const c = chooseThreshold(lonePositive.y, lonePositive.s, { kind: 'cost', cost: windowCost });
    expect(c.basis).toBe('plateau');
    expect(c.positives).toBe(13);
    expect(c.threshold).toBeCloseTo(0.4, 12);
    expect(c.plateau.high).toBeCloseTo(0.9, 12);
    expect(c.plateau.low).toBeCloseTo(0.0495, 12); // the second highest of the low healthy rows
    // the price on the validation part: the one low positive missed, the healthy row at 0.3 no longer flagged
    expect(c.value - c.best).toBe(5000 - 80 - (150 + 80));
    expect(costReport(lonePositive.y, lonePositive.s, c.threshold, windowCost).cost).toBe(c.value);
  });

  it('puts an exactly flat stretch of the cost curve at its middle, not its top', () => {
    // a caught failure saves 101 − 1, two false alarms cost 2 × (49 + 1): each tied group of one
    // failure and two healthy rows leaves the cost where it was (305 from 0.9 down to 0.2)
    const cost = { missedFailure: 101, falseAlarm: 49, inspection: 1 };
    const flat = rows([
      [0.95, 1],
      [0.9, 1],
      [0.6, 1],
      [0.6, 0],
      [0.6, 0],
      [0.4, 1],
      [0.4, 0],
      [0.4, 0],
      [0.2, 1],
      [0.2, 0],
      [0.2, 0],
      [0.1, 0],
      [0.05, 0],
    ]);
    const c = chooseThreshold(flat.y, flat.s, { kind: 'cost', cost });
    // 5 positives: too few for a plateau from standard errors, but an exact tie is a tie
    expect(c.basis).toBe('few-positives');
    expect(c.best).toBe(305);
    expect(c.value).toBe(305);
    expect(c.threshold).toBe(0.5); // the middle of 0.9 … 0.1, midway between 0.6 and 0.4 (the top of the tie: 0.75)
    expect(c.plateau).toEqual({ low: 0.1, high: 0.9, points: 4 });
  });

  it('puts a flat stretch of the F1 curve at its middle', () => {
    // 4 positives: F1 = 2tp / (tp + fp + 4) is 2/3 after the two top ones (tp 2, fp 0), and stays 2/3
    // after each tied group of one positive and two healthy rows (tp 3, fp 2; tp 4, fp 4)
    const flat = rows([
      [0.9, 1],
      [0.8, 1],
      [0.5, 1],
      [0.5, 0],
      [0.5, 0],
      [0.4, 1],
      [0.4, 0],
      [0.4, 0],
      [0.2, 0],
      [0.1, 0],
    ]);
    const c = chooseThreshold(flat.y, flat.s, { kind: 'max-f1' });
    expect(c.best).toBeCloseTo(2 / 3, 12);
    expect(c.value).toBeCloseTo(2 / 3, 12);
    expect(c.plateau).toEqual({ low: 0.2, high: 0.8, points: 3 });
    expect(c.threshold).toBeCloseTo(0.45, 12); // the middle of 0.8 … 0.2 is 0.5: midway between 0.5 and 0.4 (the top of the tie: 0.65)
  });

  it('keeps a clear optimum where it was, midway between the adjacent scores', () => {
    // 10 positives from 0.95 to 0.86, 50 healthy rows from 0.4 down, nothing in between
    const clear = rows([
      ...Array.from({ length: 10 }, (_, k) => [0.95 - 0.01 * k, 1] as const),
      ...Array.from({ length: 50 }, (_, k) => [0.4 - 0.005 * k, 0] as const),
    ]);
    const c = chooseThreshold(clear.y, clear.s, { kind: 'cost', cost: windowCost });
    expect(c.basis).toBe('plateau'); // one healthy row more flagged is within one standard error …
    expect(c.threshold).toBeCloseTo(0.63, 12); // … and the middle of 0.86 … 0.395 is still in the gap: midway 0.86 / 0.4
    expect(c.value).toBe(c.best);
    expect(pickThreshold(clear.y, clear.s, { kind: 'max-f1' })).toBeCloseTo(0.63, 12);
  });

  it('raises no alarm without a positive, and takes the optimum as is with few positives', () => {
    const none = chooseThreshold([0, 0, 0], [0.2, 0.5, 0.1], { kind: 'max-f1' });
    expect(none.basis).toBe('no-positives');
    expect(none.threshold).toBeGreaterThan(0.5);
    const few = chooseThreshold([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7], { kind: 'max-f1' });
    expect(few).toMatchObject({ basis: 'few-positives', positives: 3, threshold: 0.275 });
    expect(thresholdNote(few)).toMatch(/only 3 validation positives \(fewer than 10\)/);
  });

  it('with a tolerance of 0, and enough positives, is the plain optimum (exact ties to their middle)', () => {
    const c = chooseThreshold(lonePositive.y, lonePositive.s, { kind: 'cost', cost: windowCost }, { tolerance: 0 });
    expect(c.basis).toBe('optimum');
    expect(c.threshold).toBeCloseTo(0.055, 12);
  });
});
