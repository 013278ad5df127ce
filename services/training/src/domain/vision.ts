// Visual models (#22) as training records them: the request's checks (which field is wrong), the
// cost of a missed defect vs a false reject from the charter's cost model, and the model card of
// a tile model with its region stage (Markdown + JSON) from the held-out test boards' metrics.
// Pure: no I/O, no clock (the times and numbers arrive as arguments).
import type { CostModel } from '@industrial/ml';

/** A visual training request that cannot be served; `field` names the option or request field. */
export class VisionTrainingRefused extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'VisionTrainingRefused';
    this.field = field;
  }
}

/** The cost of a board-level miss and of a false region, as @industrial/vision's threshold choice reads it. */
export interface DefectCost {
  readonly missedDefect: number;
  readonly falseReject: number;
  /** Where it came from: the use case's charter records, or the default (20 : 1, the bench's). */
  readonly source: 'charter' | 'default';
}

export const DEFAULT_DEFECT_COST: DefectCost = { missedDefect: 20, falseReject: 1, source: 'default' };

/**
 * A missed defect costs what a missed failure costs; a false region costs the check (inspection)
 * plus whatever acting on a false alarm costs beyond it. A cost model whose false region costs
 * nothing cannot choose a threshold: the default is used then (and the card says so).
 */
export function defectCostOf(cost: CostModel | null): DefectCost {
  if (cost === null) return DEFAULT_DEFECT_COST;
  const falseReject = cost.inspection + cost.falseAlarm;
  if (!(falseReject > 0) || !(cost.missedFailure >= 0)) return DEFAULT_DEFECT_COST;
  return { missedDefect: cost.missedFailure, falseReject, source: 'charter' };
}

export interface VisionRequestInput {
  readonly useCaseId: string;
  readonly boards: number;
  readonly split: { readonly train: number; readonly validation: number; readonly test: number };
  readonly recallTarget: number;
}

/** The checks before any board is read further: enough boards on each side of the split, a recall target in (0, 1]. */
export function checkVisionRequest(r: VisionRequestInput): void {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r.useCaseId)) throw new VisionTrainingRefused('use_case_id', 'must be a UUID');
  if (r.boards === 0) throw new VisionTrainingRefused('boards', 'no boards: the board set holds no annotated board images');
  if (!(r.recallTarget > 0 && r.recallTarget <= 1)) throw new VisionTrainingRefused('recall_target', `must be in (0, 1], is ${r.recallTarget}`);
  if (r.split.train < 1) throw new VisionTrainingRefused('boards', `${r.boards} boards leave none to train on`);
  if (r.split.validation < 4)
    throw new VisionTrainingRefused(
      'boards',
      `${r.boards} boards leave ${r.split.validation} validation boards; the threshold and the region stage need at least 4`,
    );
  if (r.split.test < 1) throw new VisionTrainingRefused('boards', `${r.boards} boards leave no test board for the model card`);
}

