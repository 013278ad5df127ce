// Defect map of a board: tile scores on the grid → flagged tiles (score ≥ threshold) →
// regions (8-connected flagged tiles, their pixel bounding box and top score), the region
// words an operator reads ("upper left"), and the board-level evaluation: defect recall
// (share of annotated defects overlapped by a flagged region) and false regions (regions
// overlapping no annotated defect).

import { overlaps, tileBox, type Box, type TileGrid } from './tiles.ts';

export interface Region extends Box {
  readonly score: number;
  readonly tiles: number;
}

export function regionsOf(grid: TileGrid, scores: ArrayLike<number>, threshold: number): Region[] {
  const n = grid.cols * grid.rows;
  const seen = new Uint8Array(n);
  const out: Region[] = [];
  const stack: number[] = [];
  for (let k = 0; k < n; k++) {
    if (seen[k] || scores[k]! < threshold) continue;
    let x1 = Infinity,
      y1 = Infinity,
      x2 = -Infinity,
      y2 = -Infinity,
      top = -Infinity,
      count = 0;
    seen[k] = 1;
    stack.push(k);
    while (stack.length) {
      const t = stack.pop()!;
      const b = tileBox(grid, t);
      x1 = Math.min(x1, b.x1);
      y1 = Math.min(y1, b.y1);
      x2 = Math.max(x2, b.x2);
      y2 = Math.max(y2, b.y2);
      top = Math.max(top, scores[t]!);
      count++;
      const c = t % grid.cols,
        r = Math.floor(t / grid.cols);
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr,
            cc = c + dc;
          if (rr < 0 || cc < 0 || rr >= grid.rows || cc >= grid.cols) continue;
          const q = rr * grid.cols + cc;
          if (!seen[q] && scores[q]! >= threshold) {
            seen[q] = 1;
            stack.push(q);
          }
        }
    }
    out.push({ x1, y1, x2, y2, score: top, tiles: count });
  }
  return out.sort((a, b) => b.score - a.score);
}

export interface BoardEvaluation {
  readonly defects: number;
  readonly found: number;
  readonly regions: number;
  readonly falseRegions: number;
}

export function evaluateBoard(regions: readonly Box[], defects: readonly Box[]): BoardEvaluation {
  const found = defects.filter((d) => regions.some((r) => overlaps(r, d))).length;
  const falseRegions = regions.filter((r) => !defects.some((d) => overlaps(r, d))).length;
  return { defects: defects.length, found, regions: regions.length, falseRegions };
}

/** "upper left", "centre", "lower right", … of a box's centre on an image. */
export function placeWords(box: Box, width: number, height: number): string {
  const cx = (box.x1 + box.x2) / 2 / width,
    cy = (box.y1 + box.y2) / 2 / height;
  const v = cy < 1 / 3 ? 'upper' : cy > 2 / 3 ? 'lower' : 'middle';
  const h = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : 'centre';
  if (v === 'middle' && h === 'centre') return 'centre';
  if (v === 'middle') return `middle ${h}`;
  return h === 'centre' ? `${v} centre` : `${v} ${h}`;
}

export const DEFECT_TYPES: Readonly<Record<number, string>> = { 1: 'open', 2: 'short', 3: 'mousebite', 4: 'spur', 5: 'spurious copper', 6: 'pin-hole' };

/** The operator prompt of a board ("Board 13000188: possible defect near the upper left — check before soldering"). */
export function boardPrompt(boardId: string, station: string, regions: readonly Region[], width: number, height: number, kind = 'defect'): string {
  if (regions.length === 0) return `Board ${boardId} at ${station}: no defect found.`;
  const where = regions.slice(0, 3).map((r) => placeWords(r, width, height));
  const more = regions.length > 3 ? ` and ${regions.length - 3} more` : '';
  return `Board ${boardId} at ${station}: possible ${kind} near the ${where.join(', the ')}${more} — check before soldering.`;
}
