// The model host: follows the registry events into the desired deployment state and reconciles
// the loaded sessions to it, one load at a time. A version serves only after its ONNX bytes match
// the recorded sha256, the session is created and warmed up, and the ONNX scores agree with the
// explanation sidecar on the reference rows; the swap is one assignment, so scoring never sees a
// gap. A refused version leaves the previous one serving and is recorded as ModelRolledBack
// (trigger gate-breach) with the reason.
import { parseModel, scoreRaw, type Model } from '@industrial/ml';
import type { ModelArtifacts, ReferenceProfile } from '../adapters/artifacts/files.ts';
import { sha256Of } from '../adapters/artifacts/files.ts';
import type { OnnxScorer } from '../adapters/onnx/scorer.ts';
import { emptyDeployments, evolveDeployments, type DeploymentState, type RegisteredModel } from '../domain/deployments.ts';
import { sortedFinite } from '../domain/drift.ts';

export interface LoadedModel {
  readonly registered: RegisteredModel;
  readonly model: Model;
  readonly scorer: OnnxScorer;
  /** Raw inputs in ONNX column order. */
  readonly inputs: readonly string[];
  readonly threshold: number;
  /** Sorted reference sample per input, and of the training scores. */
  readonly referenceSorted: readonly Float64Array[];
  readonly referenceScoresSorted: Float64Array;
  readonly loadedAtMs: number;
}

export interface Slots {
  production: LoadedModel | null;
  shadow: LoadedModel | null;
}

export interface ModelHostDeps {
  artifacts: ModelArtifacts;
  createScorer: (bytes: Uint8Array, inputs: number) => Promise<OnnxScorer>;
  /** Records that a version was refused and which one keeps serving. */
  recordRefusal: (r: { useCaseId: string; refused: string; keptVersion: string | null; reason: string; causationId: string | null }) => Promise<void>;
  now: () => number;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Max |ONNX − TS| score difference on the reference rows at warm-up. */
  parityTolerance?: number;
}

export interface ModelHost {
  apply(event: { id: string; type: string; data: unknown }): void;
  slots(useCaseId: string): Slots;
  /** Resolves when every queued load has finished. */
  idle(): Promise<void>;
  state(): DeploymentState;
  status(): { loads: number; refusals: number; lastRefusal: string | null; useCases: Record<string, { production: string | null; shadow: string | null }> };
  close(): Promise<void>;
}

const WARMUP_ROWS = 64;

