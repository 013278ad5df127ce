// npm run bench:vision — DeepPCB (../shared/datasets/deeppcb) split by board 60/20/20;
// four models scored on every tile of every test board (32 px tiles every 16 px):
//   ours-features-gbdt   texture features (shared function) → @industrial/ml GBDT → ONNX
//   ours-cnn             small CNN trained in TypeScript (2 worker threads) → ONNX
//   torch-cnn            the same network in PyTorch (CPU), same tiles and schedule
//   sklearn-features-hgb scikit-learn HistGradientBoostingClassifier on the same features
// Threshold per model on the validation boards: defect-recall target 0.95, then least
// expected cost (missed defect 20, false reject 1). tile_auroc over labelled test tiles;
// defect_recall = share of annotated test defects overlapped by a flagged region;
// ms_per_board = CPU ms of tile preparation + model on one thread (JPEG decoding excluded).
// Knobs: VISION_BOARDS (use the first N boards of the list), VISION_CNN_TILES (CNN training
// tiles, default 12000), VISION_EPOCHS (default 10), VISION_SKIP_PYTHON=1, VISION_SKIP_CNN=1,
// VISION_REGION_RECALL (validation recall of the second stage's candidate regions, default 0.985).
// The second stage is scored as inference serves it: through the model JSON (modelJsonWithStage →
// parseRegionStage), candidates at its tile threshold, regions kept at its keep threshold.
// stderr also names each model's operating point at ≤ 1 false region per validation board.
// The last stdout line is the JSON the issue names.

import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModel, rocAuc } from '@industrial/ml';
import {
  boardMetrics,
  boardTiles,
  chooseKeep,
  chooseThreshold,
  exportCnnOnnx,
  exportTileGbdtOnnx,
  FEATURE_COUNT,
  fitRegionStage,
  fitTileGbdt,
  modelJsonWithStage,
  openSession,
  outOfFold,
  parseRegionStage,
  readDeepPcb,
  regionCandidates,
  regionMetrics,
  regionStageScores,
  runCnnOnnx,
  runGbdtOnnx,
  shuffled,
  tileFeatures,
  trainCnn,
  type RegionBoard,
  type ScoredBoard,
} from '../src/index.ts';
import { centreTiles, cpuMs, GRID, PAD, prepareBoard, splitOf, TileSampler, type PreparedBoard, type TileSample } from './vision-data.ts';

const DATA = join(import.meta.dirname, '../../../../shared/datasets/deeppcb');
const PYTHON = '/usr/bin/python3';
const COST = { missedDefect: 20, falseReject: 1 };
const RECALL_TARGET = 0.95;
/** Recall the second stage's candidate regions are cut at (validation), above the target so the stage has room to drop. */
const REGION_CANDIDATE_RECALL = Number(process.env['VISION_REGION_RECALL'] ?? 0.985);
const CNN_TILES = Number(process.env['VISION_CNN_TILES'] ?? 12000);
const EPOCHS = Number(process.env['VISION_EPOCHS'] ?? 10);
const SHAPE = { size: 32, c1: 8, c2: 16, c3: 16 };
const log = (s: string): boolean => process.stderr.write(`[bench:vision] ${s}\n`);

let records = readDeepPcb(DATA);
if (process.env['VISION_BOARDS']) records = records.slice(0, Number(process.env['VISION_BOARDS']));
const split = splitOf(records);
log(`boards: ${split.train.length} train, ${split.validation.length} validation, ${split.test.length} test (split by board)`);
const dir = mkdtempSync(join(tmpdir(), 'bench-vision-'));

function subsample(s: TileSample, max: number, seed: number): TileSample {
  if (s.labels.length <= max) return s;
  const idx = Array.from(shuffled(s.labels.length, seed).subarray(0, max)).sort((a, b) => a - b);
  const C = (GRID.tile + 2 * PAD) ** 2;
  const crops = new Uint8Array(idx.length * C);
  const features = new Float32Array(idx.length * FEATURE_COUNT);
  idx.forEach((i, r) => {
    crops.set(s.crops.subarray(i * C, (i + 1) * C), r * C);
    features.set(s.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), r * FEATURE_COUNT);
  });
  return { crops, features, labels: Uint8Array.from(idx, (i) => s.labels[i]!), boards: idx.map((i) => s.boards[i]!) };
}

