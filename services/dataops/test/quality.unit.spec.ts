// Quality rules against how data really arrives: in bursts (one UNS batch per publishing interval,
// 2.5 s of plant time at ×10 with samples 0.3 s apart inside) and, from OPC UA, only when a value
// changed. Healthy bursty data raises nothing; each real problem is one issue, raised after its
// window and cleared after its clear window; gaps are notes for the report, never events.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  evaluate,
  healthScore,
  initialQualityState,
  noteGap,
  qualityWindows,
  tick,
  type QualityRules,
  type QualityTransition,
  type TagQualityState,
} from '../src/domain/quality.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');
const BATCH_MS = 2500; // 250 ms publishing interval × 10
const SPACING_MS = 300;
const PER_BATCH = 8; // 0 … 2.1 s into the interval

/** The app's loop (app.ts ingestBatch) over pure functions: samples, asset gap notes, then ticks of the source. */
class Plant {
  readonly states = new Map<string, TagQualityState>(); // `${asset}/${tag}`
  readonly assetSeen = new Map<string, number>();
  readonly transitions: Array<{ asset: string; tag: string } & QualityTransition> = [];
  clock = -Infinity;
  constructor(readonly rules: QualityRules) {}
  batch(asset: string, plantTime: number, samples: Array<{ tag: string; ts: number; value: number; serverTs?: number }>): void {
    const before = this.assetSeen.get(asset);
    this.assetSeen.set(asset, Math.max(before ?? -Infinity, plantTime));
    this.clock = Math.max(this.clock, plantTime);
    if (before !== undefined && this.rules.reportByException && plantTime - before > qualityWindows(this.rules).windowMs) {
      for (const [k, st] of this.states) if (k.startsWith(`${asset}/`)) this.states.set(k, noteGap(st, k, before, plantTime, this.rules));
    }
    for (const s of samples) {
      const k = `${asset}/${s.tag}`;
      const r = evaluate(
        this.states.get(k) ?? initialQualityState(),
        s.tag,
        { ts: s.ts, serverTs: s.serverTs ?? s.ts + 5, value: s.value, bad: false },
        this.rules,
      );
      this.states.set(k, r.state);
      this.transitions.push(...r.transitions.map((t) => ({ asset, tag: s.tag, ...t })));
    }
    for (const [k, st] of this.states) {
      const [a = '', tag = ''] = k.split('/');
      const r = tick(st, tag, this.clock, this.rules, this.assetSeen.get(a) ?? null);
      this.states.set(k, r.state);
      this.transitions.push(...r.transitions.map((t) => ({ asset: a, tag, ...t })));
    }
  }
  state(asset: string, tag: string): TagQualityState {
    return this.states.get(`${asset}/${tag}`) as TagQualityState;
  }
  /** What would become events: warning and critical only. */
  events(): string[] {
    return this.transitions.filter((t) => t.issue.severity !== 'info').map((t) => `${t.type}:${t.asset}/${t.tag}:${t.issue.kind}`);
  }
}

const TAGS = ['flow', 'discharge_pressure', 'bearing_temperature', 'vibration_rms', 'motor_current', 'speed'];
const noisy = (tag: string, i: number) => 50 + TAGS.indexOf(tag) + 0.01 * ((i * 7919) % 101);

/** Bursty batches of one asset from batch `from` to `to` (exclusive); `omit(tag, batch)` leaves a tag out (unchanged, not sent). */
function run(plant: Plant, asset: string, from: number, to: number, omit: (tag: string, b: number) => boolean = () => false, serverLagMs = 5): void {
  for (let b = from; b < to; b++) {
    const start = T0 + b * BATCH_MS;
    const samples = TAGS.filter((tag) => !omit(tag, b)).flatMap((tag) =>
      Array.from({ length: PER_BATCH }, (_, j) => ({
        tag,
        ts: start + j * SPACING_MS,
        value: noisy(tag, b * PER_BATCH + j),
        serverTs: start + j * SPACING_MS + serverLagMs,
      })),
    );
    if (samples.length > 0) plant.batch(asset, start + BATCH_MS, samples);
  }
}

