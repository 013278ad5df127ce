// Histogram gradient-boosted trees: binary log-loss classification and squared-error
// regression. Features are binned into at most 255 bins whose edges are float32 values;
// a split "bin ≤ b" is stored as threshold edges[b] and applied as float32(x) ≤ threshold,
// which is exactly ONNX's BRANCH_LEQ on a float input. Leaf values (learning rate folded
// in) and the base score are float32 too, so TS and onnxruntime agree.
// Growth is leaf-wise (best gain first, LightGBM/sklearn HGB) or depth-wise (XGBoost).

import { applyBins, distinctSorted, fitBins, treeValue, defaultGbdtParams, type GbdtEstimator, type GbdtParams, type Tree } from './gbdt-model.ts';

export {
  applyBins,
  fitBins,
  gbdtMargin,
  gbdtPredict,
  treeValue,
  defaultGbdtParams,
  type BinMapper,
  type GbdtEstimator,
  type GbdtParams,
  type Tree,
} from './gbdt-model.ts';

const f32 = Math.fround;

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

// Hot loops live in small module-level functions: TurboFan optimises them after a few calls,
// instead of on-stack-replacing loops inside the one long fitGbdt call.

/** Gradients and hessians of every row; returns [ΣG, ΣH] in `sums`. */
function gradients(
  cls: boolean,
  raw: Float64Array,
  y: Float64Array,
  w: Float64Array,
  grad: Float64Array,
  hess: Float64Array,
  n: number,
  sums: Float64Array,
): void {
  let G = 0,
    H = 0;
  if (cls) {
    for (let i = 0; i < n; i++) {
      const pr = sigmoid(raw[i]!);
      const g = w[i]! * (pr - y[i]!),
        h = w[i]! * Math.max(pr * (1 - pr), 1e-16);
      grad[i] = g;
      hess[i] = h;
      G += g;
      H += h;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const g = w[i]! * (raw[i]! - y[i]!),
        h = w[i]!;
      grad[i] = g;
      hess[i] = h;
      G += g;
      H += h;
    }
  }
  sums[0] = G;
  sums[1] = H;
}

/** Histogram of the rows idx[start, end): per slot ΣG, ΣH, count. */
function fillHist(hist: Float64Array, idx: Int32Array, start: number, end: number, slot: Int32Array, p: number, grad: Float64Array, hess: Float64Array): void {
  for (let r = start; r < end; r++) {
    const i = idx[r]!;
    const g = grad[i]!,
      h = hess[i]!,
      b0 = i * p;
    for (let j = 0; j < p; j++) {
      const k = slot[b0 + j]!;
      hist[k]! += g;
      hist[k + 1]! += h;
      hist[k + 2]!++;
    }
  }
}

/**
 * Histogram of rows 0..n-1 (the root), one feature at a time from column-major slots: each
 * pass touches one feature's slice of the histogram, which stays in L1. Every bin gets the
 * same additions in the same row order as fillHist over the identity order. The counts do not
 * depend on the gradients: `hist` arrives holding them (copied from the first root's histogram).
 */
function fillRootHist(hist: Float64Array, n: number, colSlot: Int32Array, p: number, grad: Float64Array, hess: Float64Array): void {
  for (let j = 0; j < p; j++) fillRootFeature(hist, colSlot, j * n, n, grad, hess);
}

/** One feature of the root histogram (a single loop: V8 optimises it without inner-loop OSR exits). */
function fillRootFeature(hist: Float64Array, colSlot: Int32Array, c0: number, n: number, grad: Float64Array, hess: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const k = colSlot[c0 + i]!;
    hist[k]! += grad[i]!;
    hist[k + 1]! += hess[i]!;
  }
}

function subtractHist(parent: Float64Array, small: Float64Array, len: number): void {
  for (let k = 0; k < len; k++) parent[k] = parent[k]! - small[k]!;
}

/**
 * Stable partition of idx[start, end) on bin ≤ split; the left rows' ΣG, ΣH (in row order)
 * go to `sums`. Returns the first right position.
 */
