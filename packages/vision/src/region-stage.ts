// A second stage over the defect map (#22, the false-region aim): the regions found at a low tile
// threshold (high recall) are described by what the tile model and the pixels say about them as a
// whole — top and mean tile score, size, how many strong tiles, the score relative to the board's
// others, the region's grey level and contrast — and a small GBDT (the platform's) keeps or drops
// each region. Trained on validation boards' regions (a region overlapping an annotated defect =
// 1), its keep threshold chosen out of fold for the recall target at the least false regions.

import { featureJson, fitGbdt, MODEL_FORMAT, rawFeature, scoreRaw, serialiseModel, type Model } from '@industrial/ml';
import { evaluateBoard, regionsOf, type Region } from './defect-map.ts';
import type { GreyImage } from './image.ts';
import { overlaps, tileBox, type Box, type TileGrid } from './tiles.ts';

export const REGION_FEATURES = [
  'top',
  'mean',
  'second',
  'tiles',
  'strong',
  'width',
  'height',
  'sum',
  'board_regions',
  'rank',
  'top_vs_board',
  'grey_mean',
  'grey_std',
  'grey_ring',
] as const;

export interface RegionCandidates {
  readonly regions: Region[];
  /** [regions × REGION_FEATURES.length] */
  readonly x: number[][];
}

/** Regions at `threshold` and their region-level features. */
export function regionCandidates(img: GreyImage, grid: TileGrid, scores: ArrayLike<number>, threshold: number): RegionCandidates {
  const regions = regionsOf(grid, scores, threshold);
  let boardTop = 0;
  for (let k = 0; k < scores.length; k++) boardTop = Math.max(boardTop, scores[k]!);
  const x = regions.map((r, rank) => {
    const inside: number[] = [];
    for (let k = 0; k < grid.cols * grid.rows; k++) {
      const t = tileBox(grid, k);
      if (t.x1 >= r.x1 && t.y1 >= r.y1 && t.x2 <= r.x2 && t.y2 <= r.y2 && scores[k]! >= threshold) inside.push(scores[k]!);
    }
    inside.sort((a, b) => b - a);
    const sum = inside.reduce((a, b) => a + b, 0);
    const grey = boxStats(img, r);
    const ring = boxStats(img, {
      x1: Math.max(0, r.x1 - 16),
      y1: Math.max(0, r.y1 - 16),
      x2: Math.min(img.width, r.x2 + 16),
      y2: Math.min(img.height, r.y2 + 16),
    });
    return [
      r.score,
      sum / Math.max(1, inside.length),
      inside[1] ?? 0,
      r.tiles,
      inside.filter((s) => s >= 0.5).length,
      r.x2 - r.x1,
      r.y2 - r.y1,
      sum,
      regions.length,
      rank,
      r.score / Math.max(1e-6, boardTop),
      grey.mean,
      grey.std,
      ring.mean - grey.mean,
    ];
  });
  return { regions, x };
}

function boxStats(img: GreyImage, b: Box): { mean: number; std: number } {
  let s = 0,
    s2 = 0,
    n = 0;
  for (let y = b.y1; y < b.y2; y++)
    for (let x = b.x1; x < b.x2; x++) {
      const v = img.data[y * img.width + x]!;
      s += v;
      s2 += v * v;
      n++;
    }
  const mean = n ? s / n : 0;
  return { mean, std: Math.sqrt(Math.max(0, n ? s2 / n - mean * mean : 0)) };
}

export interface RegionBoard {
  readonly candidates: RegionCandidates;
  readonly defects: readonly Box[];
}

export function regionLabels(b: RegionBoard): number[] {
  return b.candidates.regions.map((r) => (b.defects.some((d) => overlaps(r, d)) ? 1 : 0));
}

/** The region model: the platform GBDT on REGION_FEATURES, as an ml Model (raw inputs). */
export function fitRegionStage(boards: readonly RegionBoard[]): Model {
  const rows: number[] = [],
    y: number[] = [];
  for (const b of boards) {
    regionLabels(b).forEach((l, i) => {
      rows.push(...b.candidates.x[i]!);
      y.push(l);
    });
  }
  const p = REGION_FEATURES.length;
  const estimator = fitGbdt(
    { x: Float64Array.from(rows), n: y.length, p, y: Float64Array.from(y) },
    { task: 'classification', maxIter: 150, learningRate: 0.08, maxLeafNodes: 15, earlyStopping: false },
  );
  return {
    format: MODEL_FORMAT,
    target: 'region_defect',
    task: 'classification',
    pipeline: {
      inputs: [...REGION_FEATURES],
      features: REGION_FEATURES.map((n) => featureJson(rawFeature(n))),
      imputer: { strategy: 'none', values: REGION_FEATURES.map(() => NaN) },
      scaler: { kind: 'none', center: [], scale: [] },
    },
    estimator,
    threshold: null,
  };
}