// A catalog entry as TagMapped declares it (OPC UA sampling 250 ms), publishing interval seen as 2.5 s.
const declared: QualityRules = { ...DEFAULT_RULES, expectedIntervalMs: 250, publishingIntervalMs: BATCH_MS };
const perMinute = 60_000 / BATCH_MS;

describe('quality windows', () => {
  it('take the expected interval from declared metadata with a floor, and a window of at least 60 s plant time', () => {
    expect(qualityWindows(declared)).toEqual({ expectedMs: 2500, windowMs: 60_000, clearMs: 60_000 });
    expect(qualityWindows({ ...declared, expectedIntervalMs: 10_000 })).toMatchObject({ expectedMs: 10_000, windowMs: 100_000 });
    expect(qualityWindows({ ...DEFAULT_RULES, expectedIntervalMs: 1, publishingIntervalMs: null })).toMatchObject({ expectedMs: 100, windowMs: 60_000 });
    expect(qualityWindows({ ...declared, minWindowMs: 0, clearWindowMs: 5000 })).toEqual({ expectedMs: 2500, windowMs: 25_000, clearMs: 5000 });
  });
});

describe('when healthy data arrives in bursts', () => {
  it('raises nothing and notes no gap: 2.5 s batches, 0.3 s spacing inside, 10 min plant time, two assets', () => {
    const plant = new Plant(declared);
    for (let b = 0; b < 10 * perMinute; b++) {
      run(plant, 'pump-1', b, b + 1);
      run(plant, 'pump-2', b, b + 1);
    }
    expect(plant.transitions).toEqual([]);
    for (const tag of TAGS) {
      expect(plant.state('pump-1', tag).gapCount).toBe(0);
      expect(healthScore(plant.state('pump-1', tag))).toBe(1);
    }
  });

  it('does not take report-by-exception silence for missing data: tags unchanged for up to 5 min while the asset reports', () => {
    const plant = new Plant(declared);
    for (let b = 0; b < 12 * perMinute; b++) {
      // `speed` changes once every 2 min, `flow` in 4 of 5 batches, the rest in every other batch.
      run(plant, 'pump-1', b, b + 1, (tag) => (tag === 'speed' ? b % (2 * perMinute) !== 0 : tag === 'flow' ? b % 5 === 0 : b % 2 === 1));
      // And one tag that never changes after its first value.
      run(plant, 'pump-2', b, b + 1, (tag) => b > 0 && tag === 'bearing_temperature');
    }
    expect(plant.events()).toEqual([]);
    expect(plant.transitions).toEqual([]);
    expect([...plant.states.values()].reduce((n, s) => n + s.gapCount, 0)).toBe(0);
  });
});

