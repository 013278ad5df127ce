// The model loader (features/ports.ts ModelLoader) over @industrial/ml and a scorer factory
// (onnxruntime-node): reads the bundle, checks the ONNX bytes against the recorded sha256, parses
// the explanation sidecar and the model's window spec, creates the session, warms it up on the
// reference rows and checks that the ONNX scores agree with the sidecar's. A failed check throws
// ModelRefusedError naming it; anything else (a missing file, a bad session) is a load failure.
import { explain, parseModel, scoreRaw, selectWindowFeatures, validateWindowSpec, type WindowSpec } from '@industrial/ml';
import type { RegisteredModel } from '../../domain/deployments.ts';
import { sortedFinite } from '../../domain/drift.ts';
import { ModelRefusedError } from '../../domain/errors.ts';
import type { LoadedModel, ModelLoader, Scorer } from '../../features/ports.ts';
import { sha256Of, type ModelArtifacts, type ReferenceProfile } from '../artifacts/files.ts';

export interface ModelLoaderOptions {
  readonly artifacts: ModelArtifacts;
  readonly createScorer: (bytes: Uint8Array, inputs: number) => Promise<Scorer>;
  readonly now: () => number;
  /** Max |ONNX − sidecar| score difference on the reference rows at warm-up (default 1e-3). */
  readonly parityTolerance?: number;
}

const WARMUP_ROWS = 64;

const median = (c: readonly number[]): number => {
  const s = sortedFinite(c);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

export function mlModelLoader(options: ModelLoaderOptions): ModelLoader {
  return {
    async load(reg: RegisteredModel): Promise<LoadedModel> {
      const bundle = await options.artifacts.load(reg.artifactUri, reg.sidecars);
      const actual = sha256Of(bundle.onnx);
      if (actual !== reg.artifactHash) {
        throw new ModelRefusedError('integrity', `ONNX bytes do not match the recorded sha256 (recorded ${reg.artifactHash}, file ${actual})`, {
          expected: reg.artifactHash,
          actual,
        });
      }
      const model = parseModel(bundle.modelJson);
      const inputs = model.pipeline.inputs;
      const ref: ReferenceProfile = bundle.reference;
      if (ref.inputs.join(',') !== inputs.join(','))
        throw new ModelRefusedError('inputs', `reference profile inputs (${ref.inputs.join(', ')}) differ from the model's (${inputs.join(', ')})`);
      if (model.window === undefined)
        throw new ModelRefusedError('inputs', 'the model declares no window spec, so its inputs cannot be computed from live data');
      let window: WindowSpec;
      try {
        validateWindowSpec(model.window);
        window = selectWindowFeatures(model.window, inputs);
      } catch (e) {
        throw new ModelRefusedError('inputs', `the model's window spec cannot compute its inputs: ${e instanceof Error ? e.message : String(e)}`);
      }
      const featureInfo = new Map(
        model.pipeline.features.map((f) => {
          const raw = f.expr.op === 'input' ? f.expr.name : null;
          const j = raw === null ? -1 : inputs.indexOf(raw);
          const w = j < 0 ? null : window.features[j]!;
          return [
            f.name,
            { source: w === null ? null : { tag: w.tag, statistic: w.statistic }, unit: w?.unit ?? f.unit, normal: j < 0 ? NaN : median(ref.columns[j]!) },
          ] as const;
        }),
      );
      const scorer = await options.createScorer(bundle.onnx, inputs.length);
      // Warm-up on reference rows, and parity with the explanation sidecar.
      const n = Math.min(WARMUP_ROWS, ref.columns[0]?.length ?? 0);
      if (n > 0) {
        const raw = new Float64Array(n * inputs.length);
        for (let i = 0; i < n; i++) for (let j = 0; j < inputs.length; j++) raw[i * inputs.length + j] = ref.columns[j]![i]!;
        const onnx = await scorer.score(Float32Array.from(raw), n);
        const ts = scoreRaw(model, raw, n);
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(onnx[i]! - ts[i]!));
        if (worst > (options.parityTolerance ?? 1e-3)) {
          await scorer.release();
          throw new ModelRefusedError(
            'parity',
            `the explanation sidecar disagrees with the ONNX model on the reference rows (max difference ${worst.toExponential(2)})`,
          );
        }
        for (let k = 0; k < 3; k++) await scorer.score(Float32Array.from(raw.subarray(0, inputs.length)), 1);
      }
      return {
        registered: reg,
        scorer,
        inputs,
        window,
        imputes: model.pipeline.imputer.strategy !== 'none',
        featureInfo,
        threshold: reg.decisionThreshold,
        referenceSorted: ref.columns.map((c) => sortedFinite(c)),
        referenceScoresSorted: sortedFinite(ref.scores),
        loadedAtMs: options.now(),
        explain: (row) => explain(model, row),
      };
    },
  };
}
