// A small texture-feature tile model trained on a few boards (tests, demos): every defect tile of
// the boards plus twice as many clean tiles, the platform GBDT on the shared tile features, its
// ONNX export and the reference profile (a sample of training tiles and their scores) inference
// checks parity and image drift against. The threshold is the lowest score that keeps the given
// share of training defect tiles (recall target) — for a few boards a rough, stated choice.
// With `stageBoards`, a second stage (region-stage.ts) is trained on those boards' regions at that
// threshold, its keep threshold chosen out of fold for `stageRecall` (0 — every region kept — when
// the regions at that threshold miss the target already); the model JSON carries it (modelJsonWithStage).
import { readFileSync } from 'node:fs';
import { REFERENCE_FORMAT, type Model, type ReferenceProfile } from '@industrial/ml';
import type { BoardRecord } from './deeppcb.ts';
import { FEATURE_COUNT, FEATURE_NAMES, tileFeatures } from './features.ts';
import { decodeImage } from './image.ts';
import { shuffled, tileGrid, tileLabels } from './tiles.ts';
import { chooseKeep, fitRegionStage, outOfFold, regionCandidates, type RegionBoard, type RegionStage } from './region-stage.ts';
import { exportTileGbdtOnnx, fitTileGbdt, tileGbdtScores } from './tree.ts';

export interface SmallTileModel {
  readonly model: Model;
  readonly onnx: Uint8Array;
  readonly reference: ReferenceProfile;
  readonly threshold: number;
  /** The second stage over the regions (null: not trained). */
  readonly regionStage: RegionStage | null;
  readonly tiles: number;
  readonly defectTiles: number;
}

export function trainSmallTileModel(
  boards: readonly BoardRecord[],
  options: { recall?: number; maxIter?: number; seed?: number; stageBoards?: readonly BoardRecord[]; stageRecall?: number } = {},
): SmallTileModel {
  const rows: number[][] = [];
  const labels: number[] = [];
  let seed = options.seed ?? 22;
  for (const b of boards) {
    const img = decodeImage(new Uint8Array(readFileSync(b.imagePath)));
    const grid = tileGrid(img.width, img.height, 32, 16);
    const y = tileLabels(grid, b.defects);
    const x = tileFeatures(img, grid);
    const pos: number[] = [],
      neg: number[] = [];
    y.forEach((v, k) => (v === 1 ? pos.push(k) : v === 0 ? neg.push(k) : undefined));
    const order = shuffled(neg.length, seed++);
    const picked = [...pos, ...Array.from(order.slice(0, 2 * pos.length), (i) => neg[i]!)];
    for (const k of picked) {
      rows.push(Array.from(x.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT)));
      labels.push(y[k] === 1 ? 1 : 0);
    }
  }
  const x = Float32Array.from(rows.flat());
  const model = fitTileGbdt({ x, y: Uint8Array.from(labels) }, null, { maxIter: options.maxIter ?? 60 });
  const scores = tileGbdtScores(model, x);
  const defect = Array.from(scores.filter((_, i) => labels[i] === 1)).sort((a, b) => a - b);
  const threshold = defect[Math.floor((1 - (options.recall ?? 0.9)) * defect.length)] ?? 0.5;
  const stride = Math.max(1, Math.ceil(rows.length / 400));
  const picked = rows.map((_, i) => i).filter((i) => i % stride === 0);
  const reference: ReferenceProfile = {
    format: REFERENCE_FORMAT,
    inputs: [...FEATURE_NAMES],
    columns: FEATURE_NAMES.map((_, j) => picked.map((i) => rows[i]![j]!)),
    scores: picked.map((i) => scores[i]!),
  };
  let regionStage: RegionStage | null = null;
  if (options.stageBoards && options.stageBoards.length >= 4) {
    const stageBoards: RegionBoard[] = options.stageBoards.map((b) => {
      const img = decodeImage(new Uint8Array(readFileSync(b.imagePath)));
      const grid = tileGrid(img.width, img.height, 32, 16);
      return { candidates: regionCandidates(img, grid, tileGbdtScores(model, tileFeatures(img, grid)), threshold), defects: b.defects };
    });
    regionStage = {
      tileThreshold: threshold,
      keep: chooseKeep(stageBoards, outOfFold(stageBoards), options.stageRecall ?? 0.95),
      model: fitRegionStage(stageBoards),
    };
  }
  return { model, onnx: exportTileGbdtOnnx(model), reference, threshold, regionStage, tiles: labels.length, defectTiles: defect.length };
}
