// Use case (#22): train a visual model of a visual-inspection use case and register it like every
// model. The use case must be visual (its serving spec's task kind, as the charter records it); the
// board set is split by board; the trainer fits the texture-feature tile tier on the training
// boards, chooses its threshold on the validation boards for a defect-recall target at the least
// cost (the charter's cost of a missed defect vs a false region), trains the region stage on the
// validation boards' regions and measures both on the test boards. The ONNX file, the model JSON
// (with `regionStage`), the reference profile and the model card (Markdown + JSON) go to the
// content-addressed artifact store; the run is recorded in its own `training-run-<id>` stream as
// training's runs are (domain/run.ts decides: Started → Progressed … → registered → Completed, or
// Failed) when a kernel is given, and the version is registered as a candidate through governance's
// model registry (the ModelRegistry port: RegisterModelVersion over gRPC in a cluster) so a quality
// lead can approve and promote it.
import type { Cause, Kernel } from '@industrial/kernel';
import type { CostModel } from '@industrial/ml';
import { decide, evolve, initialRunState, type RunCommand, type RunState, type Stage, type StartedData } from '../domain/run.ts';
import {
  checkVisionRequest,
  defectCostOf,
  visionCardJson,
  visionCardMarkdown,
  visionMetrics,
  VisionTrainingRefused,
  type DefectCost,
  type VisionEvaluation,
} from '../domain/vision.ts';
import type { ArtifactStore, ModelRegistry, RegisteredModel } from '../ports.ts';

/** A use case as training needs it for a visual model (the charter's records). */
export interface VisualUseCase {
  readonly name: string;
  /** The serving spec's task kind; only `visual-inspection` is trained here. */
  readonly taskKind: string;
  readonly cost: CostModel | null;
}

export interface VisualUseCases {
  /** null: the charter records no serving spec for it. */
  get(useCaseId: string): Promise<VisualUseCase | null>;
}

/** The board set a trainer was given, as the run records it. */
export interface BoardSetSummary {
  /** e.g. `DeepPCB folder`. */
  readonly kind: string;
  readonly location: string;
  readonly boards: number;
  readonly split: { readonly train: number; readonly validation: number; readonly test: number };
  /** sha256 of the canonical manifest (board ids, image sha256s, annotations, split): the run's snapshot hash. */
  readonly manifestSha256: string;
  /** Name-based ids of the board set and of this manifest (the run's dataset and snapshot ids). */
  readonly datasetId: string;
  readonly snapshotId: string;
}

export interface VisionTrainOptions {
  readonly seed: number;
  readonly maxIter: number;
  readonly recallTarget: number;
  /** Validation recall the region stage's candidate regions are cut at (above the target: room to drop). */
  readonly candidateRecall: number;
  readonly cost: DefectCost;
}

export interface VisionTrained {
  readonly onnx: Uint8Array;
  /** The tile model's JSON with its `regionStage` (what inference's visual loader reads). */
  readonly modelJson: string;
  readonly referenceJson: string;
  readonly evaluation: VisionEvaluation;
}

export interface VisionTrainer {
  /** The model's inputs (the tile feature names) and their feature-set version. */
  readonly features: readonly string[];
  readonly featureSetVersion: string;
  /** The board set, read and hashed once; refused (VisionTrainingRefused naming `boards`) when it holds none. */
  boardSet(): Promise<BoardSetSummary>;
  train(options: VisionTrainOptions, progress: (stage: Stage, metrics: Readonly<Record<string, number>>) => Promise<void>): Promise<VisionTrained>;
}

export interface VisionTrainingDeps {
  readonly useCases: VisualUseCases;
  readonly trainer: VisionTrainer;
  readonly artifacts: ArtifactStore;
  readonly registry: ModelRegistry;
  /** Training's kernel: the run is recorded in `training-run-<id>` when given. */
  readonly kernel: Kernel | null;
  readonly codeVersion: string;
  readonly now: () => string;
  readonly newId: () => string;
}

export interface VisionTrainingRequest {
  readonly useCaseId: string;
  readonly seed: number;
  readonly maxIter: number;
  readonly recallTarget: number;
  readonly candidateRecall: number;
}

export interface VisionTrainingResult {
  readonly runId: string;
  readonly registered: RegisteredModel;
  readonly alreadyRegistered: boolean;
  readonly evaluation: VisionEvaluation;
  readonly cost: DefectCost;
  readonly recorded: boolean;
  readonly files: { readonly onnx: string; readonly modelJson: string; readonly reference: string; readonly cardMarkdown: string; readonly cardJson: string };
}

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

