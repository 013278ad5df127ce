import { describe, expect, it } from 'vitest';
import { boardMetrics, boardPrompt, chooseThreshold, evaluateBoard, placeWords, regionsOf, tileGrid } from '../src/index.ts';

describe('defect map', () => {
  const g = tileGrid(96, 96, 32, 16); // 5×5 tiles
  const scores = new Float32Array(25);
  scores[0] = 0.9; // upper left
  scores[1] = 0.8; // its neighbour: the same region
  scores[24] = 0.7; // lower right, a second region
  it('joins 8-connected flagged tiles into regions with their pixel box and top score', () => {
    const r = regionsOf(g, scores, 0.5);
    expect(r).toEqual([
      { x1: 0, y1: 0, x2: 48, y2: 32, score: scores[0], tiles: 2 },
      { x1: 64, y1: 64, x2: 96, y2: 96, score: scores[24], tiles: 1 },
    ]);
  });
  it('defect recall counts defects overlapped by a region; false regions overlap none', () => {
    const r = regionsOf(g, scores, 0.5);
    expect(
      evaluateBoard(r, [
        { x1: 10, y1: 10, x2: 20, y2: 20 },
        { x1: 50, y1: 10, x2: 60, y2: 20 },
      ]),
    ).toEqual({ defects: 2, found: 1, regions: 2, falseRegions: 1 });
  });
  it('words of a place and the prompt', () => {
    expect(placeWords({ x1: 0, y1: 0, x2: 48, y2: 32 }, 640, 640)).toBe('upper left');
    expect(placeWords({ x1: 300, y1: 300, x2: 340, y2: 340 }, 640, 640)).toBe('centre');
    expect(boardPrompt('13000188', 'AOI 1', regionsOf(g, scores, 0.5), 96, 96)).toBe(
      'Board 13000188 at AOI 1: possible defect near the upper left, the lower right — check before soldering.',
    );
    expect(boardPrompt('1', 'AOI 1', [], 96, 96)).toBe('Board 1 at AOI 1: no defect found.');
  });
  it('threshold: the cheapest one reaching the recall target (missed defect vs false reject)', () => {
    const board = {
      grid: g,
      scores,
      defects: [
        { x1: 10, y1: 10, x2: 20, y2: 20 },
        { x1: 70, y1: 70, x2: 80, y2: 80 },
      ],
    };
    const m = chooseThreshold([board], { missedDefect: 20, falseReject: 1 }, 1, 20);
    expect(m.recall).toBe(1);
    expect(m.threshold).toBeLessThanOrEqual(0.7);
    expect(boardMetrics([board], 0.95, { missedDefect: 20, falseReject: 1 })).toMatchObject({ recall: 0, costPerBoard: 40 });
  });
});