function partition(
  idx: Int32Array,
  scratch: Int32Array,
  col: Uint8Array,
  split: number,
  start: number,
  end: number,
  grad: Float64Array,
  hess: Float64Array,
  sums: Float64Array,
): number {
  let l = start,
    rcount = 0,
    gl = 0,
    hl = 0;
  for (let r = start; r < end; r++) {
    const i = idx[r]!;
    if (col[i]! <= split) {
      idx[l++] = i;
      gl += grad[i]!;
      hl += hess[i]!;
    } else scratch[rcount++] = i;
  }
  for (let k = 0; k < rcount; k++) idx[l + k] = scratch[k]!;
  sums[0] = gl;
  sums[1] = hl;
  return l;
}

function addLeaf(raw: Float64Array, idx: Int32Array, start: number, end: number, v: number): void {
  for (let r = start; r < end; r++) raw[idx[r]!]! += v;
}

/** Adds the tree to the validation margins and returns the mean validation loss. */
function addTreeLoss(cls: boolean, tree: Tree, x: Float64Array, y: Float64Array, n: number, p: number, valRaw: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = (valRaw[i]! += treeValue(tree, x, i * p));
    const yi = y[i]!;
    if (cls) loss += Math.max(z, 0) - z * yi + Math.log1p(Math.exp(-Math.abs(z)));
    else loss += (z - yi) ** 2;
  }
  return loss / n;
}

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

/** Best "bin ≤ b" split of a node's histogram: [gain, feature, bin] into `out` (gain −∞: none). */
function bestSplit(
  hist: Float64Array,
  off: Int32Array,
  nBins: Int32Array,
  p: number,
  G: number,
  H: number,
  cnt: number,
  lambda: number,
  minLeaf: number,
  minHess: number,
  out: Float64Array,
): void {
  let bestGain = -Infinity,
    bestFeature = -1,
    bestBin = -1;
  const parentScore = (G * G) / (H + lambda);
  for (let j = 0; j < p; j++) {
    let gl = 0,
      hl = 0,
      cl = 0;
    const o = off[j]!,
      last = nBins[j]! - 1;
    for (let b = 0; b < last; b++) {
      const k = (o + b) * 3;
      const bg = hist[k]!,
        bh = hist[k + 1]!,
        bc = hist[k + 2]!;
      // an exactly empty bin leaves (gl, hl, cl) as they were: the same gain as bin b − 1, never strictly better
      if (bc === 0 && bg === 0 && bh === 0 && b > 0) continue;
      gl += bg;
      hl += bh;
      cl += bc;
      if (cl < minLeaf) continue;
      if (cnt - cl < minLeaf) break;
      const hr = H - hl;
      if (hl < minHess || hr < minHess) continue;
      const gr = G - gl;
      const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestFeature = j;
        bestBin = b;
      }
    }
  }
  out[0] = bestGain;
  out[1] = bestFeature;
  out[2] = bestBin;
}

/**
 * Runs every hot loop helper on a two-row scratch problem (own buffers, nothing of the fit is
 * touched) so every branch and the code after each loop have type feedback before the loops get
 * hot: otherwise V8's on-stack-replaced loop code deopts there on every call and the loop restarts
 * in the interpreter (measured: ~40 deopts of gradients, ~90 of partition in one bench run).
 */
function primeFeedback(): void {
  // V8 allocates a function's feedback vector only after a few calls (lazy feedback allocation)
  for (let rep = 0; rep < 12; rep++) primeOnce();
}

