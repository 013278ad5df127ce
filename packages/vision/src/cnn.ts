// A small convolutional network on typed arrays, forward and backward by hand:
//   input [1 × S × S] (grey /255)
//   → Conv 3×3 pad 1 stride 2 (1→c1) → Relu → MaxPool 2
//   → Conv 3×3 pad 1 (c1→c2) → Relu → MaxPool 2
//   → Conv 3×3 pad 1 (c2→c3) → Relu → GlobalAveragePool → Gemm (c3→1) = logit.
// Parameters are one Float32Array (a layout of named slices) so workers exchange them as
// one buffer; the ONNX export (onnx-cnn.ts) writes the same slices as initializers.

export interface CnnShape {
  readonly size: number; // tile side, divisible by 8
  readonly c1: number;
  readonly c2: number;
  readonly c3: number;
}

export const DEFAULT_CNN_SHAPE: CnnShape = { size: 32, c1: 8, c2: 16, c3: 16 };

export interface CnnLayout {
  readonly shape: CnnShape;
  readonly w1: number;
  readonly b1: number;
  readonly w2: number;
  readonly b2: number;
  readonly w3: number;
  readonly b3: number;
  readonly wf: number;
  readonly bf: number;
  readonly total: number;
}

export function cnnLayout(shape: CnnShape): CnnLayout {
  const { c1, c2, c3 } = shape;
  let o = 0;
  const take = (n: number): number => {
    const at = o;
    o += n;
    return at;
  };
  const w1 = take(c1 * 9),
    b1 = take(c1),
    w2 = take(c2 * c1 * 9),
    b2 = take(c2),
    w3 = take(c3 * c2 * 9),
    b3 = take(c3),
    wf = take(c3),
    bf = take(1);
  return { shape, w1, b1, w2, b2, w3, b3, wf, bf, total: o };
}

export interface Cnn {
  readonly shape: CnnShape;
  readonly params: Float32Array;
}

/** He-initialised parameters from a seeded generator. */
export function initCnn(shape: CnnShape = DEFAULT_CNN_SHAPE, seed = 1): Cnn {
  const L = cnnLayout(shape);
  const p = new Float32Array(L.total);
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const fill = (at: number, n: number, fanIn: number): void => {
    const sd = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) p[at + i] = normal() * sd;
  };
  fill(L.w1, shape.c1 * 9, 9);
  fill(L.w2, shape.c2 * shape.c1 * 9, shape.c1 * 9);
  fill(L.w3, shape.c3 * shape.c2 * 9, shape.c2 * 9);
  fill(L.wf, shape.c3, shape.c3);
  return { shape, params: p };
}

/** Output index range [lo, hi) of a 3×3 pad-1 convolution tap k (0..2) with stride s over n inputs. */
function span(k: number, s: number, n: number, m: number): [number, number] {
  // input index i = o·s + k − 1 must lie in [0, n)
  const lo = Math.max(0, Math.ceil((1 - k) / s));
  const hi = Math.min(m, Math.floor((n - k) / s) + 1);
  return [lo, hi];
}

/**
 * 3×3 convolution, padding 1, stride s (n divisible by s), m = n / s:
 * out[co][y][x] = b[co] + Σ w[co][ci][ky][kx]·in[ci][y·s+ky−1][x·s+kx−1].
 */
function conv3(input: Float32Array, ci: number, n: number, s: number, p: Float32Array, wAt: number, bAt: number, co: number, out: Float32Array): void {
  const m = n / s,
    mm = m * m,
    nn = n * n;
  for (let o = 0; o < co; o++) {
    const ob = o * mm;
    out.fill(p[bAt + o]!, ob, ob + mm);
    for (let i = 0; i < ci; i++) {
      const ib = i * nn;
      for (let ky = 0; ky < 3; ky++) {
        const [y0, y1] = span(ky, s, n, m);
        for (let kx = 0; kx < 3; kx++) {
          const w = p[wAt + ((o * ci + i) * 3 + ky) * 3 + kx]!;
          const [x0, x1] = span(kx, s, n, m);
          for (let y = y0; y < y1; y++) {
            const orow = ob + y * m,
              irow = ib + (y * s + ky - 1) * n + kx - 1;
            for (let x = x0; x < x1; x++) out[orow + x]! += w * input[irow + x * s]!;
          }
        }
      }
    }
  }
}

