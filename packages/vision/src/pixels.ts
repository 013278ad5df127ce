// Tile pixels for the CNN: every tile of a grid as float (/255), and training crops with a
// margin for shift augmentation (pixels outside the image clamp to the nearest edge).

import type { GreyImage } from './image.ts';
import { tileBox, type TileGrid } from './tiles.ts';

export function boardTiles(img: GreyImage, grid: TileGrid): Float32Array {
  const T = grid.tile,
    n = grid.cols * grid.rows;
  const out = new Float32Array(n * T * T);
  for (let k = 0; k < n; k++) {
    const b = tileBox(grid, k);
    for (let y = 0; y < T; y++) {
      const row = (b.y1 + y) * img.width + b.x1,
        at = k * T * T + y * T;
      for (let x = 0; x < T; x++) out[at + x] = img.data[row + x]! / 255;
    }
  }
  return out;
}

/** Tile k of the grid with `pad` px around it, 8-bit, into `out` at `at`. */
export function cropInto(img: GreyImage, grid: TileGrid, k: number, pad: number, out: Uint8Array, at: number): void {
  const b = tileBox(grid, k);
  const C = grid.tile + 2 * pad;
  for (let y = 0; y < C; y++) {
    const sy = Math.min(img.height - 1, Math.max(0, b.y1 - pad + y));
    for (let x = 0; x < C; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, b.x1 - pad + x));
      out[at + y * C + x] = img.data[sy * img.width + sx]!;
    }
  }
}