try {
  let t0 = performance.now();
  let decodeMs = 0;
  const trainSampler = new TileSampler(2, 1, 1);
  split.train.forEach((r, i) => trainSampler.add(prepareBoard(r), i));
  const trainAll = trainSampler.sample();
  const keep = (rs: typeof split.test, name: string): PreparedBoard[] =>
    rs.map((r) => {
      const c = cpuMs();
      const b = prepareBoard(r);
      decodeMs += cpuMs() - c;
      appendFileSync(join(dir, `${name}_boards.u8`), b.image.data);
      appendFileSync(join(dir, `${name}_board_features.f32`), new Uint8Array(b.features.buffer));
      return b;
    });
  const valBoards = keep(split.validation, 'val');
  const testBoards = keep(split.test, 'test');
  const valSampler = new TileSampler(2, 1, 2);
  valBoards.forEach((b, i) => valSampler.add(b, i));
  const valTiles = subsample(valSampler.sample(), 6000, 3);
  const trainCnnSet = subsample(trainAll, CNN_TILES, 4);
  const overlap = new Set(trainAll.boards).size + new Set(valTiles.boards).size - new Set([...trainAll.boards, ...valTiles.boards]).size;
  if (overlap !== 0) throw new Error('a board on two sides of the split');
  log(
    `data ready in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${trainAll.labels.length} training tiles (${trainAll.labels.reduce((a, b) => a + b, 0)} defect), ` +
      `CNN subsample ${trainCnnSet.labels.length}, ${valTiles.labels.length} validation tiles; decode+features ${(decodeMs / (valBoards.length + testBoards.length)).toFixed(0)} CPU ms/board`,
  );
  writeFileSync(join(dir, 'train_crops.u8'), trainCnnSet.crops);
  writeFileSync(join(dir, 'train_labels.u8'), trainCnnSet.labels);
  writeFileSync(join(dir, 'train_features.f32'), new Uint8Array(trainAll.features.buffer));
  writeFileSync(join(dir, 'train_feature_labels.u8'), trainAll.labels);
  const valCentre = centreTiles(valTiles.crops, valTiles.labels.length);
  writeFileSync(
    join(dir, 'val_tiles.u8'),
    Uint8Array.from(valCentre, (v) => Math.round(v * 255)),
  );
  writeFileSync(join(dir, 'val_labels.u8'), valTiles.labels);
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({
      seed: 7,
      tile: GRID.tile,
      pad: PAD,
      stride: GRID.stride,
      size: GRID.width,
      cols: GRID.cols,
      rows: GRID.rows,
      channels: [SHAPE.c1, SHAPE.c2, SHAPE.c3],
      epochs: EPOCHS,
      batch: 64,
      lr: 0.003,
      patience: 3,
      threads: 2,
      features: FEATURE_COUNT,
      val_boards: valBoards.length,
      test_boards: testBoards.length,
    }),
  );

  interface Result {
    model: string;
    val: Float32Array[];
    test: Float32Array[];
    train_s: number;
    ms_per_board: number;
  }
  const results: Result[] = [];

  // ours: texture features → GBDT
  t0 = performance.now();
  const gbdt = fitTileGbdt({ x: trainAll.features, y: trainAll.labels }, { x: valTiles.features, y: valTiles.labels });
  const gbdtTrain = (performance.now() - t0) / 1000;
  log(`ours-features-gbdt trained in ${gbdtTrain.toFixed(1)} s`);
  const gbdtSession = await openSession(exportTileGbdtOnnx(gbdt), 1);
  const scoreGbdt = async (bs: PreparedBoard[], timed: boolean): Promise<[Float32Array[], number]> => {
    const out: Float32Array[] = [];
    let ms = 0;
    for (const b of bs) {
      const c = cpuMs();
      const f = timed ? tileFeatures(b.image, GRID) : b.features;
      out.push(await runGbdtOnnx(gbdtSession, f));
      ms += cpuMs() - c;
    }
    return [out, ms / Math.max(1, bs.length)];
  };
  const [gVal] = await scoreGbdt(valBoards, false);
  const [gTest, gMs] = await scoreGbdt(testBoards, true);
  results.push({ model: 'ours-features-gbdt', val: gVal, test: gTest, train_s: gbdtTrain, ms_per_board: gMs });

  // ours: CNN in TypeScript
  if (process.env['VISION_SKIP_CNN'] !== '1') {
    t0 = performance.now();
    const trained = await trainCnn(
      { crops: trainCnnSet.crops, pad: PAD, labels: trainCnnSet.labels },
      { tiles: valCentre, labels: valTiles.labels },
      {
        shape: SHAPE,
        epochs: EPOCHS,
        batch: 64,
        learningRate: 0.003,
        patience: 3,
        workers: 2,
        seed: 7,
        onEpoch: (e) =>
          log(`ours-cnn epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, validation AUROC ${e.validationAuroc.toFixed(4)} (${e.seconds.toFixed(0)} s)`),
      },
    );
    const cnnTrain = (performance.now() - t0) / 1000;
    const cnnSession = await openSession(exportCnnOnnx(trained.net), 1);
    const scoreCnn = async (bs: PreparedBoard[]): Promise<[Float32Array[], number]> => {
      const out: Float32Array[] = [];
      let ms = 0;
      for (const b of bs) {
        const c = cpuMs();
        out.push((await runCnnOnnx(cnnSession, boardTiles(b.image, GRID), GRID.cols * GRID.rows, GRID.tile)).slice());
        ms += cpuMs() - c;
      }
      return [out, ms / Math.max(1, bs.length)];
    };
    const [cVal] = await scoreCnn(valBoards);
    const [cTest, cMs] = await scoreCnn(testBoards);
    results.push({ model: 'ours-cnn', val: cVal, test: cTest, train_s: cnnTrain, ms_per_board: cMs });
  }

  // baselines in Python
  const n = GRID.cols * GRID.rows;
  const readScores = (file: string, count: number): Float32Array[] => {
    const all = new Float32Array(new Uint8Array(readFileSync(file)).buffer);
    return Array.from({ length: count }, (_, i) => all.slice(i * n, (i + 1) * n));
  };
  for (const [model, mode] of [
    ['torch-cnn', 'torch'],
    ['sklearn-features-hgb', 'hgb'],
  ] as const) {
    if (process.env['VISION_SKIP_PYTHON'] === '1') break;
    t0 = performance.now();
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'vision_baselines.py'), mode, dir], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, OMP_NUM_THREADS: mode === 'hgb' ? '1' : '2' },
    });
    if (r.status !== 0 || !existsSync(join(dir, `${mode}.json`))) {
      log(`${model} skipped: ${PYTHON} ${mode} failed (status ${r.status}); is python3-torch / python3-sklearn installed?`);
      continue;
    }
    const info = JSON.parse(readFileSync(join(dir, `${mode}.json`), 'utf8')) as { train_s: number; ms_per_board: number };
    results.push({
      model,
      val: readScores(join(dir, `${mode}_val.f32`), valBoards.length),
      test: readScores(join(dir, `${mode}_test.f32`), testBoards.length),
      ...info,
    });
    log(`${model} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  const scored = (bs: PreparedBoard[], scores: Float32Array[]): ScoredBoard[] =>
    bs.map((b, i) => ({ grid: GRID, scores: scores[i]!, defects: b.record.defects }));
  const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;
  const out = results.map((r) => {
    const chosen = chooseThreshold(scored(valBoards, r.val), COST, RECALL_TARGET);
    const test = boardMetrics(scored(testBoards, r.test), chosen.threshold, COST);
    const y: number[] = [],
      s: number[] = [];
    testBoards.forEach((b, i) =>
      b.labels.forEach((l, k) => {
        if (l >= 0) {
          y.push(l);
          s.push(r.test[i]![k]!);
        }
      }),
    );
    log(
      `${r.model}: threshold ${chosen.threshold.toPrecision(4)} (validation recall ${chosen.recall.toFixed(3)}, ${chosen.falseRegionsPerBoard.toFixed(2)} false regions/board)`,
    );
    // the other operating point of the aim: the lowest threshold with ≤ 1 false region per validation
    // board, over the upper half of the distinct validation scores (tree scores tie at the top)
    const distinct = [...new Set(r.val.flatMap((v) => Array.from(v)))].sort((a, b) => a - b);
    let capped: number | null = null;
    for (let q = 0; q < 400 && capped === null; q++) {
      const t = distinct[Math.min(distinct.length - 1, Math.floor(distinct.length * (0.5 + q / 800)))]!;
      if (boardMetrics(scored(valBoards, r.val), t, COST).falseRegionsPerBoard <= 1) capped = t;
    }
    if (capped !== null) {
      const m = boardMetrics(scored(testBoards, r.test), capped, COST);
      log(`${r.model} at ≤ 1 false region/validation board: test recall ${m.recall.toFixed(3)}, ${m.falseRegionsPerBoard.toFixed(2)} false regions/board`);
    }
    return {
      model: r.model,
      tile_auroc: round(rocAuc(y, s)),
      defect_recall: round(test.recall),
      false_regions_per_board: round(test.falseRegionsPerBoard, 3),
      train_s: round(r.train_s, 1),
      ms_per_board: round(r.ms_per_board, 1),
    };
  });
  // A second stage over the feature tier's defect map: regions at a high-recall tile threshold,
  // kept or dropped by a region classifier trained on the validation boards (keep threshold
  // chosen out of fold for the recall target).
  const g = results.find((r) => r.model === 'ours-features-gbdt');
  if (g !== undefined) {
    t0 = performance.now();
    const low = chooseThreshold(scored(valBoards, g.val), COST, REGION_CANDIDATE_RECALL).threshold;
    const valRegions: RegionBoard[] = valBoards.map((b, i) => ({ candidates: regionCandidates(b.image, GRID, g.val[i]!, low), defects: b.record.defects }));
    // the stage as inference serves it: written into the tile model's JSON (regionStage) and read back checked
    const trained = { tileThreshold: low, keep: chooseKeep(valRegions, outOfFold(valRegions), RECALL_TARGET), model: fitRegionStage(valRegions) };
    const { tileThreshold, keep, model: stage } = parseRegionStage((parseModel(modelJsonWithStage(gbdt, trained)) as { regionStage?: unknown }).regionStage);
    const stageS = (performance.now() - t0) / 1000;
    let stageMs = 0;
    const testRegions: RegionBoard[] = [];
    const testScores = testBoards.map((b, i) => {
      const c = cpuMs();
      const candidates = regionCandidates(b.image, GRID, g.test[i]!, tileThreshold);
      const s = regionStageScores(stage, candidates);
      stageMs += cpuMs() - c;
      testRegions.push({ candidates, defects: b.record.defects });
      return s;
    });
    const m = regionMetrics(testRegions, testScores, keep);
    const base = out.find((o) => o.model === 'ours-features-gbdt')!;
    log(
      `ours-features-gbdt-regions: tile threshold ${tileThreshold.toPrecision(4)}, keep ${keep.toPrecision(4)}; test recall ${m.recall.toFixed(3)}, ${m.falseRegionsPerBoard.toFixed(2)} false regions/board`,
    );
    out.push({
      model: 'ours-features-gbdt-regions',
      tile_auroc: base.tile_auroc,
      defect_recall: round(m.recall),
      false_regions_per_board: round(m.falseRegionsPerBoard, 3),
      train_s: round(g.train_s + stageS, 1),
      ms_per_board: round(g.ms_per_board + stageMs / Math.max(1, testBoards.length), 1),
    });
  }
  console.log(JSON.stringify({ bench: 'vision', boards_test: testBoards.length, results: out }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