export function regionStageScores(model: Model, c: RegionCandidates): Float64Array {
  return c.x.length === 0 ? new Float64Array(0) : scoreRaw(model, Float64Array.from(c.x.flat()), c.x.length);
}

/** Recall and false regions per board when the regions scoring ≥ `keep` are kept. */
export function regionMetrics(boards: readonly RegionBoard[], scores: readonly Float64Array[], keep: number): { recall: number; falseRegionsPerBoard: number } {
  let defects = 0,
    found = 0,
    falseRegions = 0;
  boards.forEach((b, i) => {
    const kept = b.candidates.regions.filter((_, k) => scores[i]![k]! >= keep);
    const e = evaluateBoard(kept, b.defects);
    defects += e.defects;
    found += e.found;
    falseRegions += e.falseRegions;
  });
  return { recall: defects ? found / defects : 1, falseRegionsPerBoard: falseRegions / Math.max(1, boards.length) };
}

/** The highest keep threshold whose recall reaches the target (least false regions), from out-of-fold scores. */
export function chooseKeep(boards: readonly RegionBoard[], scores: readonly Float64Array[], recallTarget: number): number {
  const distinct = [...new Set(scores.flatMap((s) => Array.from(s)))].sort((a, b) => b - a);
  const step = Math.max(1, Math.floor(distinct.length / 400));
  let best = 0;
  for (let k = 0; k < distinct.length; k += step) {
    const t = distinct[k]!;
    if (regionMetrics(boards, scores, t).recall >= recallTarget) {
      best = t;
      break;
    }
  }
  return best;
}

/** Out-of-fold region scores (2 folds by board) to choose the keep threshold on data the stage did not see. */
export function outOfFold(boards: readonly RegionBoard[]): Float64Array[] {
  const half = Math.floor(boards.length / 2);
  const a = boards.slice(0, half),
    b = boards.slice(half);
  const ma = fitRegionStage(a),
    mb = fitRegionStage(b);
  return [...a.map((x) => regionStageScores(mb, x.candidates)), ...b.map((x) => regionStageScores(ma, x.candidates))];
}

/** A trained second stage as a model carries it: candidates at `tileThreshold`, regions kept at `keep`. */
export interface RegionStage {
  readonly tileThreshold: number;
  readonly keep: number;
  readonly model: Model;
}

/** The regions of a board the second stage keeps. */
export function applyRegionStage(stage: RegionStage, img: GreyImage, grid: TileGrid, scores: ArrayLike<number>): Region[] {
  const c = regionCandidates(img, grid, scores, stage.tileThreshold);
  const s = regionStageScores(stage.model, c);
  return c.regions.filter((_, i) => s[i]! >= stage.keep);
}

/**
 * A region stage as a model's JSON carries it (`regionStage`), checked before it is served: the
 * thresholds are numbers in [0, 1], the model an @industrial/ml model on REGION_FEATURES that scores
 * a region. Throws an Error whose message starts with the field that cannot be read.
 */
export function parseRegionStage(value: unknown): RegionStage {
  const at = (field: string, what: string): Error => new Error(`regionStage${field}: ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw at('', 'not an object');
  const v = value as Record<string, unknown>;
  for (const k of ['tileThreshold', 'keep'] as const) {
    const x = v[k];
    if (typeof x !== 'number' || !(x >= 0 && x <= 1)) throw at(`.${k}`, `must be a number in [0, 1], is ${JSON.stringify(x) ?? 'missing'}`);
  }
  const m = v.model as Model | undefined;
  if (typeof m !== 'object' || m === null || m.format !== MODEL_FORMAT) throw at('.model', `not a ${MODEL_FORMAT} model`);
  const inputs = (m.pipeline as { inputs?: unknown } | undefined)?.inputs;
  if (!Array.isArray(inputs) || inputs.join(',') !== REGION_FEATURES.join(','))
    throw at('.model.pipeline.inputs', `must be the ${REGION_FEATURES.length} region features (${REGION_FEATURES.join(', ')})`);
  let s: number | undefined;
  try {
    s = scoreRaw(m, new Float64Array(REGION_FEATURES.length), 1)[0];
  } catch (e) {
    throw at('.model.estimator', `cannot score a region (${(e as Error).message})`);
  }
  if (typeof s !== 'number' || !Number.isFinite(s)) throw at('.model.estimator', `scores a region as ${String(s)}`);
  return { tileThreshold: v.tileThreshold as number, keep: v.keep as number, model: m };
}

/** The model JSON to register: the tile model, with its second stage as `regionStage` when it has one. */
export function modelJsonWithStage(model: Model, stage: RegionStage | null): string {
  return serialiseModel(stage === null ? model : ({ ...model, regionStage: stage } as Model));
}
