// The live (one sample at a time) adaptive limits equal the batch `rollingLimits` on the same
// series — uneven spacing, missing values, a level shift — and refuse to move backwards in time.
import { describe, expect, it } from 'vitest';
import { RollingLimitsTracker, rollingLimits } from '../src/index.ts';

describe('RollingLimitsTracker', () => {
  it('gives the limits rollingLimits gives, sample by sample', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const times: number[] = [];
    const values: number[] = [];
    let t = 0;
    for (let i = 0; i < 3000; i++) {
      t += 500 + Math.floor(rnd() * 1500);
      times.push(t);
      values.push(i % 97 === 5 ? NaN : 10 + rnd() + (i > 2000 ? 4 : 0));
    }
    const o = { windowMs: 60_000, k: 4, minPoints: 12 };
    const batch = rollingLimits(times, values, o);
    const live = new RollingLimitsTracker(o);
    let outside = 0;
    for (let i = 0; i < times.length; i++) {
      const r = live.next(times[i]!, values[i]!)!;
      if (Number.isNaN(batch.lower[i]!)) expect(r.lower).toBeNaN();
      else {
        expect(r.lower).toBeCloseTo(batch.lower[i]!, 9);
        expect(r.upper).toBeCloseTo(batch.upper[i]!, 9);
      }
      expect(r.outside).toBe(batch.outside[i] === 1);
      if (r.outside) outside++;
    }
    expect(outside).toBeGreaterThan(0); // the level shift at sample 2000 is outside the limits
  });

  it('refuses a sample older than the last one and keeps its window', () => {
    const live = new RollingLimitsTracker({ windowMs: 10_000, k: 3, minPoints: 3 });
    for (let i = 0; i < 5; i++) live.next(i * 1000, 5 + (i % 2));
    expect(live.next(2500, 100)).toBeNull();
    const r = live.next(5000, 100)!;
    expect(r.points).toBe(5);
    expect(r.outside).toBe(true);
    expect(() => new RollingLimitsTracker({ windowMs: 0, k: 3 })).toThrow(/windowMs/);
  });
});
