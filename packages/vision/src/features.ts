// Texture features of every tile of a board: ONE function, used by training and serving.
//   - local binary patterns at radii 1, 2 and 4 (8 neighbours each, rotation-invariant
//     uniform codes: 0..8 = number of set bits of a uniform pattern, 9 = non-uniform), two
//     polarities: "up" sets a bit where the neighbour is brighter than the centre by more
//     than LBP_MARGIN, "down" where it is darker; histograms as shares of the tile's pixels;
//   - Sobel gradient magnitude: mean, standard deviation, maximum;
//   - 4-neighbour Laplacian |value|: mean, standard deviation, maximum;
//   - intensity mean and standard deviation;
//   - block contrast: the 8×8 blocks' mean intensities inside the tile, their standard
//     deviation and the largest deviation of one block from the tile mean (an outlier).
// Pixels outside the image are the nearest edge pixel (clamped). Intensities are /255.
// Computed once per board on cells of `stride` px; a tile sums its cells, so a board
// of 640×640 costs a few milliseconds regardless of how many tiles overlap.

import type { GreyImage } from './image.ts';
import type { TileGrid } from './tiles.ts';

export const LBP_RADII = [1, 2, 4] as const;
export const LBP_MARGIN = 16;
export const BLOCK = 8;
const LBP_BINS = 10;

export const FEATURE_NAMES: readonly string[] = [
  ...LBP_RADII.flatMap((r) => ['up', 'down'].flatMap((p) => Array.from({ length: LBP_BINS }, (_, k) => `lbp${r}_${p}_${k === 9 ? 'nonuniform' : k}`))),
  'grad_mean',
  'grad_std',
  'grad_max',
  'lap_mean',
  'lap_std',
  'lap_max',
  'mean',
  'std',
  'block_std',
  'block_maxdev',
];
export const FEATURE_COUNT = FEATURE_NAMES.length;

// rotation-invariant uniform code of every 8-bit pattern
const RIU2 = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    let transitions = 0,
      ones = 0;
    for (let b = 0; b < 8; b++) {
      ones += (c >> b) & 1;
      transitions += ((c >> b) & 1) !== ((c >> ((b + 1) % 8)) & 1) ? 1 : 0;
    }
    t[c] = transitions <= 2 ? ones : 9;
  }
  return t;
})();

// neighbours in circular order: E, NE, N, NW, W, SW, S, SE
const DIRS: readonly (readonly [number, number])[] = [
  [1, 0],
  [1, -1],
  [0, -1],
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
];

/** The image with `pad` px of clamped edge pixels on every side. */
function padded(img: GreyImage, pad: number): { data: Uint8Array; stride: number } {
  const { width: w, height: h, data } = img;
  const W = w + 2 * pad;
  const out = new Uint8Array(W * (h + 2 * pad));
  for (let y = 0; y < h + 2 * pad; y++) {
    const sy = Math.min(h - 1, Math.max(0, y - pad));
    for (let x = 0; x < W; x++) out[y * W + x] = data[sy * w + Math.min(w - 1, Math.max(0, x - pad))]!;
  }
  return { data: out, stride: W };
}

/** Rotation-invariant uniform LBP codes (0..9) of every pixel, both polarities, at radius r. */
export function lbpCodes(img: GreyImage, r: number, margin = LBP_MARGIN): { up: Uint8Array; down: Uint8Array } {
  const { width: w, height: h } = img;
  const { data, stride: W } = padded(img, r);
  const up = new Uint8Array(w * h),
    down = new Uint8Array(w * h);
  const off = DIRS.map(([dx, dy]) => dy * r * W + dx * r);
  const [o0, o1, o2, o3, o4, o5, o6, o7] = off as [number, number, number, number, number, number, number, number];
  for (let y = 0; y < h; y++) {
    let q = (y + r) * W + r;
    for (let x = 0; x < w; x++, q++) {
      const c = data[q]!,
        hi = c + margin,
        lo = c - margin;
      const v0 = data[q + o0]!,
        v1 = data[q + o1]!,
        v2 = data[q + o2]!,
        v3 = data[q + o3]!,
        v4 = data[q + o4]!,
        v5 = data[q + o5]!,
        v6 = data[q + o6]!,
        v7 = data[q + o7]!;
      const u =
        (v0 > hi ? 1 : 0) |
        (v1 > hi ? 2 : 0) |
        (v2 > hi ? 4 : 0) |
        (v3 > hi ? 8 : 0) |
        (v4 > hi ? 16 : 0) |
        (v5 > hi ? 32 : 0) |
        (v6 > hi ? 64 : 0) |
        (v7 > hi ? 128 : 0);
      const d =
        (v0 < lo ? 1 : 0) |
        (v1 < lo ? 2 : 0) |
        (v2 < lo ? 4 : 0) |
        (v3 < lo ? 8 : 0) |
        (v4 < lo ? 16 : 0) |
        (v5 < lo ? 32 : 0) |
        (v6 < lo ? 64 : 0) |
        (v7 < lo ? 128 : 0);
      up[y * w + x] = RIU2[u]!;
      down[y * w + x] = RIU2[d]!;
    }
  }
  return { up, down };
}

/** Sobel gradient magnitude and |4-neighbour Laplacian| of every pixel (intensities /255). */
export function gradientMaps(img: GreyImage): { grad: Float32Array; lap: Float32Array } {
  const { width: w, height: h } = img;
  const { data, stride: W } = padded(img, 1);
  const grad = new Float32Array(w * h),
    lap = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    let q = (y + 1) * W + 1;
    for (let x = 0; x < w; x++, q++) {
      const nw = data[q - W - 1]!,
        n = data[q - W]!,
        ne = data[q - W + 1]!,
        wv = data[q - 1]!,
        c = data[q]!,
        e = data[q + 1]!,
        sw = data[q + W - 1]!,
        s = data[q + W]!,
        se = data[q + W + 1]!;
      const gx = (ne + 2 * e + se - nw - 2 * wv - sw) / 255;
      const gy = (sw + 2 * s + se - nw - 2 * n - ne) / 255;
      grad[y * w + x] = Math.sqrt(gx * gx + gy * gy);
      lap[y * w + x] = Math.abs(4 * c - wv - e - n - s) / 255;
    }
  }
  return { grad, lap };
}

