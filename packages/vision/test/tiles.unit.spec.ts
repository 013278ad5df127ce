import { describe, expect, it } from 'vitest';
import { splitBoards, tileBox, tileGrid, tileLabels } from '../src/index.ts';

describe('tile grid and labels', () => {
  it('a 640×640 board in 32 px tiles every 16 px has 39×39 tiles', () => {
    const g = tileGrid(640, 640);
    expect([g.cols, g.rows]).toEqual([39, 39]);
    expect(tileBox(g, 40)).toEqual({ x1: 16, y1: 16, x2: 48, y2: 48 });
  });
  it('labels: 1 where the box centre lies, −1 grazing the box, 0 away from it', () => {
    const g = tileGrid(96, 96, 32, 16); // 5×5 tiles
    const labels = tileLabels(g, [{ x1: 40, y1: 40, x2: 50, y2: 50 }]); // centre (45,45)
    const at = (c: number, r: number): number => labels[r * g.cols + c]!;
    expect(at(2, 2)).toBe(1); // 32..64 holds 45
    expect(at(1, 1)).toBe(1); // 16..48 holds 45
    expect(at(0, 0)).toBe(0); // 0..32 is 8 px away from 40
    expect(at(3, 3)).toBe(-1); // 48..80 overlaps the box but not its centre
    expect(at(4, 4)).toBe(0);
  });
});

describe('split by board', () => {
  const boards = Array.from({ length: 100 }, (_, i) => `board${String(i).padStart(3, '0')}`);
  // 39×39 tiles per board, each tile tagged with its board
  const tileBoards = boards.flatMap((b) => Array.from({ length: 1521 }, () => b));
  const split = splitBoards(tileBoards, { train: 0.6, validation: 0.2 });
  it('every board is on exactly one side, every side gets its share', () => {
    const sides = [split.train, split.validation, split.test];
    expect(sides.map((s) => s.length)).toEqual([60, 20, 20]);
    expect(new Set(sides.flat()).size).toBe(100);
  });
  it('no tile of one board is on two sides', () => {
    const side = new Map<string, string>();
    for (const [name, ids] of Object.entries(split)) for (const b of ids) side.set(b, name);
    const seen = new Map<string, Set<string>>();
    for (const b of tileBoards) (seen.get(b) ?? seen.set(b, new Set()).get(b)!).add(side.get(b)!);
    for (const s of seen.values()) expect(s.size).toBe(1);
  });
  it('is reproducible and independent of input order', () => {
    expect(splitBoards([...boards].reverse(), { train: 0.6, validation: 0.2 })).toEqual(split);
  });
});