function conv3Backward(
  input: Float32Array,
  ci: number,
  n: number,
  s: number,
  p: Float32Array,
  wAt: number,
  bAt: number,
  co: number,
  dOut: Float32Array,
  g: Float64Array,
  dIn: Float32Array | null,
): void {
  const m = n / s,
    mm = m * m,
    nn = n * n;
  if (dIn) dIn.fill(0, 0, ci * nn);
  for (let o = 0; o < co; o++) {
    const ob = o * mm;
    let sb = 0;
    for (let q = 0; q < mm; q++) sb += dOut[ob + q]!;
    g[bAt + o]! += sb;
    for (let i = 0; i < ci; i++) {
      const ib = i * nn;
      for (let ky = 0; ky < 3; ky++) {
        const [y0, y1] = span(ky, s, n, m);
        for (let kx = 0; kx < 3; kx++) {
          const wi = wAt + ((o * ci + i) * 3 + ky) * 3 + kx;
          const w = p[wi]!;
          const [x0, x1] = span(kx, s, n, m);
          let sw = 0;
          for (let y = y0; y < y1; y++) {
            const orow = ob + y * m,
              irow = ib + (y * s + ky - 1) * n + kx - 1;
            if (dIn)
              for (let x = x0; x < x1; x++) {
                const d = dOut[orow + x]!;
                sw += d * input[irow + x * s]!;
                dIn[irow + x * s]! += w * d;
              }
            else for (let x = x0; x < x1; x++) sw += dOut[orow + x]! * input[irow + x * s]!;
          }
          g[wi]! += sw;
        }
      }
    }
  }
}

function reluInPlace(a: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) if (a[i]! < 0) a[i] = 0;
}

/** 2×2 max pooling; `arg` keeps the winning input index for the backward pass. */
function maxPool2(input: Float32Array, c: number, n: number, out: Float32Array, arg: Int32Array): void {
  const m = n >> 1;
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < m; y++)
      for (let x = 0; x < m; x++) {
        const base = ch * n * n + 2 * y * n + 2 * x;
        let best = base;
        if (input[base + 1]! > input[best]!) best = base + 1;
        if (input[base + n]! > input[best]!) best = base + n;
        if (input[base + n + 1]! > input[best]!) best = base + n + 1;
        const q = ch * m * m + y * m + x;
        out[q] = input[best]!;
        arg[q] = best;
      }
}

/** Scratch buffers of one forward/backward pass (one per thread). */
export interface CnnWork {
  readonly a1: Float32Array;
  readonly p1: Float32Array;
  readonly arg1: Int32Array;
  readonly a2: Float32Array;
  readonly p2: Float32Array;
  readonly arg2: Int32Array;
  readonly a3: Float32Array;
  readonly gap: Float32Array;
  readonly d3: Float32Array;
  readonly dp2: Float32Array;
  readonly d2: Float32Array;
  readonly dp1: Float32Array;
  readonly d1: Float32Array;
}

export function cnnWork(shape: CnnShape): CnnWork {
  const { size, c1, c2, c3 } = shape;
  const n = size >> 1,
    h = size >> 2,
    q = size >> 3;
  return {
    a1: new Float32Array(c1 * n * n),
    p1: new Float32Array(c1 * h * h),
    arg1: new Int32Array(c1 * h * h),
    a2: new Float32Array(c2 * h * h),
    p2: new Float32Array(c2 * q * q),
    arg2: new Int32Array(c2 * q * q),
    a3: new Float32Array(c3 * q * q),
    gap: new Float32Array(c3),
    d3: new Float32Array(c3 * q * q),
    dp2: new Float32Array(c2 * q * q),
    d2: new Float32Array(c2 * h * h),
    dp1: new Float32Array(c1 * h * h),
    d1: new Float32Array(c1 * n * n),
  };
}

