// Window features: ONE definition of how a model's inputs are computed from per-tag time series,
// shared by training (historian series → training rows) and inference (live windows → a row).
//
// A spec is declarative data (stored inside the model, so the runtime computes exactly what
// training computed): each feature names a tag, a statistic and a unit; the window is
// `windowMinutes` long on a `gridMinutes` grid. The window ending at `endMs` covers the grid points
// endMs − (N − 1)·grid … endMs (N = windowMinutes / gridMinutes). Each tag is held on the grid:
// a grid point takes the tag's last Good sample at or before it (historians and OPC UA
// subscriptions report on change), Bad samples never enter. The statistic runs over the grid
// values that hold a value; slope is the least-squares slope per hour.
//
// Missing is never filled silently: a tag with no Good sample at or before the window end is
// NaN with reason `absent` (no samples) or `bad` (only Bad samples in the window); a tag whose
// newest Good sample is older than the staleness limit is NaN with reason `stale`. Pure.

export const WINDOW_STATISTICS = ['mean', 'last', 'min', 'max', 'std', 'rms', 'slope'] as const;
export type WindowStatistic = (typeof WINDOW_STATISTICS)[number];

export const WINDOW_SPEC_FORMAT = 'industrial-ml/window-spec/v1';

export interface WindowFeature {
  /** Model input name, e.g. `bearing_temp_mean`. */
  readonly name: string;
  /** UCUM-style unit of the value (`Cel`, `Cel/h`, `mm/s`, `A`). */
  readonly unit: string;
  /** Source tag, e.g. `bearing_temperature`. */
  readonly tag: string;
  readonly statistic: WindowStatistic;
  readonly description?: string;
}

export interface WindowSpec {
  readonly format: typeof WINDOW_SPEC_FORMAT;
  /** Feature set version (semver), recorded as ModelVersionRegistered.featureSetVersion. */
  readonly version: string;
  readonly windowMinutes: number;
  readonly gridMinutes: number;
  /** Training rows every `strideMinutes` (informational for inference). */
  readonly strideMinutes?: number;
  /** A tag whose newest Good sample is older than this at the window end is stale (default: never). */
  readonly staleMinutes?: number;
  readonly features: readonly WindowFeature[];
}

/** One tag's samples, oldest first. `good[i]` non-zero = Good quality; everything else is Bad. */
export interface TagSeries {
  readonly timestampsMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly good: ArrayLike<number>;
}

export type WindowMissingReason = 'absent' | 'bad' | 'stale';

export interface WindowRow {
  /** One value per spec feature (spec order), NaN when missing. */
  readonly values: Float64Array;
  readonly missing: readonly { readonly feature: string; readonly tag: string; readonly reason: WindowMissingReason }[];
  /** First and last grid point of the window, epoch ms. */
  readonly fromMs: number;
  readonly toMs: number;
}

export function defineWindowSpec(s: Omit<WindowSpec, 'format'>): WindowSpec {
  const spec: WindowSpec = { format: WINDOW_SPEC_FORMAT, ...s };
  validateWindowSpec(spec);
  return spec;
}

/** Throws on a spec that cannot be computed (unknown statistic, bad grid, duplicate names). */
export function validateWindowSpec(spec: unknown): asserts spec is WindowSpec {
  const s = spec as Partial<WindowSpec> | null;
  if (s === null || typeof s !== 'object' || s.format !== WINDOW_SPEC_FORMAT) throw new Error(`not a ${WINDOW_SPEC_FORMAT} window spec`);
  if (!(typeof s.gridMinutes === 'number' && s.gridMinutes > 0)) throw new Error('window spec: gridMinutes must be > 0');
  if (!(typeof s.windowMinutes === 'number' && s.windowMinutes >= s.gridMinutes && Number.isInteger(s.windowMinutes / s.gridMinutes)))
    throw new Error('window spec: windowMinutes must be a positive multiple of gridMinutes');
  if (!Array.isArray(s.features) || s.features.length === 0) throw new Error('window spec: no features');
  const names = new Set<string>();
  for (const f of s.features) {
    if (typeof f?.name !== 'string' || f.name === '' || typeof f.tag !== 'string' || f.tag === '' || typeof f.unit !== 'string')
      throw new Error(`window spec: feature ${JSON.stringify(f)} needs name, tag and unit`);
    if (!(WINDOW_STATISTICS as readonly string[]).includes(f.statistic))
      throw new Error(`window spec: feature ${f.name} has unknown statistic ${String(f.statistic)}`);
    if (names.has(f.name)) throw new Error(`window spec: duplicate feature ${f.name}`);
    names.add(f.name);
  }
}

/** The spec restricted/reordered to `names` (e.g. a model's input columns); throws naming what it lacks. */
export function selectWindowFeatures(spec: WindowSpec, names: readonly string[]): WindowSpec {
  const byName = new Map(spec.features.map((f) => [f.name, f] as const));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0) throw new Error(`window spec does not define ${missing.join(', ')}`);
  return { ...spec, features: names.map((n) => byName.get(n)!) };
}

