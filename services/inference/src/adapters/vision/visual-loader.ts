// The model loader of visual-inspection use cases (#22): a registered tile model (the texture-feature
// tier of @industrial/vision: the platform GBDT on FEATURE_NAMES, exported to ONNX) is loaded like
// every model — the ONNX bytes checked against the recorded sha256, the bundle's model and
// reference profile read, the onnxruntime session created and warmed up on the reference tiles,
// its scores checked against the TypeScript model's. Its inputs must be the vision tile features
// (else refused, check `inputs`). Visual models read images, not windows: the window spec a
// LoadedModel carries is a placeholder the time-series pipeline never reads (it does not serve
// visual use cases). A model whose JSON carries a `regionStage` (the second stage over the defect
// map, @industrial/vision region-stage.ts) has it checked (refused with check `load`, the reason
// naming the field, when it cannot be read) and, once the version loads, kept in `stages` by
// version for the board scoring adapter (images.ts): boards are then flagged only where it keeps a region.
import { defineWindowSpec, parseModel, scoreRaw } from '@industrial/ml';
import { FEATURE_COUNT, FEATURE_NAMES, parseRegionStage, type RegionStage } from '@industrial/vision';
import type { RegisteredModel } from '../../domain/deployments.ts';
import { sortedFinite } from '../../domain/drift.ts';
import { ModelRefusedError } from '../../domain/errors.ts';
import type { LoadedModel, ModelLoader, Scorer } from '../../features/ports.ts';
import { sha256Of, type ModelArtifacts } from '../artifacts/files.ts';

const WARMUP_TILES = 64;
const NO_WINDOW = defineWindowSpec({
  version: '1.0.0',
  windowMinutes: 1,
  gridMinutes: 1,
  features: [{ name: 'image', unit: '1', tag: 'image', statistic: 'last' }],
});

export interface VisualLoaderOptions {
  readonly artifacts: ModelArtifacts;
  readonly createScorer: (bytes: Uint8Array, inputs: number) => Promise<Scorer>;
  readonly now: () => number;
  readonly parityTolerance?: number;
  /** Second stages of the loaded versions (by model version id), read by the board scoring adapter. */
  readonly stages?: Map<string, RegionStage>;
}

export function visualModelLoader(options: VisualLoaderOptions): ModelLoader {
  return {
    async load(reg: RegisteredModel): Promise<LoadedModel> {
      const bundle = await options.artifacts.load(reg.artifactUri, reg.sidecars);
      const actual = sha256Of(bundle.onnx);
      if (actual !== reg.artifactHash)
        throw new ModelRefusedError('integrity', `ONNX bytes do not match the recorded sha256 (recorded ${reg.artifactHash}, file ${actual})`, {
          expected: reg.artifactHash,
          actual,
        });
      const model = parseModel(bundle.modelJson);
      const inputs = model.pipeline.inputs;
      if (inputs.join(',') !== FEATURE_NAMES.join(','))
        throw new ModelRefusedError(
          'inputs',
          `a visual-inspection model must read the ${FEATURE_COUNT} vision tile features; this one reads ${inputs.length} other inputs`,
        );
      // the second stage, when the model JSON carries one: refused (naming the field) before anything is created
      const carried = (model as { regionStage?: unknown }).regionStage;
      let stage: RegionStage | null = null;
      if (carried !== undefined && carried !== null) {
        try {
          stage = parseRegionStage(carried);
        } catch (e) {
          throw new ModelRefusedError('load', `the region stage cannot be read: ${(e as Error).message}`);
        }
      }
      const ref = bundle.reference;
      if (ref.inputs.join(',') !== inputs.join(',')) throw new ModelRefusedError('inputs', 'the reference profile does not hold the tile features');
      const scorer = await options.createScorer(bundle.onnx, FEATURE_COUNT);
      const n = Math.min(WARMUP_TILES, ref.columns[0]?.length ?? 0);
      if (n > 0) {
        const raw = new Float64Array(n * FEATURE_COUNT);
        for (let i = 0; i < n; i++) for (let j = 0; j < FEATURE_COUNT; j++) raw[i * FEATURE_COUNT + j] = ref.columns[j]![i]!;
        const onnx = await scorer.score(Float32Array.from(raw), n);
        const ts = scoreRaw(model, raw, n);
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(onnx[i]! - ts[i]!));
        if (worst > (options.parityTolerance ?? 1e-3)) {
          await scorer.release();
          throw new ModelRefusedError(
            'parity',
            `the ONNX tile model disagrees with the TypeScript model on the reference tiles (max difference ${worst.toExponential(2)})`,
          );
        }
      }
      if (stage !== null) options.stages?.set(reg.modelVersionId, stage);
      else options.stages?.delete(reg.modelVersionId);
      return {
        registered: reg,
        scorer,
        inputs,
        window: NO_WINDOW,
        imputes: false,
        featureInfo: new Map(),
        threshold: reg.decisionThreshold,
        referenceSorted: ref.columns.map((c) => sortedFinite(c)),
        referenceScoresSorted: sortedFinite(ref.scores),
        loadedAtMs: options.now(),
        explain: () => ({ baseValue: 0, contributions: [] }),
      };
    },
  };
}

/** Visual use cases' models by the visual loader, every other by the time-series one. */
export function loaderByUseCase(isVisualUseCase: (useCaseId: string) => boolean, visual: ModelLoader, other: ModelLoader): ModelLoader {
  return { load: (reg) => (isVisualUseCase(reg.useCaseId) ? visual : other).load(reg) };
}