/** Forward pass of one tile ([size × size] float, /255) → logit. Leaves activations in `work`. */
export function cnnForward(net: Cnn, tile: Float32Array, work: CnnWork = cnnWork(net.shape)): number {
  const L = cnnLayout(net.shape);
  const { size, c1, c2, c3 } = net.shape;
  const p = net.params;
  const n = size >> 1,
    h = size >> 2,
    q = size >> 3;
  conv3(tile, 1, size, 2, p, L.w1, L.b1, c1, work.a1);
  reluInPlace(work.a1, c1 * n * n);
  maxPool2(work.a1, c1, n, work.p1, work.arg1);
  conv3(work.p1, c1, h, 1, p, L.w2, L.b2, c2, work.a2);
  reluInPlace(work.a2, c2 * h * h);
  maxPool2(work.a2, c2, h, work.p2, work.arg2);
  conv3(work.p2, c2, q, 1, p, L.w3, L.b3, c3, work.a3);
  reluInPlace(work.a3, c3 * q * q);
  let z = p[L.bf]!;
  for (let c = 0; c < c3; c++) {
    let s = 0;
    for (let k = 0; k < q * q; k++) s += work.a3[c * q * q + k]!;
    work.gap[c] = s / (q * q);
    z += p[L.wf + c]! * work.gap[c]!;
  }
  return Math.fround(z);
}

/**
 * Adds d(loss)/d(params) of one tile to `grad` for a loss whose derivative by the logit is
 * `dz` (after cnnForward of the same tile with the same `work`).
 */
export function cnnBackward(net: Cnn, tile: Float32Array, dz: number, grad: Float64Array, work: CnnWork): void {
  const L = cnnLayout(net.shape);
  const { size, c1, c2, c3 } = net.shape;
  const p = net.params;
  const n = size >> 1,
    h = size >> 2,
    q = size >> 3,
    qq = q * q;
  grad[L.bf]! += dz;
  for (let c = 0; c < c3; c++) {
    grad[L.wf + c]! += dz * work.gap[c]!;
    const d = (dz * p[L.wf + c]!) / qq;
    for (let k = 0; k < qq; k++) work.d3[c * qq + k] = work.a3[c * qq + k]! > 0 ? d : 0;
  }
  conv3Backward(work.p2, c2, q, 1, p, L.w3, L.b3, c3, work.d3, grad, work.dp2);
  work.d2.fill(0);
  for (let k = 0; k < c2 * qq; k++) work.d2[work.arg2[k]!]! += work.dp2[k]!;
  for (let k = 0; k < c2 * h * h; k++) if (work.a2[k]! <= 0) work.d2[k] = 0;
  conv3Backward(work.p1, c1, h, 1, p, L.w2, L.b2, c2, work.d2, grad, work.dp1);
  work.d1.fill(0);
  for (let k = 0; k < c1 * h * h; k++) work.d1[work.arg1[k]!]! += work.dp1[k]!;
  for (let k = 0; k < c1 * n * n; k++) if (work.a1[k]! <= 0) work.d1[k] = 0;
  conv3Backward(tile, 1, size, 2, p, L.w1, L.b1, c1, work.d1, grad, null);
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Logits of many tiles stored back to back ([count × size²]). */
export function cnnScores(net: Cnn, tiles: Float32Array, count: number): Float32Array {
  const work = cnnWork(net.shape);
  const px = net.shape.size * net.shape.size;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = cnnForward(net, tiles.subarray(i * px, (i + 1) * px), work);
  return out;
}
