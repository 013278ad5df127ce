// Sensor faults are a data-quality notice, not a maintenance prompt (issue 14, item 3): the
// simulator's own sensor faults (dropout, stuck, spikes) on a pump are found by the checks scoring
// runs before a window is scored; a healthy pump and a developing bearing fault are not flagged.
import { createPlant } from '@industrial/simulator';
import { describe, expect, it } from 'vitest';
import { dataQualityIssue, lowerQuantile } from '../../src/domain/data-quality.ts';
import { monitoringState, type MonitoringFacts } from '../../src/domain/monitoring-state.ts';
import { AssetWindow } from '../../src/domain/window.ts';

const MIN = 60_000;
const START = Date.UTC(2026, 0, 5, 8, 0);
const TAGS = ['bearing_temperature', 'vibration_rms', 'motor_current', 'flow', 'discharge_pressure'];

type Issue = ReturnType<typeof dataQualityIssue>;

/** Runs pump-1 for two hours, `fault` injected after one: the issue found before it, the first after it, and the minutes held after it. */
function run(fault: Record<string, unknown> | null): { before: Issue; after: Issue; heldMinutes: number } {
  const plant = createPlant({ seed: 7, startMs: START, layout: { enterprise: 'acme', site: 'plant-1', pumps: 1, mills: 0, packagers: 0 } });
  const window = new AssetWindow(60 * MIN);
  const feed = (updates: readonly { asset: string; tag: string; value: unknown; quality: string; timestampMs: number }[]) => {
    for (const u of updates) if (u.asset === 'pump-1' && typeof u.value === 'number') window.add(u.tag, u.timestampMs, u.value, u.quality === 'good');
    window.prune();
  };
  feed(plant.snapshot());
  let before: Issue = null,
    after: Issue = null,
    heldMinutes = 0;
  for (let m = 1; m <= 120; m++) {
    if (m === 60 && fault !== null) expect(plant.inject({ asset: 'pump-1', ...fault }, 'api').ok).toBe(true);
    feed(plant.advance(plant.nowMs + MIN).updates);
    const issue = dataQualityIssue(window, TAGS, plant.nowMs);
    if (m < 60) before ??= issue;
    else {
      after ??= issue;
      if (issue !== null) heldMinutes++;
    }
  }
  return { before, after, heldMinutes };
}

describe('data quality before scoring', () => {
  it('flags nothing on a healthy pump, nor on a developing bearing fault', () => {
    expect(run(null)).toEqual({ before: null, after: null, heldMinutes: 0 });
    expect(run({ fault: 'bearing_wear', developMinutes: 40, severity: 1 }).heldMinutes).toBe(0);
  });

  it('finds the simulator’s sensor dropout, stuck sensor and spikes, in plain words, and holds the asset while they last', () => {
    const dropout = run({ fault: 'sensor_dropout', tag: 'vibration_rms', severity: 1 });
    expect(dropout.before).toBeNull();
    expect(dropout.after).toMatchObject({ kind: 'dropout', tag: 'vibration_rms' });
    expect(dropout.after!.words).toMatch(/vibration rms sensor reports bad readings/);
    expect(dropout.heldMinutes).toBeGreaterThanOrEqual(59);
    const stuck = run({ fault: 'sensor_stuck', tag: 'bearing_temperature', severity: 1 });
    expect(stuck.after).toMatchObject({ kind: 'stuck', tag: 'bearing_temperature' });
    expect(stuck.after!.words).toMatch(/bearing temperature reading has not changed for \d+ min/);
    expect(stuck.heldMinutes).toBeGreaterThanOrEqual(40);
    for (const severity of [0.25, 1]) {
      const spikes = run({ fault: 'sensor_spikes', tag: 'motor_current', severity });
      expect(spikes.after).toMatchObject({ kind: 'spike', tag: 'motor_current' });
      expect(spikes.after!.words).not.toMatch(/%|probabil|score/);
      expect(spikes.heldMinutes).toBeGreaterThanOrEqual(30);
    }
  });

  it('takes the typical gap and step as the sorted samples would give them (selected in place, not sorted)', () => {
    // The value at index ⌊q·n⌋ of the ascending sort, for shapes a selection handles worst:
    // sorted, reversed, constant, many ties, tiny arrays, and steps as a window has them.
    let seed = 42;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const shapes: number[][] = [[], [3], [2, 1], [1, 1, 1, 1], [5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5, 6, 7, 8]];
    for (const n of [7, 8, 9, 50, 1000, 3600]) {
      shapes.push(Array.from({ length: n }, () => rnd() * 10));
      shapes.push(Array.from({ length: n }, () => Math.round(rnd() * 3) * 1000));
      shapes.push(Array.from({ length: n }, (_, i) => i));
      shapes.push(Array.from({ length: n }, (_, i) => n - i));
      shapes.push(Array.from({ length: n }, () => 1000));
      shapes.push(Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 250 : Math.abs(Math.sin(i)) * 0.2)));
    }
    for (const xs of shapes) {
      const sorted = [...xs].sort((a, b) => a - b);
      for (const q of [0, 0.25, 0.5, 0.9, 1]) {
        const want = sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        expect(lowerQuantile(Float64Array.from(xs), q), `n ${xs.length} q ${q}`).toBe(want);
      }
    }
  });

  it('shows the asset as stale data with the notice, not as monitored', () => {
    const facts: MonitoringFacts = {
      nowMs: START,
      startedAtMs: START - 90 * MIN,
      owned: true,
      mode: null,
      lastReceivedMs: START - 5_000,
      windowFromMs: START - 90 * MIN,
      windowToMs: START,
      windowSpanMs: 60 * MIN,
      staleMs: 5 * MIN,
      lastScore: { source: 'rules', atMs: START },
      hasModel: true,
      paused: null,
      limitsWords: 'bearing temperature above 75 °C',
      dataQuality: 'The vibration sensor reports bad readings: prompts for this asset are held until it reads again.',
    };
    expect(monitoringState(facts)).toEqual({ state: 'stale_data', reason: facts.dataQuality });
    expect(monitoringState({ ...facts, dataQuality: null, lastScore: { source: 'model', atMs: START } }).state).toBe('monitored');
  });
});
