// Tile geometry, tile labels from annotated defect boxes, and the split of boards into
// train / validation / test by board (never tiles of one board on two sides).

export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface Defect extends Box {
  readonly type: number;
}

export interface TileGrid {
  readonly width: number;
  readonly height: number;
  readonly tile: number;
  readonly stride: number;
  readonly cols: number;
  readonly rows: number;
}

export const DEFAULT_TILE = 32;
export const DEFAULT_STRIDE = 16;

export function tileGrid(width: number, height: number, tile = DEFAULT_TILE, stride = DEFAULT_STRIDE): TileGrid {
  if (!Number.isInteger(tile) || !Number.isInteger(stride) || stride <= 0 || tile % stride !== 0)
    throw new Error(`tile ${tile} must be a positive multiple of stride ${stride}`);
  if (width < tile || height < tile) throw new Error(`image ${width}×${height} smaller than one tile of ${tile}`);
  return { width, height, tile, stride, cols: Math.floor((width - tile) / stride) + 1, rows: Math.floor((height - tile) / stride) + 1 };
}

/** Pixel box of tile k (row-major over the grid), x2/y2 exclusive. */
export function tileBox(g: TileGrid, k: number): Box {
  const x1 = (k % g.cols) * g.stride,
    y1 = Math.floor(k / g.cols) * g.stride;
  return { x1, y1, x2: x1 + g.tile, y2: y1 + g.tile };
}

export const overlaps = (a: Box, b: Box): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/**
 * Tile labels: 1 when the centre of a defect box lies inside the tile, 0 when the tile
 * touches no defect box (grown by `margin` px), −1 (left out of training and of the tile
 * AUROC) otherwise: a tile grazing a box edge may or may not show the defect.
 */
export function tileLabels(g: TileGrid, defects: readonly Box[], margin = 4): Int8Array {
  const n = g.cols * g.rows;
  const out = new Int8Array(n);
  for (let k = 0; k < n; k++) {
    const t = tileBox(g, k);
    let label = 0;
    for (const d of defects) {
      const cx = (d.x1 + d.x2) / 2,
        cy = (d.y1 + d.y2) / 2;
      if (cx >= t.x1 && cx < t.x2 && cy >= t.y1 && cy < t.y2) {
        label = 1;
        break;
      }
      if (overlaps(t, { x1: d.x1 - margin, y1: d.y1 - margin, x2: d.x2 + margin, y2: d.y2 + margin })) label = -1;
    }
    out[k] = label;
  }
  return out;
}

/** A reproducible permutation (mulberry32) of 0..n-1. */
export function shuffled(n: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const tmp = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = tmp;
  }
  return idx;
}

export interface BoardSplit {
  readonly train: string[];
  readonly validation: string[];
  readonly test: string[];
}

/**
 * Splits board ids (not tiles) by a seeded shuffle of the sorted distinct ids: every tile of
 * a board follows its board, so no board is on two sides.
 */
export function splitBoards(boardIds: readonly string[], fractions: { train: number; validation: number }, seed = 22): BoardSplit {
  const ids = [...new Set(boardIds)].sort();
  const order = shuffled(ids.length, seed);
  const nTrain = Math.round(ids.length * fractions.train),
    nVal = Math.round(ids.length * fractions.validation);
  const pick = (a: number, b: number): string[] => Array.from(order.subarray(a, b), (i) => ids[i]!).sort();
  return { train: pick(0, nTrain), validation: pick(nTrain, nTrain + nVal), test: pick(nTrain + nVal, ids.length) };
}
