// The visual trainer (#22) over a DeepPCB-layout board folder (read where it lies, e.g.
// ../shared/datasets/deeppcb; never copied): boards in board-id order (the first `limit`), each
// image hashed for the run's manifest, split by board (@industrial/vision splitBoards: no board on
// two sides). Training reuses @industrial/vision as the bench does: the tile tier is
// `trainSmallTileModel` (every defect tile of the training boards plus two clean tiles per defect
// tile, the platform GBDT on the shared `tileFeatures`, its ONNX export and reference profile); the
// validation boards are scored through the ONNX file, the threshold chosen there for the recall
// target at the least cost (`chooseThreshold`), the region stage trained on their regions at a
// higher-recall candidate threshold (`regionCandidates`, `fitRegionStage`, keep chosen out of fold
// by `chooseKeep`), written into the model JSON (`modelJsonWithStage`) and read back checked
// (`parseRegionStage`) before the test boards are scored as inference serves them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { uuidFromKey } from '@industrial/contracts/ids';
import { parseModel, rocAuc } from '@industrial/ml';
import {
  boardMetrics,
  chooseKeep,
  chooseThreshold,
  decodeImage,
  FEATURE_NAMES,
  fitRegionStage,
  modelJsonWithStage,
  openSession,
  outOfFold,
  parseRegionStage,
  readDeepPcb,
  regionCandidates,
  regionMetrics,
  regionStageScores,
  runGbdtOnnx,
  splitBoards,
  tileFeatures,
  tileGrid,
  tileLabels,
  trainSmallTileModel,
  type BoardRecord,
  type GreyImage,
  type OnnxSession,
  type RegionBoard,
  type RegionStage,
  type TileGrid,
} from '@industrial/vision';
import { VisionTrainingRefused, type VisionEvaluation } from '../../domain/vision.ts';
import type { BoardSetSummary, VisionTrainer } from '../../features/vision-training.ts';

/** The tile features' version (bump when `tileFeatures` changes what it computes). */
export const VISION_FEATURE_SET_VERSION = '1.0.0';

export interface DeepPcbTrainerOptions {
  readonly folder: string;
  /** Use the first N boards (board-id order); absent: all. */
  readonly limit?: number | undefined;
  /** Shares of the boards for training and validation (the rest: test). */
  readonly fractions?: { readonly train: number; readonly validation: number };
  readonly splitSeed?: number;
}

interface Scored {
  readonly record: BoardRecord;
  readonly image: GreyImage;
  readonly grid: TileGrid;
  readonly scores: Float32Array;
}