const CELL_STATS = 6 * LBP_BINS + 8; // histograms, then Σg Σg² max g, Σl Σl² max l, Σi Σi²

/**
 * The shared feature function: features of every tile of `grid` over `img`, row-major
 * [tiles × FEATURE_COUNT] float32 (tile k at k·FEATURE_COUNT).
 */
export function tileFeatures(img: GreyImage, grid: TileGrid): Float32Array {
  const { width: w, height: h, data } = img;
  if (w !== grid.width || h !== grid.height) throw new Error(`image ${w}×${h} does not match the tile grid ${grid.width}×${grid.height}`);
  const s = grid.stride;
  if (s % BLOCK !== 0) throw new Error(`tile features need a stride that is a multiple of ${BLOCK} px, got ${s}`);
  const cw = Math.ceil(w / s),
    ch = Math.ceil(h / s);
  const cells = new Float64Array(cw * ch * CELL_STATS);
  const maps = LBP_RADII.map((r) => lbpCodes(img, r));
  const { grad, lap } = gradientMaps(img);
  const [m0, m1, m2] = maps as [{ up: Uint8Array; down: Uint8Array }, { up: Uint8Array; down: Uint8Array }, { up: Uint8Array; down: Uint8Array }];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      const o = (((y / s) | 0) * cw + ((x / s) | 0)) * CELL_STATS;
      cells[o + m0.up[p]!]! += 1;
      cells[o + LBP_BINS + m0.down[p]!]! += 1;
      cells[o + 2 * LBP_BINS + m1.up[p]!]! += 1;
      cells[o + 3 * LBP_BINS + m1.down[p]!]! += 1;
      cells[o + 4 * LBP_BINS + m2.up[p]!]! += 1;
      cells[o + 5 * LBP_BINS + m2.down[p]!]! += 1;
      const st = o + 6 * LBP_BINS,
        g = grad[p]!,
        l = lap[p]!,
        v = data[p]! / 255;
      cells[st]! += g;
      cells[st + 1]! += g * g;
      if (g > cells[st + 2]!) cells[st + 2] = g;
      cells[st + 3]! += l;
      cells[st + 4]! += l * l;
      if (l > cells[st + 5]!) cells[st + 5] = l;
      cells[st + 6]! += v;
      cells[st + 7]! += v * v;
    }
  // 8×8 block means
  const bw = Math.ceil(w / BLOCK),
    bh = Math.ceil(h / BLOCK);
  const blockSum = new Float64Array(bw * bh),
    blockN = new Float64Array(bw * bh);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const q = Math.floor(y / BLOCK) * bw + Math.floor(x / BLOCK);
      blockSum[q]! += data[y * w + x]! / 255;
      blockN[q]! += 1;
    }
  const per = grid.tile / s;
  const nTiles = grid.cols * grid.rows;
  const out = new Float32Array(nTiles * FEATURE_COUNT);
  const acc = new Float64Array(CELL_STATS);
  const npx = grid.tile * grid.tile;
  const std = (sum: number, sq: number, n: number): number => Math.sqrt(Math.max(0, sq / n - (sum / n) * (sum / n)));
  for (let k = 0; k < nTiles; k++) {
    const c0 = k % grid.cols,
      r0 = Math.floor(k / grid.cols);
    acc.fill(0);
    for (let dr = 0; dr < per; dr++)
      for (let dc = 0; dc < per; dc++) {
        const o = ((r0 + dr) * cw + c0 + dc) * CELL_STATS;
        for (let j = 0; j < CELL_STATS; j++) {
          if (j === 6 * LBP_BINS + 2 || j === 6 * LBP_BINS + 5) acc[j] = Math.max(acc[j]!, cells[o + j]!);
          else acc[j]! += cells[o + j]!;
        }
      }
    const f = k * FEATURE_COUNT;
    for (let j = 0; j < 6 * LBP_BINS; j++) out[f + j] = acc[j]! / npx;
    const st = 6 * LBP_BINS;
    out[f + st] = acc[st]! / npx;
    out[f + st + 1] = std(acc[st]!, acc[st + 1]!, npx);
    out[f + st + 2] = acc[st + 2]!;
    out[f + st + 3] = acc[st + 3]! / npx;
    out[f + st + 4] = std(acc[st + 3]!, acc[st + 4]!, npx);
    out[f + st + 5] = acc[st + 5]!;
    const mean = acc[st + 6]! / npx;
    out[f + st + 6] = mean;
    out[f + st + 7] = std(acc[st + 6]!, acc[st + 7]!, npx);
    // block contrast inside the tile
    const x0 = c0 * s,
      y0 = r0 * s,
      nb = grid.tile / BLOCK;
    let bs = 0,
      bsq = 0,
      maxdev = 0;
    for (let by = 0; by < nb; by++)
      for (let bx = 0; bx < nb; bx++) {
        const q = (y0 / BLOCK + by) * bw + x0 / BLOCK + bx;
        const m = blockSum[q]! / blockN[q]!;
        bs += m;
        bsq += m * m;
        maxdev = Math.max(maxdev, Math.abs(m - mean));
      }
    out[f + st + 8] = std(bs, bsq, nb * nb);
    out[f + st + 9] = maxdev;
  }
  return out;
}
