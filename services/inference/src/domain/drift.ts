// Drift statistics on typed arrays: PSI on reference-decile bins (0.1 / 0.25 bands), the
// two-sample Kolmogorov–Smirnov test (sort-based, asymptotic p-value), and live precision/recall
// from outcomes and reported misses. Pure.

export type DriftBand = 'stable' | 'moderate' | 'major';

export const PSI_MODERATE = 0.1;
export const PSI_MAJOR = 0.25;
/** Floor for empty bins (there is no standard ε; 1e-4 as in MemberJunction's PSI). */
export const PSI_EPSILON = 1e-4;

export function psiBand(psi: number): DriftBand {
  return psi > PSI_MAJOR ? 'major' : psi >= PSI_MODERATE ? 'moderate' : 'stable';
}

/** Finite values, sorted ascending, as a new Float64Array. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** Interior cut points at the reference quantiles 1/bins … (bins−1)/bins, duplicates removed. */
export function quantileEdges(sortedRef: Float64Array, bins = 10): Float64Array {
  const edges: number[] = [];
  const n = sortedRef.length;
  if (n === 0) return new Float64Array(0);
  for (let k = 1; k < bins; k++) {
    const v = sortedRef[Math.min(n - 1, Math.floor((k * n) / bins))]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  return Float64Array.from(edges);
}

/** Bin index of v: bin i holds edges[i-1] ≤ v < edges[i] (binary search). */
function binOf(edges: Float64Array, v: number): number {
  let lo = 0,
    hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Fractions of the finite values per bin (edges.length + 1 bins). */
export function binFractions(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    counts[binOf(edges, v)]!++;
    n++;
  }
  if (n > 0) for (let i = 0; i < counts.length; i++) counts[i]! /= n;
  return counts;
}

/** PSI = Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ), empty bins floored at ε and renormalised. */
export function psi(expected: Float64Array, actual: Float64Array, epsilon = PSI_EPSILON): number {
  const floor = (f: Float64Array) => {
    const out = Float64Array.from(f, (x) => Math.max(x, epsilon));
    const s = out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < out.length; i++) out[i]! /= s;
    return out;
  };
  const e = floor(expected),
    a = floor(actual);
  let sum = 0;
  for (let i = 0; i < e.length; i++) sum += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return sum;
}

/** PSI of a current sample against a reference, on the reference's decile bins. */
export function psiOf(sortedRef: Float64Array, current: ArrayLike<number>, bins = 10): number {
  const edges = quantileEdges(sortedRef, bins);
  return psi(binFractions(sortedRef, edges), binFractions(current, edges));
}

/** Kolmogorov distribution tail Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * Two-sample KS on two ascending samples: D = sup|F₁ − F₂| by one merge pass; p from the
 * asymptotic distribution with nₑ = nm/(n+m), λ = (√nₑ + 0.12 + 0.11/√nₑ)·D.
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): { d: number; p: number } {
  const n = a.length,
    m = b.length;
  if (n === 0 || m === 0) return { d: 0, p: 1 };
  let i = 0,
    j = 0,
    d = 0;
  while (i < n && j < m) {
    const x = a[i]! <= b[j]! ? a[i]! : b[j]!;
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  return { d, p: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d) };
}

export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
  readonly band: DriftBand;
  readonly ksD: number;
  readonly ksP: number;
  readonly referenceCount: number;
  readonly currentCount: number;
}

/** PSI and KS of one feature; the reference must already be sorted (done once per model). */
export function featureDrift(feature: string, sortedRef: Float64Array, current: ArrayLike<number>, bins = 10): FeatureDrift {
  const cur = sortedFinite(current);
  const p = psiOf(sortedRef, cur, bins);
  const ks = ksTwoSample(sortedRef, cur);
  return { feature, psi: p, band: psiBand(p), ksD: ks.d, ksP: ks.p, referenceCount: sortedRef.length, currentCount: cur.length };
}

/** Severity of a feature's drift: critical = major PSI confirmed by KS; warning = moderate PSI. */
export function driftSeverity(f: FeatureDrift, ksAlpha = 0.01): 'none' | 'warning' | 'critical' {
  if (f.band === 'major' && f.ksP < ksAlpha) return 'critical';
  if (f.band !== 'stable') return 'warning';
  return 'none';
}

export interface LiveOutcomeCounts {
  /** Prompts confirmed by an outcome (event prevented or occurred). */
  readonly truePositives: number;
  /** Prompts declined as false alarms or with outcome no-event. */
  readonly falsePositives: number;
  /** Failures nobody was prompted about (ProblemReported with missedFailure). */
  readonly falseNegatives: number;
}

export function livePrecisionRecall(c: LiveOutcomeCounts): { precision: number | null; recall: number | null } {
  const pp = c.truePositives + c.falsePositives;
  const ap = c.truePositives + c.falseNegatives;
  return { precision: pp === 0 ? null : c.truePositives / pp, recall: ap === 0 ? null : c.truePositives / ap };
}

/** Persistent drift: critical in `after` consecutive evaluations → retraining is requested (once per episode). */
export interface PersistenceState {
  readonly consecutive: number;
  readonly requested: boolean;
}

export function evolvePersistence(s: PersistenceState, critical: boolean, after: number): { state: PersistenceState; requestRetraining: boolean } {
  if (!critical) return { state: { consecutive: 0, requested: false }, requestRetraining: false };
  const consecutive = s.consecutive + 1;
  const requestRetraining = !s.requested && consecutive >= after;
  return { state: { consecutive, requested: s.requested || requestRetraining }, requestRetraining };
}
