// Histogram gradient-boosted trees: binary log-loss classification and squared-error
// regression. Features are binned into at most 255 bins whose edges are float32 values;
// a split "bin ≤ b" is stored as threshold edges[b] and applied as float32(x) ≤ threshold,
// which is exactly ONNX's BRANCH_LEQ on a float input. Leaf values (learning rate folded
// in) and the base score are float32 too, so TS and onnxruntime agree.
// Growth is leaf-wise (best gain first, LightGBM/sklearn HGB) or depth-wise (XGBoost).

const f32 = Math.fround;

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

function distinctF32(values: Float64Array): Float64Array {
  const s = Float64Array.from(values, f32).sort();
  let m = 0;
  for (let i = 0; i < s.length; i++) if (!Number.isNaN(s[i]!) && (m === 0 || s[i] !== s[m - 1])) s[m++] = s[i]!;
  return s.slice(0, m);
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
    for (let i = 0; i < n; i++) col[i] = x[i * p + j]!;
    const d = distinctF32(col);
    const e: number[] = [];
    if (d.length <= maxBins) {
      for (let k = 0; k + 1 < d.length; k++) e.push(edgeBetween(d[k]!, d[k + 1]!));
    } else {
      // quantiles of the (duplicated) column, each snapped to a gap between distinct values
      const sorted = Float64Array.from(col, f32).sort();
      let last = -Infinity;
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / maxBins))]!;
        let lo = 0, hi = d.length - 1; // first distinct value > v
        while (lo < hi) { const mid = (lo + hi) >> 1; if (d[mid]! > v) hi = mid; else lo = mid + 1; }
        if (d[lo]! <= v) continue;
        const edge = edgeBetween(d[lo - 1]!, d[lo]!);
        if (edge > last) { e.push(edge); last = edge; }
      }
    }
    edges.push(Float64Array.from(e));
  }
  return { edges };
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0, hi = edges.length; // first edge with v ≤ edge
  while (lo < hi) { const mid = (lo + hi) >> 1; if (v <= edges[mid]!) hi = mid; else lo = mid + 1; }
  return lo;
}

