// The second stage over the defect map (#22): region features by hand on a small board, and a
// region classifier that learns to drop the weak single-tile regions normal copper gives while
// keeping the strong ones on defects (recall kept, false regions gone).
import { describe, expect, it } from 'vitest';
import { parseModel } from '@industrial/ml';
import {
  applyRegionStage,
  chooseKeep,
  fitRegionStage,
  modelJsonWithStage,
  parseRegionStage,
  outOfFold,
  regionCandidates,
  regionMetrics,
  regionStageScores,
  REGION_FEATURES,
  type RegionBoard,
} from '../src/region-stage.ts';
import { tileGrid } from '../src/tiles.ts';

const grid = tileGrid(128, 128, 32, 16); // 7 × 7 tiles
const img = { width: 128, height: 128, data: new Uint8Array(128 * 128).fill(200) };

/** A board: a strong 2-tile region on a defect at (a) and a weak 1-tile region on clean copper at (b). */
function board(a: number, b: number, jitter: number): RegionBoard {
  const scores = new Float32Array(49);
  scores[a] = 0.9 - jitter;
  scores[a + 1] = 0.7;
  scores[b] = 0.42 + jitter;
  const col = a % 7,
    row = Math.floor(a / 7);
  const defect = { x1: col * 16 + 8, y1: row * 16 + 8, x2: col * 16 + 20, y2: row * 16 + 20 };
  return { candidates: regionCandidates(img, grid, scores, 0.4), defects: [defect] };
}

describe('region stage', () => {
  it('describes a region by its tiles, size, place among the board and pixels', () => {
    const b = board(0, 40, 0);
    expect(b.candidates.regions.length).toBe(2);
    const x = Object.fromEntries(REGION_FEATURES.map((n, i) => [n, b.candidates.x[0]![i]]));
    expect(x).toMatchObject({
      tiles: 2,
      strong: 2,
      width: 48,
      height: 32,
      board_regions: 2,
      rank: 0,
      top_vs_board: 1,
      grey_mean: 200,
      grey_std: 0,
      grey_ring: 0,
    });
    expect(x.top).toBeCloseTo(0.9, 6);
    expect(x.second).toBeCloseTo(0.7, 6);
    expect(x.mean).toBeCloseTo(0.8, 6);
  });

  it('keeps the defects and drops the weak regions, with the keep threshold chosen out of fold', () => {
    const boards = Array.from({ length: 60 }, (_, i) => board(i % 5, 40 + (i % 3), (i % 7) * 0.01));
    const keep = chooseKeep(boards, outOfFold(boards), 0.95);
    const stage = fitRegionStage(boards);
    const scores = boards.map((b) => regionStageScores(stage, b.candidates));
    const before = regionMetrics(
      boards,
      boards.map((b) => new Float64Array(b.candidates.regions.length).fill(1)),
      0.5,
    );
    const after = regionMetrics(boards, scores, keep);
    expect(before).toEqual({ recall: 1, falseRegionsPerBoard: 1 });
    expect(after.recall).toBeGreaterThanOrEqual(0.95);
    expect(after.falseRegionsPerBoard).toBeLessThan(0.1);
  });

  it('travels in the model JSON (modelJsonWithStage) and is read back checked, a broken field named', () => {
    const boards = Array.from({ length: 40 }, (_, i) => board(i % 5, 40 + (i % 3), (i % 7) * 0.01));
    const stage = { tileThreshold: 0.4, keep: chooseKeep(boards, outOfFold(boards), 0.95), model: fitRegionStage(boards) };
    const tile = { ...stage.model, target: 'tile_defect' };
    const json = modelJsonWithStage(tile, stage);
    const read = parseRegionStage((parseModel(json) as { regionStage?: unknown }).regionStage);
    expect(read.keep).toBe(stage.keep);
    const scores = new Float32Array(49);
    scores[8] = 0.9;
    scores[9] = 0.7;
    scores[40] = 0.42;
    // the stage read back keeps the strong region and drops the weak one, as the one trained
    expect(applyRegionStage(read, img, grid, scores)).toEqual(applyRegionStage(stage, img, grid, scores));
    expect(applyRegionStage(read, img, grid, scores).length).toBe(1);
    expect('regionStage' in (parseModel(modelJsonWithStage(tile, null)) as object)).toBe(false);
    expect(() => parseRegionStage({ ...stage, tileThreshold: -1 })).toThrow(/^regionStage\.tileThreshold: must be a number in \[0, 1\]/);
    expect(() => parseRegionStage({ ...stage, keep: null })).toThrow(/^regionStage\.keep/);
    expect(() => parseRegionStage({ ...stage, model: { ...stage.model, format: 'x' } })).toThrow(/^regionStage\.model: not a/);
    expect(() => parseRegionStage({ ...stage, model: { ...stage.model, estimator: { kind: 'nope' } } })).toThrow(/^regionStage\.model\.estimator/);
    expect(() => parseRegionStage('stage')).toThrow(/^regionStage: not an object/);
  });
});