/** What the trainer measured, on boards of each side of the split. */
export interface VisionEvaluation {
  readonly boards: { readonly train: number; readonly validation: number; readonly test: number };
  readonly trainingTiles: number;
  readonly trainingDefectTiles: number;
  /** The decision threshold on tile scores (cost-chosen on the validation boards) and its validation figures. */
  readonly threshold: { readonly value: number; readonly validationRecall: number; readonly validationFalseRegionsPerBoard: number };
  /** The region stage: candidates at its tile threshold, regions kept at `keep`; null when none was trained. */
  readonly stage: { readonly tileThreshold: number; readonly keep: number; readonly validationRegions: number } | null;
  /** Test boards: tile AUROC, and per board the defect recall / false regions at the tile threshold and with the stage. */
  readonly test: {
    readonly tileAuroc: number;
    readonly tiles: { readonly defectRecall: number; readonly falseRegionsPerBoard: number; readonly costPerBoard: number };
    readonly stage: { readonly defectRecall: number; readonly falseRegionsPerBoard: number; readonly costPerBoard: number } | null;
  };
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Held-out metrics (flat snake_case, as ModelVersionRegistered and TrainingRunCompleted carry them): served figures first. */
export function visionMetrics(e: VisionEvaluation): Record<string, number> {
  const served = e.test.stage ?? e.test.tiles;
  return {
    // no AUROC when the test tiles hold one class only (a metric must be a number)
    ...(Number.isFinite(e.test.tileAuroc) ? { tile_auroc: r4(e.test.tileAuroc) } : {}),
    defect_recall: r4(served.defectRecall),
    false_regions_per_board: r4(served.falseRegionsPerBoard),
    cost_per_board: r4(served.costPerBoard),
    tile_threshold_defect_recall: r4(e.test.tiles.defectRecall),
    tile_threshold_false_regions_per_board: r4(e.test.tiles.falseRegionsPerBoard),
    boards_test: e.boards.test,
  };
}

export interface VisionCardInput {
  readonly useCaseId: string;
  readonly useCaseName: string;
  readonly runId: string;
  readonly trainedAt: string;
  readonly source: { readonly kind: string; readonly location: string; readonly manifestSha256: string };
  readonly seed: number;
  readonly maxIter: number;
  readonly recallTarget: number;
  readonly cost: DefectCost;
  readonly evaluation: VisionEvaluation;
  readonly features: readonly string[];
}

export function visionCardJson(c: VisionCardInput): Record<string, unknown> {
  const e = c.evaluation;
  return {
    format: 'industrial-training/vision-card/v1',
    model: 'texture-feature tile GBDT (@industrial/vision tileFeatures → @industrial/ml GBDT) with a region stage',
    useCaseId: c.useCaseId,
    runId: c.runId,
    trainedAt: c.trainedAt,
    data: {
      ...c.source,
      boards: e.boards,
      split: 'by board (no board on two sides)',
      trainingTiles: e.trainingTiles,
      trainingDefectTiles: e.trainingDefectTiles,
    },
    tile: { size: 32, stride: 16, features: c.features.length },
    hyperparameters: { maxIter: c.maxIter, seed: c.seed },
    threshold: {
      rule: `validation boards: defect recall ≥ ${c.recallTarget}, then least cost per board`,
      cost: c.cost,
      value: e.threshold.value,
      validationRecall: e.threshold.validationRecall,
      validationFalseRegionsPerBoard: e.threshold.validationFalseRegionsPerBoard,
    },
    regionStage: e.stage,
    test: e.test,
    metrics: visionMetrics(e),
  };
}

const f3 = (v: number): string => v.toFixed(3);

export function visionCardMarkdown(c: VisionCardInput): string {
  const e = c.evaluation;
  const costWords =
    c.cost.source === 'charter'
      ? `the use case's charter cost model: a missed defect ${c.cost.missedDefect}, a false region ${c.cost.falseReject}`
      : `no usable charter cost model, so the default: a missed defect ${c.cost.missedDefect}, a false region ${c.cost.falseReject}`;
  const row = (name: string, m: { defectRecall: number; falseRegionsPerBoard: number; costPerBoard: number }): string =>
    `| ${name} | ${f3(m.defectRecall)} | ${m.falseRegionsPerBoard.toFixed(2)} | ${m.costPerBoard.toFixed(2)} |`;
  return [
    `# ${c.useCaseName}: visual tile model`,
    '',
    `Run ${c.runId}, trained ${c.trainedAt}. Texture features of 32 px tiles every 16 px (${c.features.length} features, the shared \`tileFeatures\` serving uses) → the platform GBDT (max ${c.maxIter} trees, seed ${c.seed}), exported to ONNX; a second stage over the defect map keeps or drops each region.`,
    '',
    '## Data',
    '',
    `${c.source.kind} \`${c.source.location}\` (manifest sha256 ${c.source.manifestSha256}), split by board: ${e.boards.train} training, ${e.boards.validation} validation, ${e.boards.test} test boards. ${e.trainingTiles} training tiles (${e.trainingDefectTiles} defect: every defect tile plus two clean tiles per defect tile).`,
    '',
    '## Threshold',
    '',
    `Chosen on the validation boards for a defect recall of ${c.recallTarget}, then the least cost per board, with ${costWords}: tile threshold ${e.threshold.value.toPrecision(4)} (validation recall ${f3(e.threshold.validationRecall)}, ${e.threshold.validationFalseRegionsPerBoard.toFixed(2)} false regions per board).`,
    e.stage === null
      ? 'No region stage was trained.'
      : `Region stage: candidate regions at tile threshold ${e.stage.tileThreshold.toPrecision(4)}, trained on the ${e.stage.validationRegions} regions of the validation boards, kept at ${e.stage.keep.toPrecision(4)} (chosen out of fold, 2 folds by board, for the recall target${e.stage.keep === 0 ? '; 0 = the candidates miss the target already, every region is kept' : ''}).`,
    '',
    `## Test boards (${e.boards.test}, untouched)`,
    '',
    `Tile AUROC ${e.test.tileAuroc.toFixed(4)}.`,
    '',
    '| served as | defect recall | false regions / board | cost / board |',
    '| --- | --- | --- | --- |',
    row('tile threshold only', e.test.tiles),
    ...(e.test.stage === null ? [] : [row('with the region stage (served)', e.test.stage)]),
    '',
    'Defect recall = share of annotated defects overlapped by a flagged region; a false region overlaps none.',
    '',
  ].join('\n');
}