/** Row-major bins [n × p]: a row's bins are contiguous for histogram building. */
export function applyBins(m: BinMapper, x: Float64Array, n: number): Uint8Array {
  const p = m.edges.length;
  const out = new Uint8Array(n * p);
  for (let j = 0; j < p; j++) {
    const e = m.edges[j]!;
    for (let i = 0; i < n; i++) out[i * p + j] = binOf(e, f32(x[i * p + j]!));
  }
  return out;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

interface NodeWork {
  id: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  gain: number;
  feature: number;
  bin: number;
}

export interface GbdtFitInput {
  readonly x: Float64Array;
  readonly n: number;
  readonly p: number;
  readonly y: Float64Array;
  readonly weights?: Float64Array;
  readonly validation?: { readonly x: Float64Array; readonly n: number; readonly y: Float64Array };
}

export function fitGbdt(input: GbdtFitInput, partial: Partial<GbdtParams> = {}): GbdtEstimator {
  const params: GbdtParams = { ...defaultGbdtParams, ...partial };
  const { x, n, p, y } = input;
  const w = input.weights ?? new Float64Array(n).fill(1);
  const cls = params.task === 'classification';
  const mapper = fitBins(x, n, p, Math.min(params.maxBins, 255));
  const bins = applyBins(mapper, x, n);
  const nBins = mapper.edges.map((e) => e.length + 1);
  const off = new Int32Array(p + 1);
  for (let j = 0; j < p; j++) off[j + 1] = off[j]! + nBins[j]!;
  const histSize = off[p]! * 3;

  let sw = 0, swy = 0;
  for (let i = 0; i < n; i++) { sw += w[i]!; swy += w[i]! * y[i]!; }
  const mean = swy / sw;
  const baseScore = f32(cls ? Math.log(Math.min(Math.max(mean, 1e-12), 1 - 1e-12) / (1 - Math.min(Math.max(mean, 1e-12), 1 - 1e-12))) : mean);

  const raw = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n), hess = new Float64Array(n);
  const idx = new Int32Array(n), scratch = new Int32Array(n);
  const val = input.validation;
  const valRaw = val ? new Float64Array(val.n).fill(baseScore) : null;
  const trees: Tree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Infinity, bestIter = 0, sinceBest = 0;
  const lambda = params.l2;

  // histogram buffers are recycled: allocating one per node dominated the run time via GC
  const pool: Float64Array[] = [];
  const buildHist = (start: number, end: number): Float64Array => {
    const recycled = pool.pop();
    const hist = recycled ? recycled.fill(0) : new Float64Array(histSize);
    for (let r = start; r < end; r++) {
      const i = idx[r]!;
      const g = grad[i]!, h = hess[i]!, b0 = i * p;
      for (let j = 0; j < p; j++) {
        const k = (off[j]! + bins[b0 + j]!) * 3;
        hist[k]! += g;
        hist[k + 1]! += h;
        hist[k + 2]!++;
      }
    }
    return hist;
  };

  const minLeaf = params.minSamplesLeaf, minHess = params.minHessianLeaf;
  const findSplit = (nd: NodeWork): void => {
    nd.gain = -Infinity;
    const cnt = nd.end - nd.start;
    if (cnt < 2 * minLeaf || nd.depth >= params.maxDepth) return;
    let bestGain = -Infinity, bestFeature = -1, bestBin = -1;
    const hist = nd.hist!;
    const G = nd.g, H = nd.h;
    const parentScore = (G * G) / (H + lambda);
    for (let j = 0; j < p; j++) {
      let gl = 0, hl = 0, cl = 0;
      const o = off[j]!, last = nBins[j]! - 1;
      for (let b = 0; b < last; b++) {
        const k = (o + b) * 3;
        gl += hist[k]!; hl += hist[k + 1]!; cl += hist[k + 2]!;
        if (cl < minLeaf) continue;
        if (cnt - cl < minLeaf) break;
        const hr = H - hl;
        if (hl < minHess || hr < minHess) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
        if (gain > bestGain) { bestGain = gain; bestFeature = j; bestBin = b; }
      }
    }
    nd.gain = bestGain > params.minGainToSplit + 1e-12 ? bestGain : -Infinity;
    nd.feature = bestFeature;
    nd.bin = bestBin;
  };

  for (let it = 0; it < params.maxIter; it++) {
    let G = 0, H = 0;
    for (let i = 0; i < n; i++) {
      if (cls) {
        const pr = sigmoid(raw[i]!);
        grad[i] = w[i]! * (pr - y[i]!);
        hess[i] = w[i]! * Math.max(pr * (1 - pr), 1e-16);
      } else {
        grad[i] = w[i]! * (raw[i]! - y[i]!);
        hess[i] = w[i]!;
      }
      G += grad[i]!; H += hess[i]!;
      idx[i] = i;
    }
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [], cover: [] };
    const nodes: NodeWork[] = [];
    const newNode = (start: number, end: number, depth: number, g: number, h: number, hist: Float64Array): NodeWork => {
      const nd: NodeWork = { id: tree.feature.length, start, end, depth, g, h, hist, gain: -Infinity, feature: -1, bin: -1 };
      tree.feature.push(-1); tree.threshold.push(0); tree.left.push(-1); tree.right.push(-1);
      tree.value.push(f32((-g / (h + lambda)) * params.learningRate));
      tree.cover.push(end - start);
      nodes.push(nd);
      findSplit(nd);
      return nd;
    };
    const root = newNode(0, n, 0, G, H, buildHist(0, n));
    const open: NodeWork[] = root.gain > -Infinity ? [root] : [];
    let leaves = 1;
    while (open.length > 0 && leaves < params.maxLeafNodes) {
      // leaf-wise: best gain; depth-wise: oldest (breadth-first) node
      let pick = 0;
      if (params.growth === 'leaf-wise') for (let k = 1; k < open.length; k++) if (open[k]!.gain > open[pick]!.gain) pick = k;
      const nd = open.splice(pick, 1)[0]!;
      // stable partition of idx[start, end) on bin ≤ split bin
      const feat = nd.feature;
      let l = nd.start, rcount = 0;
      for (let r = nd.start; r < nd.end; r++) {
        const i = idx[r]!;
        if (bins[i * p + feat]! <= nd.bin) idx[l++] = i;
        else scratch[rcount++] = i;
      }
      idx.set(scratch.subarray(0, rcount), l);
      let gl = 0, hl = 0;
      for (let r = nd.start; r < l; r++) { gl += grad[idx[r]!]!; hl += hess[idx[r]!]!; }
      const leftSmaller = l - nd.start <= nd.end - l;
      const small = leftSmaller ? buildHist(nd.start, l) : buildHist(l, nd.end);
      const parentHist = nd.hist!;
      for (let k = 0; k < histSize; k++) parentHist[k] = parentHist[k]! - small[k]!;
      nd.hist = null;
      const lh = leftSmaller ? small : parentHist, rh = leftSmaller ? parentHist : small;
      const left = newNode(nd.start, l, nd.depth + 1, gl, hl, lh);
      const right = newNode(l, nd.end, nd.depth + 1, nd.g - gl, nd.h - hl, rh);
      tree.feature[nd.id] = nd.feature;
      tree.threshold[nd.id] = mapper.edges[nd.feature]![nd.bin]!;
      tree.left[nd.id] = left.id;
      tree.right[nd.id] = right.id;
      leaves++;
      if (left.gain > -Infinity) open.push(left);
      if (right.gain > -Infinity) open.push(right);
    }
    // leaves update the training margins directly from their row ranges
    for (const nd of nodes) {
      if (nd.hist) { pool.push(nd.hist); nd.hist = null; }
      if (tree.left[nd.id] !== -1) continue;
      const v = tree.value[nd.id]!;
      for (let r = nd.start; r < nd.end; r++) raw[idx[r]!]! += v;
    }
    trees.push(tree);
    if (val && valRaw && params.earlyStopping) {
      let loss = 0;
      for (let i = 0; i < val.n; i++) {
        valRaw[i]! += treeValue(tree, val.x, i * p);
        const yi = val.y[i]!;
        if (cls) {
          const z = valRaw[i]!;
          loss += Math.max(z, 0) - z * yi + Math.log1p(Math.exp(-Math.abs(z)));
        } else loss += (valRaw[i]! - yi) ** 2;
      }
      loss /= val.n;
      validationLoss.push(loss);
      if (loss < bestLoss - params.earlyStopping.tol) { bestLoss = loss; bestIter = it + 1; sinceBest = 0; }
      else if (++sinceBest >= params.earlyStopping.patience) break;
    }
  }
  if (val && params.earlyStopping) trees.length = Math.max(bestIter, 1);
  return { kind: 'gbdt', task: params.task, nFeatures: p, baseScore, trees, params, validationLoss };
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