export function createModelHost(deps: ModelHostDeps): ModelHost {
  let desired = emptyDeployments();
  const slots = new Map<string, Slots>();
  const cache = new Map<string, LoadedModel>();
  let lastCause: string | null = null;
  let chain: Promise<void> = Promise.resolve();
  let loads = 0, refusals = 0;
  let lastRefusal: string | null = null;
  let closed = false;

  const slotOf = (useCase: string): Slots => {
    let s = slots.get(useCase);
    if (s === undefined) slots.set(useCase, (s = { production: null, shadow: null }));
    return s;
  };

  async function load(reg: RegisteredModel): Promise<LoadedModel> {
    const cached = cache.get(reg.modelVersionId);
    if (cached) return cached;
    const bundle = await deps.artifacts.load(reg.artifactUri);
    const actual = sha256Of(bundle.onnx);
    if (actual !== reg.artifactHash) throw new RefusedError(`ONNX bytes do not match the recorded sha256 (recorded ${reg.artifactHash}, file ${actual})`);
    const model = parseModel(bundle.modelJson);
    const inputs = model.pipeline.inputs;
    const ref: ReferenceProfile = bundle.reference;
    if (ref.inputs.join(',') !== inputs.join(',')) throw new RefusedError(`reference profile inputs (${ref.inputs.join(', ')}) differ from the model's (${inputs.join(', ')})`);
    const scorer = await deps.createScorer(bundle.onnx, inputs.length);
    // Warm-up on reference rows, and parity with the explanation sidecar.
    const n = Math.min(WARMUP_ROWS, ref.columns[0]?.length ?? 0);
    if (n > 0) {
      const raw = new Float64Array(n * inputs.length);
      for (let i = 0; i < n; i++) for (let j = 0; j < inputs.length; j++) raw[i * inputs.length + j] = ref.columns[j]![i]!;
      const onnx = await scorer.score(Float32Array.from(raw), n);
      const ts = scoreRaw(model, raw, n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(onnx[i]! - ts[i]!));
      if (worst > (deps.parityTolerance ?? 1e-3)) {
        await scorer.release();
        throw new RefusedError(`the explanation sidecar disagrees with the ONNX model on the reference rows (max difference ${worst.toExponential(2)})`);
      }
      for (let k = 0; k < 3; k++) await scorer.score(Float32Array.from(raw.subarray(0, inputs.length)), 1);
    }
    const loaded: LoadedModel = {
      registered: reg,
      model,
      scorer,
      inputs,
      threshold: reg.decisionThreshold,
      referenceSorted: ref.columns.map((c) => sortedFinite(c)),
      referenceScoresSorted: sortedFinite(ref.scores),
      loadedAtMs: deps.now(),
    };
    cache.set(reg.modelVersionId, loaded);
    loads++;
    return loaded;
  }

  async function reconcile(useCase: string, stage: 'production' | 'shadow', causationId: string | null): Promise<void> {
    if (closed) return;
    const want = (stage === 'production' ? desired.production : desired.shadow).get(useCase) ?? null;
    const slot = slotOf(useCase);
    const current = slot[stage];
    if ((current?.registered.modelVersionId ?? null) === want) return;
    if (want === null) {
      slot[stage] = null;
      deps.log.info({ useCase, stage }, 'model unloaded; rules stand in');
      return;
    }
    if (desired.refused.has(want)) return;
    const reg = desired.registered.get(want);
    try {
      if (reg === undefined) throw new RefusedError(`model version ${want} was never registered`);
      const loaded = await load(reg);
      // Re-check: a later event may have changed what should serve meanwhile.
      const still = (stage === 'production' ? desired.production : desired.shadow).get(useCase) ?? null;
      if (still === want) {
        slot[stage] = loaded;
        deps.log.info({ useCase, stage, modelVersionId: want }, 'model serving');
      }
    } catch (error) {
      const reason = error instanceof RefusedError ? error.message : `could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      refusals++;
      lastRefusal = `${want}: ${reason}`;
      deps.log.warn({ useCase, stage, modelVersionId: want, reason }, 'model refused; previous version keeps serving');
      desired = { ...desired, refused: new Set(desired.refused).add(want) };
      await deps.recordRefusal({ useCaseId: useCase, refused: want, keptVersion: current?.registered.modelVersionId ?? null, reason, causationId }).catch((e: unknown) =>
        deps.log.error({ err: e }, 'could not record the refusal'),
      );
    }
  }

  return {
    apply(event) {
      const before = desired;
      desired = evolveDeployments(desired, event);
      if (desired === before) return;
      lastCause = event.id;
      const d = event.data as { useCaseId?: string };
      if (event.type === 'ModelVersionRegistered' || d.useCaseId === undefined) return;
      const useCase = d.useCaseId, cause = lastCause;
      chain = chain.then(() => reconcile(useCase, 'production', cause)).then(() => reconcile(useCase, 'shadow', cause));
    },
    slots: slotOf,
    idle: async () => {
      let c: Promise<void>;
      do {
        c = chain;
        await c;
      } while (c !== chain);
    },
    state: () => desired,
    status() {
      const useCases: Record<string, { production: string | null; shadow: string | null }> = {};
      for (const [u, s] of slots) useCases[u] = { production: s.production?.registered.modelVersionId ?? null, shadow: s.shadow?.registered.modelVersionId ?? null };
      return { loads, refusals, lastRefusal, useCases };
    },
    async close() {
      closed = true;
      await chain;
      await Promise.all([...cache.values()].map((m) => m.scorer.release().catch(() => undefined)));
      cache.clear();
    },
  };
}

class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRefusedError';
  }
}
