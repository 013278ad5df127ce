// The model host: follows the registry events into the desired deployment state and reconciles
// the loaded sessions to it, one load at a time. A version serves only after its ONNX bytes match
// the recorded sha256, the session is created and warmed up, and the ONNX scores agree with the
// explanation sidecar on the reference rows; the swap is one assignment, so scoring never sees a
// gap. A model must carry its @industrial/ml window spec (training writes it into the model): live
// rows are computed from it. A refused version leaves the previous one serving and is recorded as
// ModelRefused with the check, the reason and (integrity) the expected and actual sha256.
import { parseModel, scoreRaw, selectWindowFeatures, validateWindowSpec, type Model, type WindowSpec } from '@industrial/ml';
import type { ModelArtifacts, ReferenceProfile } from '../adapters/artifacts/files.ts';
import { sha256Of } from '../adapters/artifacts/files.ts';
import type { OnnxScorer } from '../adapters/onnx/scorer.ts';
import { deploymentFor, deploymentKey, emptyDeployments, evolveDeployments, parseDeploymentKey, type DeploymentState, type RegisteredModel } from '../domain/deployments.ts';
import { sortedFinite } from '../domain/drift.ts';

export interface LoadedModel {
  readonly registered: RegisteredModel;
  readonly model: Model;
  readonly scorer: OnnxScorer;
  /** Raw inputs in ONNX column order. */
  readonly inputs: readonly string[];
  /** The model's window spec, features in ONNX column order: how live rows are computed. */
  readonly window: WindowSpec;
  /** Per model feature: what it is computed from, its unit and its normal value (reference median), for evidence. */
  readonly featureInfo: ReadonlyMap<string, { readonly source: { readonly tag: string; readonly statistic: string } | null; readonly unit: string; readonly normal: number }>;
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

export type RefusalCheck = 'integrity' | 'load' | 'parity' | 'inputs' | 'not-registered';

export interface Refusal {
  useCaseId: string;
  /** The scoped deployment (path prefix), null for the use-case-wide one. */
  scope: string | null;
  refused: string;
  /** Registered version number (null: never registered). */
  version: number | null;
  stage: 'production' | 'shadow';
  check: RefusalCheck;
  reason: string;
  expectedSha256: string | null;
  actualSha256: string | null;
  keptVersion: string | null;
  causationId: string | null;
}

export interface ModelHostDeps {
  artifacts: ModelArtifacts;
  createScorer: (bytes: Uint8Array, inputs: number) => Promise<OnnxScorer>;
  /** Records that a version was refused and which one keeps serving. */
  recordRefusal: (r: Refusal) => Promise<void>;
  now: () => number;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  /** Max |ONNX − TS| score difference on the reference rows at warm-up. */
  parityTolerance?: number;
}

export interface ModelHost {
  apply(event: { id: string; type: string; data: unknown }): void;
  /** Slots of a deployment key (`<useCaseId>` or `<useCaseId>@<scope>`, see deploymentKey). */
  slots(key: string): Slots;
  /** The deployment serving an asset: the narrowest scope covering it, else the use-case-wide one. */
  slotsFor(useCaseId: string, assetPath: string): Slots & { readonly key: string };
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
    const bundle = await deps.artifacts.load(reg.artifactUri, reg.sidecars);
    const actual = sha256Of(bundle.onnx);
    if (actual !== reg.artifactHash) throw new RefusedError('integrity', `ONNX bytes do not match the recorded sha256 (recorded ${reg.artifactHash}, file ${actual})`, { expected: reg.artifactHash, actual });
    const model = parseModel(bundle.modelJson);
    const inputs = model.pipeline.inputs;
    const ref: ReferenceProfile = bundle.reference;
    if (ref.inputs.join(',') !== inputs.join(',')) throw new RefusedError('inputs', `reference profile inputs (${ref.inputs.join(', ')}) differ from the model's (${inputs.join(', ')})`);
    if (model.window === undefined) throw new RefusedError('inputs', 'the model declares no window spec, so its inputs cannot be computed from live data');
    let window: WindowSpec;
    try {
      validateWindowSpec(model.window);
      window = selectWindowFeatures(model.window, inputs);
    } catch (e) {
      throw new RefusedError('inputs', `the model's window spec cannot compute its inputs: ${e instanceof Error ? e.message : String(e)}`);
    }
    const median = (c: readonly number[]) => {
      const s = sortedFinite(c);
      return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
    };
    const featureInfo = new Map(model.pipeline.features.map((f) => {
      const raw = f.expr.op === 'input' ? f.expr.name : null;
      const j = raw === null ? -1 : inputs.indexOf(raw);
      const w = j < 0 ? null : window.features[j]!;
      return [f.name, { source: w === null ? null : { tag: w.tag, statistic: w.statistic }, unit: w?.unit ?? f.unit, normal: j < 0 ? NaN : median(ref.columns[j]!) }] as const;
    }));
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
        throw new RefusedError('parity', `the explanation sidecar disagrees with the ONNX model on the reference rows (max difference ${worst.toExponential(2)})`);
      }
      for (let k = 0; k < 3; k++) await scorer.score(Float32Array.from(raw.subarray(0, inputs.length)), 1);
    }
    const loaded: LoadedModel = {
      registered: reg,
      model,
      scorer,
      inputs,
      window,
      featureInfo,
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
      if (reg === undefined) throw new RefusedError('not-registered', `model version ${want} was never registered`);
      const loaded = await load(reg);
      // Re-check: a later event may have changed what should serve meanwhile.
      const still = (stage === 'production' ? desired.production : desired.shadow).get(useCase) ?? null;
      if (still === want) {
        slot[stage] = loaded;
        deps.log.info({ useCase, stage, modelVersionId: want }, 'model serving');
      }
    } catch (error) {
      const refused = error instanceof RefusedError ? error : null;
      const reason = refused !== null ? refused.message : `could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      refusals++;
      lastRefusal = `${want}: ${reason}`;
      deps.log.warn({ useCase, stage, modelVersionId: want, reason }, 'model refused; previous version keeps serving');
      desired = { ...desired, refused: new Set(desired.refused).add(want) };
      await deps.recordRefusal({
        ...parseDeploymentKey(useCase), refused: want, version: reg?.version ?? null, stage, check: refused?.check ?? 'load', reason,
        expectedSha256: refused?.sha256?.expected ?? null, actualSha256: refused?.sha256?.actual ?? null,
        keptVersion: current?.registered.modelVersionId ?? null, causationId,
      }).catch((e: unknown) =>
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
      const d = event.data as { useCaseId?: string; scope?: string };
      if (event.type === 'ModelVersionRegistered' || d.useCaseId === undefined) return;
      const useCase = deploymentKey(d.useCaseId, d.scope), cause = lastCause;
      chain = chain.then(() => reconcile(useCase, 'production', cause)).then(() => reconcile(useCase, 'shadow', cause));
    },
    slots: slotOf,
    slotsFor(useCaseId, assetPath) {
      const key = deploymentFor(desired, useCaseId, assetPath);
      return { ...slotOf(key), key };
    },
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
  constructor(readonly check: RefusalCheck, message: string, readonly sha256: { expected: string; actual: string } | null = null) {
    super(message);
    this.name = 'ModelRefusedError';
  }
}