/** Two rows, one each side of the split: every branch of every helper runs once. */
function primeOnce(): void {
  const f = new Float64Array(6),
    two = new Float64Array(2),
    idx = Int32Array.of(0, 1),
    scratch = new Int32Array(2);
  const slot = Int32Array.of(0, 3),
    col = Uint8Array.of(0, 1),
    y = Float64Array.of(0, 1),
    w = Float64Array.of(1, 1);
  gradients(true, two, y, w, new Float64Array(2), new Float64Array(2), 2, two);
  gradients(false, two, y, w, new Float64Array(2), new Float64Array(2), 2, two);
  fillHist(f, idx, 0, 2, slot, 1, w, w);
  fillRootHist(f, 2, slot, 1, w, w);
  subtractHist(f, new Float64Array(6), 6);
  partition(idx, scratch, col, 0, 0, 2, w, w, two);
  addLeaf(new Float64Array(2), idx, 0, 2, 0);
  distinctSorted(Float64Array.of(0, 0, 1, NaN));
  bestSplit(Float64Array.of(-1, 1, 1, 1, 1, 1), Int32Array.of(0), Int32Array.of(2), 1, 0, 2, 2, 1, 1, 0, new Float64Array(3));
  bestSplit(new Float64Array(9), Int32Array.of(0), Int32Array.of(3), 1, 0, 2, 2, 1, 1, 0, new Float64Array(3));
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
  const nBins = Int32Array.from(mapper.edges, (e) => e.length + 1);
  const off = new Int32Array(p + 1);
  for (let j = 0; j < p; j++) off[j + 1] = off[j]! + nBins[j]!;
  const histSize = off[p]! * 3;

  let sw = 0,
    swy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i]!;
    swy += w[i]! * y[i]!;
  }
  const mean = swy / sw;
  const baseScore = f32(cls ? Math.log(Math.min(Math.max(mean, 1e-12), 1 - 1e-12) / (1 - Math.min(Math.max(mean, 1e-12), 1 - 1e-12))) : mean);

  const raw = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n),
    hess = new Float64Array(n);
  const idx = new Int32Array(n),
    scratch = new Int32Array(n);
  const val = input.validation;
  const valRaw = val ? new Float64Array(val.n).fill(baseScore) : null;
  const trees: Tree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Infinity,
    bestIter = 0,
    sinceBest = 0;
  const lambda = params.l2;

  // each row's histogram slots, (feature offset + bin) × 3, precomputed once: the inner loop is load + add
  const slot = new Int32Array(n * p);
  const colSlot = new Int32Array(n * p); // the same, column-major (feature j's rows at j·n)
  const colBins = new Uint8Array(n * p); // bins, column-major: partitioning reads one feature
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const k = (off[j]! + bins[i * p + j]!) * 3;
      slot[i * p + j] = k;
      colSlot[j * n + i] = k;
      colBins[j * n + i] = bins[i * p + j]!;
    }
  }

  // histogram buffers are recycled: allocating one per node dominated the run time via GC
  const pool: Float64Array[] = [];
  const takeHist = (): Float64Array => {
    const recycled = pool.pop();
    return recycled ? recycled.fill(0) : new Float64Array(histSize);
  };
  const buildHist = (start: number, end: number): Float64Array => {
    const hist = takeHist();
    fillHist(hist, idx, start, end, slot, p, grad, hess);
    return hist;
  };
  let rootCounts: Float64Array | null = null;
  const buildRootHist = (): Float64Array => {
    if (!rootCounts) {
      rootCounts = new Float64Array(histSize);
      for (let k = 0; k < n * p; k++) rootCounts[slot[k]! + 2]!++;
    }
    const hist = pool.pop() ?? new Float64Array(histSize);
    hist.set(rootCounts);
    fillRootHist(hist, n, colSlot, p, grad, hess);
    return hist;
  };

  const minLeaf = params.minSamplesLeaf,
    minHess = params.minHessianLeaf;
  const splitOut = new Float64Array(3);
  const findSplit = (nd: NodeWork): void => {
    nd.gain = -Infinity;
    const cnt = nd.end - nd.start;
    if (cnt < 2 * minLeaf || nd.depth >= params.maxDepth) return;
    bestSplit(nd.hist!, off, nBins, p, nd.g, nd.h, cnt, lambda, minLeaf, minHess, splitOut);
    const bestGain = splitOut[0]!;
    nd.gain = bestGain > params.minGainToSplit + 1e-12 ? bestGain : -Infinity;
    nd.feature = splitOut[1]!;
    nd.bin = splitOut[2]!;
  };

  const sums = new Float64Array(2);
  primeFeedback();
  for (let it = 0; it < params.maxIter; it++) {
    gradients(cls, raw, y, w, grad, hess, n, sums);
    const G = sums[0]!,
      H = sums[1]!;
    for (let i = 0; i < n; i++) idx[i] = i;
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [], cover: [] };
    const nodes: NodeWork[] = [];
    /** hist === null: the node can never split (findSplit would not look at a histogram). */
    const newNode = (start: number, end: number, depth: number, g: number, h: number, hist: Float64Array | null): NodeWork => {
      const nd: NodeWork = { id: tree.feature.length, start, end, depth, g, h, hist, gain: -Infinity, feature: -1, bin: -1 };
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(f32((-g / (h + lambda)) * params.learningRate));
      tree.cover.push(end - start);
      nodes.push(nd);
      if (hist) findSplit(nd);
      return nd;
    };
    // a child needs a histogram only if findSplit could split it and the tree may still grow after this split
    const splittable = (count: number, depth: number): boolean => count >= 2 * minLeaf && depth < params.maxDepth;
    const root = newNode(0, n, 0, G, H, buildRootHist());
    const open: NodeWork[] = root.gain > -Infinity ? [root] : [];
    let leaves = 1;
    while (open.length > 0 && leaves < params.maxLeafNodes) {
      // leaf-wise: best gain; depth-wise: oldest (breadth-first) node
      let pick = 0;
      if (params.growth === 'leaf-wise') for (let k = 1; k < open.length; k++) if (open[k]!.gain > open[pick]!.gain) pick = k;
      const nd = open.splice(pick, 1)[0]!;
      // stable partition of idx[start, end) on bin ≤ split bin; the left sums accumulate in row order
      const l = partition(idx, scratch, colBins.subarray(nd.feature * n, nd.feature * n + n), nd.bin, nd.start, nd.end, grad, hess, sums);
      const gl = sums[0]!,
        hl = sums[1]!;
      const parentHist = nd.hist!;
      nd.hist = null;
      const grows = leaves + 1 < params.maxLeafNodes;
      const depth = nd.depth + 1;
      const needL = grows && splittable(l - nd.start, depth),
        needR = grows && splittable(nd.end - l, depth);
      let lh: Float64Array | null = null,
        rh: Float64Array | null = null;
      if (needL || needR) {
        const leftSmaller = l - nd.start <= nd.end - l;
        const small = leftSmaller ? buildHist(nd.start, l) : buildHist(l, nd.end);
        if (leftSmaller ? needR : needL) {
          subtractHist(parentHist, small, histSize);
          if (leftSmaller) {
            lh = small;
            rh = parentHist;
          } else {
            lh = parentHist;
            rh = small;
          }
        } else {
          pool.push(parentHist);
          if (leftSmaller) lh = small;
          else rh = small;
        }
        if (!needL && lh) {
          pool.push(lh);
          lh = null;
        }
        if (!needR && rh) {
          pool.push(rh);
          rh = null;
        }
      } else pool.push(parentHist);
      const left = newNode(nd.start, l, depth, gl, hl, lh);
      const right = newNode(l, nd.end, depth, nd.g - gl, nd.h - hl, rh);
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
      if (nd.hist) {
        pool.push(nd.hist);
        nd.hist = null;
      }
      if (tree.left[nd.id] !== -1) continue;
      const v = tree.value[nd.id]!;
      addLeaf(raw, idx, nd.start, nd.end, v);
    }
    trees.push(tree);
    if (val && valRaw && params.earlyStopping) {
      const loss = addTreeLoss(cls, tree, val.x, val.y, val.n, p, valRaw);
      validationLoss.push(loss);
      if (loss < bestLoss - params.earlyStopping.tol) {
        bestLoss = loss;
        bestIter = it + 1;
        sinceBest = 0;
      } else if (++sinceBest >= params.earlyStopping.patience) break;
    }
  }
  if (val && params.earlyStopping) trees.length = Math.max(bestIter, 1);
  return { kind: 'gbdt', task: params.task, nFeatures: p, baseScore, trees, params, validationLoss };
}