describe('when there is a real problem', () => {
  it('one asset stops sending while its source keeps publishing: one stale per tag, cleared once after the clear window', () => {
    const plant = new Plant(declared);
    for (let b = 0; b < 20 * perMinute; b++) {
      run(plant, 'pump-2', b, b + 1);
      // pump-1 is silent from minute 4 to 8, then flaps: one batch at minute 8, silent again until 10, then healthy.
      const silent = (b >= 4 * perMinute && b < 8 * perMinute) || (b > 8 * perMinute && b < 10 * perMinute);
      if (!silent) run(plant, 'pump-1', b, b + 1);
    }
    const ev = plant.events();
    expect(ev.filter((e) => e.startsWith('raised:'))).toEqual(TAGS.map((t) => `raised:pump-1/${t}:stale`));
    expect(ev.filter((e) => e.startsWith('cleared:'))).toEqual(TAGS.map((t) => `cleared:pump-1/${t}:stale`));
    const raised = plant.transitions.find((t) => t.type === 'raised');
    // Raised once silence exceeded the 60 s window (plant time), not at the first missing batch.
    expect(raised?.issue.raisedAt).toBe(T0 + 4 * 60_000 + BATCH_MS + 60_000);
    const cleared = plant.transitions.find((t) => t.type === 'cleared');
    expect(cleared?.type === 'cleared' ? cleared.clearedAt : 0).toBeGreaterThanOrEqual(T0 + 10 * 60_000 + 60_000);
    // The silences are kept as gap notes (report and score), not events.
    expect(plant.state('pump-1', 'flow').gapCount).toBe(2);
    expect(healthScore(plant.state('pump-1', 'flow'))).toBeLessThan(1);
  });

  it('a polled tag (every sample sent) goes silent for 3 min: one stale, one gap note, cleared after data flows for the clear window', () => {
    const plant = new Plant({ ...declared, reportByException: false });
    run(plant, 'pump-1', 0, 12 * perMinute, (tag, b) => tag === 'flow' && b >= 2 * perMinute && b < 5 * perMinute);
    expect(plant.events()).toEqual(['raised:pump-1/flow:stale', 'cleared:pump-1/flow:stale']);
    const s = plant.state('pump-1', 'flow');
    expect(s.gapCount).toBe(1);
    expect(s.gaps[0]?.detail).toMatch(/flow: no samples for 3\.0 min \(expected every 2\.5 s, window 1\.0 min\)/);
    expect(healthScore(s)).toBeLessThan(1);
    // Short silences of a polled tag (a missed batch or two) are neither issues nor gaps.
    const p2 = new Plant({ ...declared, reportByException: false });
    run(p2, 'pump-1', 0, 10 * perMinute, (_tag, b) => b % 7 === 3 || b % 7 === 4);
    expect(p2.transitions).toEqual([]);
    expect(p2.state('pump-1', 'flow').gapCount).toBe(0);
  });

  it('samples arrive late: nothing for a short spell, one issue when it lasts the window, kept through flapping', () => {
    const plant = new Plant(declared);
    run(plant, 'pump-1', 0, perMinute / 2, undefined, 90_000); // 30 s late: below the window
    run(plant, 'pump-1', perMinute / 2, perMinute);
    expect(plant.transitions).toEqual([]);
    run(plant, 'pump-1', perMinute, 4 * perMinute, (tag) => tag !== 'flow', 90_000);
    // On time for 20 s, late again, then on time for good.
    run(plant, 'pump-1', 4 * perMinute, 4 * perMinute + 8, (tag) => tag !== 'flow');
    run(plant, 'pump-1', 4 * perMinute + 8, 5 * perMinute, (tag) => tag !== 'flow', 90_000);
    run(plant, 'pump-1', 5 * perMinute, 8 * perMinute, (tag) => tag !== 'flow');
    expect(plant.transitions.map((t) => `${t.type}:${t.tag}:${t.issue.kind}`)).toEqual(['raised:flow:clock-skew', 'cleared:flow:clock-skew']);
    // Clock skew is a hint (accelerated plant clocks run apart from servers): report only, no event.
    expect(plant.events()).toEqual([]);
  });

  it('keeps flatline for a value reported unchanged although expected to move, and clears it on change', () => {
    const plant = new Plant({ ...declared, flatlineWindowMs: 60_000 });
    run(plant, 'pump-1', 0, perMinute);
    for (let b = perMinute; b < 3 * perMinute; b++) {
      const start = T0 + b * BATCH_MS;
      plant.batch(
        'pump-1',
        start + BATCH_MS,
        Array.from({ length: PER_BATCH }, (_, j) => ({ tag: 'flow', ts: start + j * SPACING_MS, value: 42 })),
      );
    }
    run(plant, 'pump-1', 3 * perMinute, 3 * perMinute + 1);
    expect(plant.events()).toEqual(['raised:pump-1/flow:flatline', 'cleared:pump-1/flow:flatline']);
  });
});
