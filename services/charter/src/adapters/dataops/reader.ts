// Historian and catalog over dataops: machine states, production counts, labelled failures, tags
// and their history, shaped from what dataops serves: raw samples and resampled buckets of one
// series, catalog tag entries and label windows (`DataopsSource`; grpc.ts implements it over
// dataops' gRPC API). Tests may give any other source.
//
// Plant time throughout: every time is a sample's source timestamp (epoch ms), never the wall
// clock of this process. Bad samples are left out (dataops' refined and rollup layers do the same).
import type { TagHistory } from '../../domain/feasibility.ts';
import { MACHINE_STATE_NAMES, type MachineStateName, type ProductionCounts, type StateSeries } from '../../domain/kpi.ts';
import type { CatalogReader, HistorianReader, LabelledFailure, TagInfo } from '../../ports.ts';

/** One sample as dataops received it. */
export interface RawSample {
  ts: number;
  value: number | null;
  text: string | null;
  /** OPC UA severity: Good, Uncertain or Bad. */
  severity: string;
}

/** One resampled bucket; `gap` when it holds no usable sample. */
export interface Point {
  t: number;
  value: number | null;
  count: number;
  gap: boolean;
}

/** A label window dataops recorded (ListLabels). */
export interface Label {
  labelId: string;
  assetPath: string;
  label: string;
  from: number;
  to: number;
  note: string | null;
}

/** What the reader needs from dataops. Times are epoch ms, windows half-open [from, to). */
export interface DataopsSource {
  /** Raw samples of one series in the window (any order), or null when dataops records no such series. */
  raw(q: { assetPath: string; tag: string; from: number; to: number }): Promise<RawSample[] | null>;
  /** Buckets of one series, or null when dataops records no such series. */
  points(q: { assetPath: string; tag: string; from: number; to: number; intervalMs: number; aggregation: 'last' | 'count' }): Promise<Point[] | null>;
  /** Catalogued tags whose asset path starts with `pathPrefix` (textually: `packer-1` also matches `packer-10`). */
  tags(pathPrefix: string): Promise<TagInfo[]>;
  /** Label windows overlapping [from, to) of one asset. */
  labels(q: { assetPath: string; from: number; to: number }): Promise<Label[]>;
}

export interface DataopsReaderOptions {
  /** Tag names of a line asset. Defaults: the simulator's packaging machine. */
  tags?: { state?: string; good?: string; bad?: string; idealCycleTime?: string };
  /**
   * State tag value (number or text, as a string key) → charter machine state. Default: the
   * simulator's packaging codes (1 Running, 2 Idle, 3 PlannedStop, 4 Fault = unplanned stop) and
   * their names. A value not in the map is an unknown state: its time is not counted.
   */
  states?: Readonly<Record<string, MachineStateName>>;
  /** Which labels are failures. Default: every label except `normal` and faults cleared before they failed. */
  isFailure?: (label: Label) => boolean;
  /** How far back the state and counters are searched for their value at the start of a window. Default 30 days. */
  carryLookbackMs?: number;
  /** History searched for a tag, back from now. Default 3 years. */
  historyLookbackMs?: number;
  /** Good share is measured on the raw samples of this last stretch of a tag's history. Default 1 day. */
  qualityWindowMs?: number;
  /** Plant clock, epoch ms (history ends here plus a year: simulated plants run ahead of the wall clock). Default Date.now. */
  now?: () => number;
}

export const PACKAGING_STATE_MAP: Readonly<Record<string, MachineStateName>> = {
  '1': 'running',
  '2': 'idle',
  '3': 'planned-stop',
  '4': 'unplanned-stop',
  Running: 'running',
  Idle: 'idle',
  PlannedStop: 'planned-stop',
  Fault: 'unplanned-stop',
};

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Stored for a time the state map does not know: `stateTotals` counts no time for it. */
const UNKNOWN_STATE = 255;

const keyOf = (s: RawSample): string | null => (s.text !== null ? s.text : s.value !== null ? String(s.value) : null);

const defaultIsFailure = (l: Label): boolean => l.label !== 'normal' && !/cleared before failure/.test(l.note ?? '');