/** Series from sample objects (historian rows); sorts by time. */
export function tagSeries(samples: readonly { readonly timestampMs: number; readonly value: number; readonly quality: 'good' | 'bad' | boolean }[]): TagSeries {
  const sorted = [...samples].sort((a, b) => a.timestampMs - b.timestampMs);
  const n = sorted.length;
  const t = new Float64Array(n),
    v = new Float64Array(n),
    g = new Uint8Array(n);
  sorted.forEach((s, i) => {
    t[i] = s.timestampMs;
    v[i] = s.value;
    g[i] = (s.quality === true || s.quality === 'good') && Number.isFinite(s.value) ? 1 : 0;
  });
  return { timestampsMs: t, values: v, good: g };
}

/** Index of the last sample with t ≤ x, or −1. */
function lastAtOrBefore(t: ArrayLike<number>, x: number): number {
  let lo = 0,
    hi = t.length - 1,
    r = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! <= x) {
      r = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return r;
}

/** Grid values of one tag for the window ending at `endMs` (NaN where nothing Good is held yet). */
export function holdOnGrid(series: TagSeries, endMs: number, points: number, gridMs: number): { grid: Float64Array; lastGoodMs: number; samples: number } {
  const grid = new Float64Array(points).fill(NaN);
  const { timestampsMs: t, values: v, good: g } = series;
  const firstMs = endMs - (points - 1) * gridMs;
  // Last Good sample at or before the first grid point (held into the window).
  let i = lastAtOrBefore(t, firstMs);
  let held = NaN,
    heldMs = -Infinity;
  for (let j = i; j >= 0; j--) {
    if (g[j]) {
      held = v[j]!;
      heldMs = t[j]!;
      break;
    }
  }
  i++;
  for (let k = 0; k < points; k++) {
    const at = firstMs + k * gridMs;
    while (i < t.length && t[i]! <= at) {
      if (g[i]) {
        held = v[i]!;
        heldMs = t[i]!;
      }
      i++;
    }
    grid[k] = held;
  }
  // i = number of samples at or before the window end
  return { grid, lastGoodMs: heldMs, samples: i };
}

/** The statistic over grid values (NaN entries skipped; NaN when none). Slope: per hour for grid step `gridMinutes`. */
export function gridStatistic(values: ArrayLike<number>, statistic: WindowStatistic, gridMinutes = 1): number {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    sq = 0,
    min = Infinity,
    max = -Infinity,
    last = NaN;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (Number.isNaN(y)) continue;
    n++;
    sx += i;
    sy += y;
    sxx += i * i;
    sxy += i * y;
    sq += y * y;
    if (y < min) min = y;
    if (y > max) max = y;
    last = y;
  }
  if (n === 0) return NaN;
  switch (statistic) {
    case 'mean':
      return sy / n;
    case 'last':
      return last;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'rms':
      return Math.sqrt(sq / n);
    case 'std': {
      if (n < 2) return 0;
      const mean = sy / n;
      return Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
    }
    case 'slope': {
      const d = n * sxx - sx * sx;
      return d === 0 ? 0 : ((n * sxy - sx * sy) / d) * (60 / gridMinutes); // per grid step → per hour
    }
    default: {
      const never: never = statistic;
      throw new Error(`unknown statistic ${String(never)}`);
    }
  }
}

/**
 * The feature row of the window ending at `endMs` from each tag's series (`seriesOf(tag)`, or a
 * record by tag). `staleMs` overrides the spec's `staleMinutes` (Infinity = never stale).
 */
export function computeWindowFeatures(
  spec: WindowSpec,
  series: ((tag: string) => TagSeries | undefined) | Readonly<Record<string, TagSeries | undefined>>,
  endMs: number,
  options: { staleMs?: number } = {},
): WindowRow {
  const seriesOf = typeof series === 'function' ? series : (tag: string) => series[tag];
  const gridMs = spec.gridMinutes * 60_000;
  const points = Math.round(spec.windowMinutes / spec.gridMinutes);
  const staleMs = options.staleMs ?? (spec.staleMinutes === undefined ? Infinity : spec.staleMinutes * 60_000);
  const values = new Float64Array(spec.features.length);
  const missing: { feature: string; tag: string; reason: WindowMissingReason }[] = [];
  const grids = new Map<string, ReturnType<typeof holdOnGrid> | null>();
  spec.features.forEach((f, k) => {
    let h = grids.get(f.tag);
    if (h === undefined) {
      const s = seriesOf(f.tag);
      h = s === undefined || s.timestampsMs.length === 0 ? null : holdOnGrid(s, endMs, points, gridMs);
      grids.set(f.tag, h);
    }
    const reason: WindowMissingReason | null =
      h === null ? 'absent' : h.lastGoodMs === -Infinity ? (h.samples > 0 ? 'bad' : 'absent') : h.lastGoodMs < endMs - staleMs ? 'stale' : null;
    if (reason !== null) {
      values[k] = NaN;
      missing.push({ feature: f.name, tag: f.tag, reason });
      return;
    }
    values[k] = gridStatistic(h!.grid, f.statistic, spec.gridMinutes);
  });
  return { values, missing, fromMs: endMs - (points - 1) * gridMs, toMs: endMs };
}