export function createDeepPcbVisionTrainer(options: DeepPcbTrainerOptions): VisionTrainer {
  const fractions = options.fractions ?? { train: 0.6, validation: 0.2 };
  let loaded: { summary: BoardSetSummary; train: BoardRecord[]; validation: BoardRecord[]; test: BoardRecord[] } | null = null;

  const load = (): NonNullable<typeof loaded> => {
    if (loaded !== null) return loaded;
    const folder = resolve(options.folder);
    let records: BoardRecord[];
    try {
      records = readDeepPcb(folder).sort((a, b) => a.boardId.localeCompare(b.boardId));
    } catch (e) {
      throw new VisionTrainingRefused('boards', `${folder} is not a DeepPCB board folder (PCBData/trainval.txt and its images): ${(e as Error).message}`);
    }
    if (options.limit !== undefined) records = records.slice(0, options.limit);
    const split = splitBoards(
      records.map((r) => r.boardId),
      fractions,
      options.splitSeed ?? 22,
    );
    const manifest = records.map((r) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(r.imagePath);
      } catch (e) {
        throw new VisionTrainingRefused('boards', `board ${r.boardId}: ${(e as Error).message}`);
      }
      return { board: r.boardId, sha256: createHash('sha256').update(bytes).digest('hex'), defects: r.defects };
    });
    const manifestSha256 = createHash('sha256')
      .update(JSON.stringify({ boards: manifest, split }))
      .digest('hex');
    const byId = new Map(records.map((r) => [r.boardId, r]));
    const pick = (ids: string[]): BoardRecord[] => ids.map((id) => byId.get(id)!);
    loaded = {
      summary: {
        kind: 'DeepPCB board folder',
        location: folder,
        boards: records.length,
        split: { train: split.train.length, validation: split.validation.length, test: split.test.length },
        manifestSha256,
        datasetId: uuidFromKey(`vision-board-folder ${folder}`),
        snapshotId: uuidFromKey(`vision-board-manifest ${manifestSha256}`),
      },
      train: pick(split.train),
      validation: pick(split.validation),
      test: pick(split.test),
    };
    return loaded;
  };

  const score = async (session: OnnxSession, records: readonly BoardRecord[]): Promise<Scored[]> => {
    const out: Scored[] = [];
    for (const record of records) {
      const image = decodeImage(new Uint8Array(readFileSync(record.imagePath)));
      const grid = tileGrid(image.width, image.height, 32, 16);
      out.push({ record, image, grid, scores: await runGbdtOnnx(session, tileFeatures(image, grid)) });
    }
    return out;
  };
  const asScored = (bs: readonly Scored[]) => bs.map((b) => ({ grid: b.grid, scores: b.scores, defects: b.record.defects }));

  return {
    features: FEATURE_NAMES,
    featureSetVersion: VISION_FEATURE_SET_VERSION,
    async boardSet() {
      return load().summary;
    },
    async train(o, progress) {
      const set = load();
      await progress('training', { training_boards: set.train.length });
      const small = trainSmallTileModel(set.train, { maxIter: o.maxIter, seed: o.seed });
      await progress('evaluation', { training_tiles: small.tiles, training_defect_tiles: small.defectTiles });
      const session = await openSession(small.onnx, 1);
      try {
        const val = await score(session, set.validation);
        const chosen = chooseThreshold(asScored(val), o.cost, o.recallTarget);
        const candidate = chooseThreshold(asScored(val), o.cost, o.candidateRecall).threshold;
        const valRegions: RegionBoard[] = val.map((b) => ({ candidates: regionCandidates(b.image, b.grid, b.scores, candidate), defects: b.record.defects }));
        let trainedStage: RegionStage | null = null;
        try {
          trainedStage = { tileThreshold: candidate, keep: chooseKeep(valRegions, outOfFold(valRegions), o.recallTarget), model: fitRegionStage(valRegions) };
        } catch {
          trainedStage = null; // too few regions (or of one kind only) on the validation boards to fit a stage
        }
        const modelJson = modelJsonWithStage(small.model, trainedStage);
        // the stage as inference serves it: read back from the model JSON, checked
        const carried = (parseModel(modelJson) as { regionStage?: unknown }).regionStage;
        const stage = carried === undefined ? null : parseRegionStage(carried);

        const test = await score(session, set.test);
        const y: number[] = [],
          s: number[] = [];
        for (const b of test)
          tileLabels(b.grid, b.record.defects).forEach((l, k) => {
            if (l >= 0) {
              y.push(l);
              s.push(b.scores[k]!);
            }
          });
        const tiles = boardMetrics(asScored(test), chosen.threshold, o.cost);
        let stageTest: VisionEvaluation['test']['stage'] = null;
        if (stage !== null) {
          const boards: RegionBoard[] = test.map((b) => ({
            candidates: regionCandidates(b.image, b.grid, b.scores, stage.tileThreshold),
            defects: b.record.defects,
          }));
          const m = regionMetrics(
            boards,
            boards.map((b) => regionStageScores(stage.model, b.candidates)),
            stage.keep,
          );
          const defects = test.reduce((a, b) => a + b.record.defects.length, 0);
          const missed = Math.round((1 - m.recall) * defects);
          const n = Math.max(1, test.length);
          stageTest = {
            defectRecall: m.recall,
            falseRegionsPerBoard: m.falseRegionsPerBoard,
            costPerBoard: (missed * o.cost.missedDefect) / n + m.falseRegionsPerBoard * o.cost.falseReject,
          };
        }
        const evaluation: VisionEvaluation = {
          boards: set.summary.split,
          trainingTiles: small.tiles,
          trainingDefectTiles: small.defectTiles,
          threshold: { value: chosen.threshold, validationRecall: chosen.recall, validationFalseRegionsPerBoard: chosen.falseRegionsPerBoard },
          stage:
            stage === null
              ? null
              : { tileThreshold: stage.tileThreshold, keep: stage.keep, validationRegions: valRegions.reduce((a, b) => a + b.candidates.regions.length, 0) },
          test: {
            tileAuroc: y.includes(1) && y.includes(0) ? rocAuc(y, s) : Number.NaN,
            tiles: { defectRecall: tiles.recall, falseRegionsPerBoard: tiles.falseRegionsPerBoard, costPerBoard: tiles.costPerBoard },
            stage: stageTest,
          },
        };
        return { onnx: small.onnx, modelJson, referenceJson: JSON.stringify(small.reference), evaluation };
      } finally {
        await session.release();
      }
    },
  };
}