export class DataopsReader implements HistorianReader, CatalogReader {
  private readonly tagNames: { state: string; good: string; bad: string; idealCycleTime: string };
  private readonly stateOf: ReadonlyMap<string, number>;
  private readonly isFailure: (label: Label) => boolean;
  private readonly carryLookbackMs: number;
  private readonly historyLookbackMs: number;
  private readonly qualityWindowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: DataopsSource,
    options: DataopsReaderOptions = {},
  ) {
    this.tagNames = { state: 'machine_state', good: 'good_count', bad: 'bad_count', idealCycleTime: 'ideal_cycle_time', ...options.tags };
    this.stateOf = new Map(Object.entries(options.states ?? PACKAGING_STATE_MAP).map(([k, name]) => [k, MACHINE_STATE_NAMES.indexOf(name)]));
    this.isFailure = options.isFailure ?? defaultIsFailure;
    this.carryLookbackMs = options.carryLookbackMs ?? 30 * DAY;
    this.historyLookbackMs = options.historyLookbackMs ?? 3 * 365 * DAY;
    this.qualityWindowMs = options.qualityWindowMs ?? DAY;
    this.now = options.now ?? Date.now;
  }

  // --- historian --------------------------------------------------------------------------------

  async stateIntervals(assetPath: string, from: number, to: number): Promise<StateSeries> {
    const tag = this.tagNames.state;
    const inWindow = await this.raw(assetPath, tag, from, to);
    if (inWindow === null) return { t: new Float64Array(0), state: new Uint8Array(0) };
    const before = await this.lastBefore(assetPath, tag, from);
    const t: number[] = [];
    const state: number[] = [];
    for (const s of before === null ? inWindow : [before, ...inWindow]) {
      const key = keyOf(s);
      if (key === null) continue;
      const code = this.stateOf.get(key) ?? UNKNOWN_STATE;
      if (state.length > 0 && state[state.length - 1] === code) continue; // a repeat is no change
      t.push(s.ts);
      state.push(code);
    }
    return { t: Float64Array.from(t), state: Uint8Array.from(state) };
  }

  async counts(assetPath: string, from: number, to: number): Promise<ProductionCounts> {
    const [good, bad] = await Promise.all([this.counted(assetPath, this.tagNames.good, from, to), this.counted(assetPath, this.tagNames.bad, from, to)]);
    // Bad packs are rejects (defects); the line counts no scrap apart from them.
    return { total: good + bad, good, scrap: null, energyKwh: null };
  }

  async failures(assetPath: string, from: number, to: number): Promise<LabelledFailure[]> {
    // A failure is at the end of its label window (FaultLabelled: failureAt), or at its start for an
    // instantaneous one. Windows overlapping [from − 1, to + 1) hold every failure time in [from, to).
    const labels = await this.source.labels({ assetPath, from: from - 1, to: to + 1 });
    return labels
      .filter((l) => this.isFailure(l))
      .map((l) => ({ assetPath: l.assetPath, at: l.to - l.from <= 1 ? l.from : l.to, mode: l.label }))
      .filter((f) => f.at >= from && f.at < to)
      .sort((a, b) => a.at - b.at);
  }

  /** The asset's ideal cycle time (s) in force at the end of the window, from its tag; null when not recorded. */
  async idealCycleTimeS(assetPath: string, from: number, to: number): Promise<number | null> {
    const tag = this.tagNames.idealCycleTime;
    const inWindow = await this.raw(assetPath, tag, from, to);
    if (inWindow === null) return null;
    const last = inWindow.findLast((s) => s.value !== null) ?? (await this.lastBefore(assetPath, tag, from));
    return last?.value ?? null;
  }

  // --- catalog ----------------------------------------------------------------------------------

  async tags(assetPrefix: string): Promise<TagInfo[]> {
    // The catalog's prefix match is textual (`packer-1` would match `packer-10`): keep whole levels only.
    // '' is the whole plant (a serving spec scoped to every site).
    return (await this.source.tags(assetPrefix)).filter((t) => assetPrefix === '' || t.assetPath === assetPrefix || t.assetPath.startsWith(`${assetPrefix}.`));
  }

  /**
   * First and last usable sample and their count from the 1-minute rollup (survives raw
   * retention; Bad samples are not in it), exact edges from raw; Good share from the raw samples
   * of the last `qualityWindowMs`. Text tags (no rollup) are counted from raw.
   */
  /** Plant clock of an asset: the time of its newest state sample (null when none is recorded). */
  async latestAt(assetPath: string): Promise<number | null> {
    const h = await this.history(assetPath, this.tagNames.state);
    return h === null || h.samples === 0 ? null : h.lastAt;
  }

  async history(assetPath: string, tag: string): Promise<TagHistory | null> {
    const end = this.now() + 365 * DAY;
    const start = end - 365 * DAY - this.historyLookbackMs;
    const daily = await this.points(assetPath, tag, start, end, DAY, 'count');
    if (daily === null) return null; // not recorded at all
    const days = daily.filter((p) => !p.gap && p.count > 0);
    let firstAt: number;
    let lastAt: number;
    let samples: number;
    if (days.length > 0) {
      samples = days.reduce((s, p) => s + p.count, 0);
      firstAt = await this.edge(assetPath, tag, (days[0] as { t: number }).t, 'first');
      lastAt = await this.edge(assetPath, tag, (days[days.length - 1] as { t: number }).t, 'last');
    } else {
      const raw = ((await this.raw(assetPath, tag, start, end)) ?? []).filter((s) => s.severity !== 'Bad');
      if (raw.length === 0) return { firstAt: 0, lastAt: 0, samples: 0, goodRatio: 0 };
      samples = raw.length;
      firstAt = (raw[0] as RawSample).ts;
      lastAt = (raw[raw.length - 1] as RawSample).ts;
    }
    const recent = (await this.raw(assetPath, tag, Math.max(firstAt, lastAt + 1 - this.qualityWindowMs), lastAt + 1, true)) ?? [];
    const goodRatio = recent.length === 0 ? 1 : recent.filter((s) => s.severity === 'Good').length / recent.length;
    return { firstAt, lastAt, samples, goodRatio };
  }

  // --- reads ------------------------------------------------------------------------------------

  /** Raw samples in [from, to) by time, Bad ones left out unless asked; null when dataops records no such series. */
  private async raw(assetPath: string, tag: string, from: number, to: number, withBad = false): Promise<RawSample[] | null> {
    if (to <= from) return [];
    const raw = await this.source.raw({ assetPath, tag, from, to });
    return raw === null ? null : raw.filter((s) => withBad || s.severity !== 'Bad').sort((a, b) => a.ts - b.ts);
  }

  private points(assetPath: string, tag: string, from: number, to: number, intervalMs: number, aggregation: 'last' | 'count'): Promise<Point[] | null> {
    return this.source.points({ assetPath, tag, from, to, intervalMs, aggregation });
  }

  /**
   * The last usable sample before `at`: the rollup finds its minute (searching an hour back, then a
   * day, then `carryLookbackMs` by the hour), raw gives the sample. When raw is past retention the
   * minute's last value stands at the minute's start. Text values have no rollup: raw, an hour back.
   */
  private async lastBefore(assetPath: string, tag: string, at: number): Promise<RawSample | null> {
    for (const [span, interval] of [
      [HOUR, MINUTE],
      [DAY, MINUTE],
      [this.carryLookbackMs, HOUR],
    ] as const) {
      let hit = await this.lastBucket(assetPath, tag, at - span, at, interval);
      if (hit !== null && interval > MINUTE) hit = await this.lastBucket(assetPath, tag, hit.t, Math.min(hit.t + interval, at), MINUTE);
      if (hit === null) {
        if (span === HOUR) {
          const text = (await this.raw(assetPath, tag, at - HOUR, at))?.at(-1);
          if (text !== undefined && text.text !== null) return text;
        }
        continue;
      }
      const raw = await this.raw(assetPath, tag, hit.t, Math.min(hit.t + MINUTE, at));
      return raw?.at(-1) ?? { ts: hit.t, value: hit.value, text: null, severity: 'Good' };
    }
    return null;
  }

  private async lastBucket(assetPath: string, tag: string, from: number, to: number, intervalMs: number): Promise<{ t: number; value: number } | null> {
    const aligned = Math.floor(from / intervalMs) * intervalMs;
    const hit = (await this.points(assetPath, tag, aligned, to, intervalMs, 'last'))?.findLast((p) => !p.gap && p.value !== null);
    return hit === undefined || hit.value === null ? null : { t: hit.t, value: hit.value };
  }

  /** Exact first (or last) usable sample time in the day starting at `day`. */
  private async edge(assetPath: string, tag: string, day: number, which: 'first' | 'last'): Promise<number> {
    const minutes = ((await this.points(assetPath, tag, day, day + DAY, MINUTE, 'count')) ?? []).filter((p) => !p.gap && p.count > 0);
    const m = which === 'first' ? minutes[0] : minutes[minutes.length - 1];
    if (m === undefined) return day;
    const raw = (await this.raw(assetPath, tag, m.t, m.t + MINUTE)) ?? [];
    const s = which === 'first' ? raw[0] : raw[raw.length - 1];
    return s?.ts ?? m.t;
  }

  /**
   * Units a counter advanced in [from, to): the sum of its increases from its value at `from`
   * (the last sample before, else the first in the window). A drop is a reset (restart, rollover):
   * the counter restarted from 0, so the value after the drop is what it counted since.
   */
  private async counted(assetPath: string, tag: string, from: number, to: number): Promise<number> {
    const inWindow = await this.raw(assetPath, tag, from, to);
    if (inWindow === null) return 0;
    const values = inWindow.flatMap((s) => (s.value === null ? [] : [s.value]));
    const before = await this.lastBefore(assetPath, tag, from);
    let previous = before?.value ?? values.shift() ?? null;
    let total = 0;
    for (const v of values) {
      if (previous !== null) total += v >= previous ? v - previous : v;
      previous = v;
    }
    return total;
  }
}

/** Historian and catalog over a dataops source: pass the result as both `historian` and `catalog` to `createCharterApp`. */
export function dataopsReader(source: DataopsSource, options?: DataopsReaderOptions): DataopsReader {
  return new DataopsReader(source, options);
}