export async function trainVisualModel(deps: VisionTrainingDeps, request: VisionTrainingRequest, cause: Cause): Promise<VisionTrainingResult> {
  const useCase = await deps.useCases.get(request.useCaseId);
  if (useCase === null) throw new VisionTrainingRefused('use_case_id', `the charter records no serving spec for use case ${request.useCaseId}`);
  if (useCase.taskKind !== 'visual-inspection')
    throw new VisionTrainingRefused('use_case_id', `use case ${request.useCaseId} is a ${useCase.taskKind} use case, not visual-inspection`);
  const set = await deps.trainer.boardSet();
  checkVisionRequest({ useCaseId: request.useCaseId, boards: set.boards, split: set.split, recallTarget: request.recallTarget });
  if (!(request.candidateRecall >= request.recallTarget && request.candidateRecall <= 1))
    throw new VisionTrainingRefused('candidate_recall', `must be in [recall target ${request.recallTarget}, 1], is ${request.candidateRecall}`);
  const cost = defectCostOf(useCase.cost);

  const runId = deps.newId();
  let state: RunState = initialRunState;
  const stream = `training-run-${runId}`;
  const run = async (command: RunCommand): Promise<void> => {
    const events = decide(command, state);
    for (const e of events) state = evolve(state, e);
    const own = events.filter((e) => e.type !== 'ModelVersionRegistered');
    if (deps.kernel !== null && own.length > 0) await deps.kernel.append(stream, own, cause);
  };
  const started: StartedData = {
    runId,
    useCaseId: request.useCaseId,
    datasetId: set.datasetId,
    snapshotId: set.snapshotId,
    snapshotHash: set.manifestSha256,
    algorithm: 'vision-tile-gbdt-region-stage',
    hyperparameters: {
      max_iter: request.maxIter,
      recall_target: request.recallTarget,
      candidate_recall: request.candidateRecall,
      missed_defect_cost: cost.missedDefect,
      false_reject_cost: cost.falseReject,
      cost_source: cost.source,
      tile: 32,
      stride: 16,
      boards: set.boards,
    },
    featureSetVersion: deps.trainer.featureSetVersion,
    codeVersion: deps.codeVersion,
    seed: request.seed,
    spec: {
      target: 'tile_defect',
      features: [...deps.trainer.features],
      modelType: 'gbdt',
      task: 'classification',
      imbalance: 'none',
      imputation: 'none',
      costModel:
        cost.source === 'charter' && useCase.cost !== null
          ? {
              source: 'charter',
              useCaseId: request.useCaseId,
              missedFailure: useCase.cost.missedFailure,
              falseAlarm: useCase.cost.falseAlarm,
              inspection: useCase.cost.inspection,
            }
          : null,
    },
    trigger: { kind: 'manual', retrainingRequestId: null },
    startedAt: deps.now(),
  };
  await run({ type: 'StartRun', data: started });
  let stage: Stage = 'data-loading';
  try {
    await run({ type: 'ReportProgress', runId, stage, metrics: { boards: set.boards } });
    const trained = await deps.trainer.train(
      { seed: request.seed, maxIter: request.maxIter, recallTarget: request.recallTarget, candidateRecall: request.candidateRecall, cost },
      async (s, metrics) => {
        stage = s;
        await run({ type: 'ReportProgress', runId, stage: s, metrics });
      },
    );
    stage = 'export';
    await run({ type: 'ReportProgress', runId, stage, metrics: {} });
    const e = trained.evaluation;
    const metrics = visionMetrics(e);
    const card = {
      useCaseId: request.useCaseId,
      useCaseName: useCase.name,
      runId,
      trainedAt: started.startedAt,
      source: { kind: set.kind, location: set.location, manifestSha256: set.manifestSha256 },
      seed: request.seed,
      maxIter: request.maxIter,
      recallTarget: request.recallTarget,
      cost,
      evaluation: e,
      features: deps.trainer.features,
    };
    const onnx = await deps.artifacts.put(trained.onnx);
    const explainer = await deps.artifacts.put(encode(trained.modelJson));
    const reference = await deps.artifacts.put(encode(trained.referenceJson));
    const markdown = await deps.artifacts.put(encode(visionCardMarkdown(card)));
    const json = await deps.artifacts.put(encode(JSON.stringify({ ...visionCardJson(card), artifacts: { onnx, explainer, reference } }, null, 2)));

    stage = 'registration';
    await run({ type: 'ReportProgress', runId, stage, metrics });
    const registration = {
      modelVersionId: deps.newId(),
      useCaseId: request.useCaseId,
      runId,
      version: 0,
      stage: 'candidate' as const,
      format: 'onnx' as const,
      artifactUri: onnx.uri,
      artifactHash: onnx.sha256,
      datasetId: set.datasetId,
      snapshotId: set.snapshotId,
      snapshotHash: set.manifestSha256,
      featureSetVersion: deps.trainer.featureSetVersion,
      codeVersion: deps.codeVersion,
      seed: request.seed,
      spec: started.spec,
      inputs: deps.trainer.features.map((name) => ({ name, unit: '1' })),
      windowSeconds: null,
      outputs: [{ name: 'tile_defect_probability' }],
      metrics,
      decisionThreshold: e.threshold.value,
      modelCard: { markdown: { uri: markdown.uri, sha256: markdown.sha256 }, json: { uri: json.uri, sha256: json.sha256 } },
      explainer: { uri: explainer.uri, sha256: explainer.sha256 },
      reference: { uri: reference.uri, sha256: reference.sha256 },
    };
    // decided by the run (register once, only a running run), recorded by governance (the one writer of model-<useCase>)
    decide({ type: 'RegisterModel', data: registration }, state);
    const { version: _assigned, ...ask } = registration;
    const answer = await deps.registry.register(ask, cause);
    state = evolve(state, { type: 'ModelVersionRegistered', data: answer.registered });
    await run({ type: 'CompleteRun', runId, now: deps.now(), metrics, artifactUri: onnx.uri, artifactHash: onnx.sha256 });
    return {
      runId,
      registered: answer.registered,
      alreadyRegistered: answer.alreadyRegistered,
      evaluation: e,
      cost,
      recorded: deps.kernel !== null,
      files: { onnx: onnx.uri, modelJson: explainer.uri, reference: reference.uri, cardMarkdown: markdown.uri, cardJson: json.uri },
    };
  } catch (error) {
    if (state.registered === null && (state.status === 'queued' || state.status === 'running')) {
      const message = error instanceof Error ? error.message : String(error);
      await run({ type: 'FailRun', runId, now: deps.now(), stage, error: message, retryable: stage === 'registration' }).catch(() => undefined);
    }
    throw error;
  }
}
