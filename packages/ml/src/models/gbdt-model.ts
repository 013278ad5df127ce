// The histogram GBDT's model: parameters, trees, the estimator, feature binning (at most 255 bins
// per feature whose edges are float32 values, so a split "bin ≤ b" applied as float32(x) ≤ edges[b]
// is exactly ONNX's BRANCH_LEQ) and prediction. Fitting is in gbdt.ts.

const f32 = Math.fround;
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export interface GbdtParams {
  readonly task: 'classification' | 'regression';
  readonly maxIter: number;
  readonly learningRate: number;
  readonly growth: 'leaf-wise' | 'depth-wise';
  readonly maxLeafNodes: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly minHessianLeaf: number;
  readonly l2: number;
  readonly maxBins: number;
  readonly minGainToSplit: number;
  /** Stop when the validation loss has not improved by `tol` for `patience` rounds; keep the best round. */
  readonly earlyStopping: { readonly patience: number; readonly tol: number } | false;
}

export const defaultGbdtParams: GbdtParams = {
  task: 'classification',
  maxIter: 300,
  learningRate: 0.1,
  growth: 'leaf-wise',
  maxLeafNodes: 31,
  maxDepth: 12,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2: 1,
  maxBins: 255,
  minGainToSplit: 0,
  earlyStopping: { patience: 20, tol: 1e-7 },
};

/** One tree; node 0 is the root; a leaf has left = right = -1. */
export interface Tree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  /** Leaf value (learning rate included); inner nodes keep the value they would have as a leaf (Saabas, debugging). */
  readonly value: number[];
  /** Training rows that reached the node (for TreeSHAP's expectations). */
  readonly cover: number[];
}

export interface GbdtEstimator {
  readonly kind: 'gbdt';
  readonly task: 'classification' | 'regression';
  readonly nFeatures: number;
  readonly baseScore: number;
  readonly trees: Tree[];
  readonly params: GbdtParams;
  /** Validation loss per iteration when early stopping ran. */
  readonly validationLoss: number[];
}

export interface BinMapper {
  /** Per feature, ascending float32 split candidates; bin b holds edges[b-1] < x ≤ edges[b]. */
  readonly edges: Float64Array[];
}

/** Distinct non-NaN values of an ascending array (NaN sorts last). */
export function distinctSorted(s: Float64Array): Float64Array {
  const d = new Float64Array(s.length);
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!Number.isNaN(v) && (m === 0 || v !== d[m - 1])) d[m++] = v;
  }
  return d.slice(0, m);
}

/** A float32 edge e with lo ≤ e < hi (the midpoint when float32 can represent it). */
function edgeBetween(lo: number, hi: number): number {
  const e = f32((lo + hi) / 2);
  return e >= hi || e < lo ? lo : e;
}

export function fitBins(x: Float64Array, n: number, p: number, maxBins: number): BinMapper {
  const edges: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    // float32 values sorted ascending (NaN last): one sort serves the distinct values and the quantiles
    for (let i = 0; i < n; i++) col[i] = f32(x[i * p + j]!);
    col.sort();
    const d = distinctSorted(col);
    const e: number[] = [];
    if (d.length <= maxBins) {
      for (let k = 0; k + 1 < d.length; k++) e.push(edgeBetween(d[k]!, d[k + 1]!));
    } else {
      // quantiles of the (duplicated) column, each snapped to a gap between distinct values
      const sorted = col;
      let last = -Infinity;
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / maxBins))]!;
        let lo = 0,
          hi = d.length - 1; // first distinct value > v
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (d[mid]! > v) hi = mid;
          else lo = mid + 1;
        }
        if (d[lo]! <= v) continue;
        const edge = edgeBetween(d[lo - 1]!, d[lo]!);
        if (edge > last) {
          e.push(edge);
          last = edge;
        }
      }
    }
    edges.push(Float64Array.from(e));
  }
  return { edges };
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0,
    hi = edges.length; // first edge with v ≤ edge
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Row-major bins [n × p]: a row's bins are contiguous for histogram building. */
export function applyBins(m: BinMapper, x: Float64Array, n: number): Uint8Array {
  const p = m.edges.length;
  const out = new Uint8Array(n * p);
  for (let j = 0; j < p; j++) binColumn(m.edges[j]!, x, n, p, j, out);
  return out;
}

function binColumn(e: Float64Array, x: Float64Array, n: number, p: number, j: number, out: Uint8Array): void {
  for (let i = 0; i < n; i++) out[i * p + j] = binOf(e, f32(x[i * p + j]!));
}

/** Leaf value reached by row `o` of a row-major matrix (float32 comparison, BRANCH_LEQ). */
export function treeValue(t: Tree, x: Float64Array, o: number): number {
  let k = 0;
  while (t.left[k]! !== -1) k = f32(x[o + t.feature[k]!]!) <= t.threshold[k]! ? t.left[k]! : t.right[k]!;
  return t.value[k]!;
}

/** Raw margin (log-odds for classification, the prediction for regression). */
export function gbdtMargin(m: GbdtEstimator, x: Float64Array, n: number): Float64Array {
  const p = m.nFeatures;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = m.baseScore;
    for (const t of m.trees) s += treeValue(t, x, i * p);
    out[i] = s;
  }
  return out;
}

export function gbdtPredict(m: GbdtEstimator, x: Float64Array, n: number): Float64Array {
  const z = gbdtMargin(m, x, n);
  if (m.task === 'classification') for (let i = 0; i < n; i++) z[i] = sigmoid(z[i]!);
  return z;
}
