import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, gradientMaps, lbpCodes, tileFeatures, tileGrid, type GreyImage } from '../src/index.ts';

/** w×h black image with white pixels at the given points. */
function image(w: number, h: number, white: [number, number][]): GreyImage {
  const data = new Uint8Array(w * h);
  for (const [x, y] of white) data[y * w + x] = 255;
  return { width: w, height: h, data };
}

const feature = (f: Float32Array, name: string, tile = 0): number => f[tile * FEATURE_NAMES.length + FEATURE_NAMES.indexOf(name)]!;

describe('local binary patterns (hand-computed)', () => {
  const img = image(5, 5, [[2, 2]]);
  const { up, down } = lbpCodes(img, 1);
  it('a bright dot: all 8 neighbours darker → down code 8, up code 0', () => {
    expect(down[2 * 5 + 2]).toBe(8);
    expect(up[2 * 5 + 2]).toBe(0);
  });
  it('each neighbour of the dot sees one brighter neighbour → up code 1', () => {
    for (const [x, y] of [
      [1, 1],
      [2, 1],
      [3, 1],
      [1, 2],
      [3, 2],
      [1, 3],
      [2, 3],
      [3, 3],
    ] as const)
      expect([up[y * 5 + x], down[y * 5 + x]]).toEqual([1, 0]);
  });
  it('flat pixels (corners, clamped borders) → code 0', () => {
    expect([up[0], down[0], up[24], down[24]]).toEqual([0, 0, 0, 0]);
  });
  it('a non-uniform pattern → code 9', () => {
    // centre (1,1) with brighter E and W neighbours only: bits 0 and 4 → 4 transitions
    const { up: u } = lbpCodes(
      image(3, 3, [
        [0, 1],
        [2, 1],
      ]),
      1,
    );
    expect(u[4]).toBe(9);
  });
});

describe('gradient and Laplacian maps (hand-computed)', () => {
  const { grad, lap } = gradientMaps(image(5, 5, [[2, 2]]));
  it('Sobel: 0 on the dot, 2 beside it, √2 diagonal', () => {
    expect(grad[12]).toBeCloseTo(0, 6);
    expect(grad[13]).toBeCloseTo(2, 6);
    expect(grad[2 * 5 + 1]).toBeCloseTo(2, 6);
    expect(grad[18]).toBeCloseTo(Math.SQRT2, 6);
  });
  it('|Laplacian|: 4 on the dot, 1 beside it, 0 diagonal', () => {
    expect(lap[12]).toBeCloseTo(4, 6);
    expect(lap[13]).toBeCloseTo(1, 6);
    expect(lap[18]).toBeCloseTo(0, 6);
  });
});

describe('tileFeatures (one 16×16 tile, a white pixel at (5,5))', () => {
  const img = image(16, 16, [[5, 5]]);
  const f = tileFeatures(img, tileGrid(16, 16, 16, 8));
  it('has one row of every feature', () => {
    expect(f.length).toBe(FEATURE_NAMES.length);
  });
  it('LBP histograms: 1 pixel with down-code 8, 8 pixels with up-code 1 at each radius', () => {
    for (const r of [1, 2, 4]) {
      expect(feature(f, `lbp${r}_down_8`)).toBeCloseTo(1 / 256, 7);
      expect(feature(f, `lbp${r}_up_1`)).toBeCloseTo(8 / 256, 7);
      expect(feature(f, `lbp${r}_up_0`)).toBeCloseTo(248 / 256, 7);
      expect(feature(f, `lbp${r}_up_nonuniform`)).toBe(0);
    }
  });
  it('gradient, Laplacian, intensity statistics', () => {
    expect(feature(f, 'grad_mean')).toBeCloseTo((8 + 4 * Math.SQRT2) / 256, 6);
    expect(feature(f, 'grad_max')).toBeCloseTo(2, 6);
    expect(feature(f, 'lap_mean')).toBeCloseTo(8 / 256, 6);
    expect(feature(f, 'lap_max')).toBeCloseTo(4, 6);
    expect(feature(f, 'mean')).toBeCloseTo(1 / 256, 7);
    expect(feature(f, 'std')).toBeCloseTo(Math.sqrt(1 / 256 - 1 / 65536), 6);
  });
  it('block contrast: one of four 8×8 blocks holds the pixel', () => {
    expect(feature(f, 'block_std')).toBeCloseTo(Math.sqrt(3 / 65536), 6);
    expect(feature(f, 'block_maxdev')).toBeCloseTo(3 / 256, 6);
  });
  it('a tile of a larger board equals the same pixels scored alone (cells summed correctly)', () => {
    const big = image(32, 32, [[13, 13]]); // (5,5) inside the tile at (8,8)
    const g = tileGrid(32, 32, 16, 8);
    const fb = tileFeatures(big, g);
    const k = 1 * g.cols + 1; // tile at x=8, y=8
    for (const name of ['lbp1_down_8', 'lbp1_up_1', 'grad_max', 'lap_mean', 'mean', 'block_maxdev'])
      expect(feature(fb, name, k)).toBeCloseTo(feature(f, name), 6);
  });
  it('refuses a stride that is not a multiple of the 8 px block', () => {
    expect(() => tileFeatures(image(16, 16, []), tileGrid(16, 16, 16, 4))).toThrow(/multiple of 8/);
  });
});
