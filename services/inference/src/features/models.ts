// Use case "serve the promoted model" (model loading and refusal): folds the deployment events
// (through domain/deployments.ts) into the desired state and reconciles the loaded versions to it,
// one load at a time. A version serves only once the ModelLoader has verified, loaded and warmed it
// up; the swap is one assignment, so scoring never sees a gap. A refused version leaves the
// previous one serving and is recorded as ModelRefused in `serving-<useCaseId>` (never in
// governance's `model-` streams) with the check, the reason and, for integrity, both sha256.
// A model whose task or inputs do not match its use case's serving spec (the evidence templates
// read features it does not compute) is refused at load, and again when a revised spec no longer
// fits the model serving (check `inputs`, the reason in plain words; the rules stand in).
import { streamFor } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { serviceCause, type Kernel } from '@industrial/kernel';
import { deploymentFor, deploymentKey, emptyDeployments, evolveDeployments, parseDeploymentKey, type DeploymentState } from '../domain/deployments.ts';
import { ModelRefusedError, type RefusalCheck } from '../domain/errors.ts';
import { modelMismatch, type UseCaseSpec } from '../domain/usecase.ts';
import type { InferenceMetrics, LoadedModel, Log, ModelLoader } from './ports.ts';

/** Event types that change which version should serve (kept in the projection snapshot). */
export const DEPLOYMENT_EVENT_TYPES: ReadonlySet<string> = new Set(['ModelVersionRegistered', 'ModelPromoted', 'ModelRolledBack', 'ModelRefused']);

export interface Slots {
  production: LoadedModel | null;
  shadow: LoadedModel | null;
}

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
  loader: ModelLoader;
  kernel: Kernel;
  metrics: InferenceMetrics;
  log: Log;
  /** The served use case (its serving spec), to check a model against; undefined: not checked. */
  specOf?: (useCaseId: string) => UseCaseSpec | undefined;
}

export interface ModelHost {
  apply(event: { id: string; type: string; data: unknown }): void;
  /** The use case's serving spec changed: models that no longer fit it are refused (queued like loads). */
  recheck(useCaseId: string, causationId: string | null): void;
  /** Slots of a deployment key (`<useCaseId>` or `<useCaseId>@<scope>`, see deploymentKey). */
  slots(key: string): Slots;
  /** The deployment serving an asset: the narrowest scope covering it, else the use-case-wide one. */
  slotsFor(useCaseId: string, assetPath: string): Slots & { readonly key: string };
  /** Resolves when every queued load has finished. */
  idle(): Promise<void>;
  /** The service is stopping: queued loads are skipped and a load cut short is not recorded as a refusal. */
  stopLoading(): void;
  state(): DeploymentState;
  status(): { loads: number; refusals: number; lastRefusal: string | null; useCases: Record<string, { production: string | null; shadow: string | null }> };
  close(): Promise<void>;
}

/** Records a refusal: ModelRefused in `serving-<useCaseId>`, idempotent per refused version and cause. */
export async function recordRefusal(kernel: Kernel, r: Refusal): Promise<void> {
  const id = uuidFromKey(`refused|${r.refused}|${r.causationId ?? ''}`);
  const kept =
    r.keptVersion === null
      ? r.stage === 'production'
        ? 'The rule-based limits stay in use.'
        : 'No shadow candidate runs.'
      : `Version ${r.keptVersion} keeps serving.`;
  await kernel.append(
    streamFor('ModelRefused', r.useCaseId),
    [
      {
        id,
        type: 'ModelRefused',
        data: {
          useCaseId: r.useCaseId,
          modelVersionId: r.refused,
          version: r.version,
          stage: r.stage,
          check: r.check,
          reason: `Inference refused model version ${r.refused}: ${r.reason}. ${kept}`.slice(0, 2000),
          expectedSha256: r.expectedSha256,
          actualSha256: r.actualSha256,
          ...(r.scope === null ? {} : { scope: r.scope }),
          keptModelVersionId: r.keptVersion,
        },
      },
    ],
    serviceCause('inference', id, { causationId: r.causationId }),
  );
}

export function createModelHost(deps: ModelHostDeps): ModelHost {
  let desired = emptyDeployments();
  const slots = new Map<string, Slots>();
  const cache = new Map<string, LoadedModel>();
  let chain: Promise<void> = Promise.resolve();
  let loads = 0,
    refusals = 0;
  let lastRefusal: string | null = null;
  let closed = false;

  const slotOf = (useCase: string): Slots => {
    let s = slots.get(useCase);
    if (s === undefined) slots.set(useCase, (s = { production: null, shadow: null }));
    return s;
  };

  async function load(id: string): Promise<LoadedModel> {
    const cached = cache.get(id);
    if (cached) return cached;
    const reg = desired.registered.get(id);
    if (reg === undefined) throw new ModelRefusedError('not-registered', `model version ${id} was never registered`);
    const loaded = await deps.loader.load(reg);
    cache.set(id, loaded);
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
    try {
      const loaded = await load(want);
      const spec = deps.specOf?.(parseDeploymentKey(useCase).useCaseId);
      const why = spec === undefined ? null : mismatchOf(spec, loaded);
      if (why !== null) throw new ModelRefusedError('inputs', `its inputs do not match the use case: ${why}`);
      // Re-check: a later event may have changed what should serve meanwhile.
      const still = (stage === 'production' ? desired.production : desired.shadow).get(useCase) ?? null;
      if (still === want) {
        slot[stage] = loaded;
        deps.log.info({ useCase, stage, modelVersionId: want }, 'model serving');
      }
    } catch (error) {
      if (closed) {
        // cut short by the stop (the store's loader is closed): not a verdict on the version, so nothing is recorded
        deps.log.info({ useCase, stage, modelVersionId: want }, 'model load abandoned: stopping');
        return;
      }
      const refused = error instanceof ModelRefusedError ? error : null;
      const reason = refused !== null ? refused.message : `could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
      refusals++;
      lastRefusal = `${want}: ${reason}`;
      deps.log.warn({ useCase, stage, modelVersionId: want, reason }, 'model refused; previous version keeps serving');
      desired = { ...desired, refused: new Set(desired.refused).add(want) };
      const { useCaseId, scope } = parseDeploymentKey(useCase);
      deps.metrics.error('model_refused', useCaseId);
      await recordRefusal(deps.kernel, {
        useCaseId,
        scope,
        refused: want,
        version: desired.registered.get(want)?.version ?? null,
        stage,
        check: refused?.check ?? 'load',
        reason,
        expectedSha256: refused?.sha256?.expected ?? null,
        actualSha256: refused?.sha256?.actual ?? null,
        keptVersion: current?.registered.modelVersionId ?? null,
        causationId,
      }).catch((e: unknown) => deps.log.error({ err: e }, 'could not record the refusal'));
    }
  }

  function mismatchOf(spec: UseCaseSpec, m: LoadedModel): string | null {
    return modelMismatch(spec, { task: m.registered.task ?? null, features: m.window.features });
  }

  /** A serving model that no longer fits the revised spec is refused; the rules (or the other slot's model) stand in. */
  async function enforce(key: string, stage: 'production' | 'shadow', causationId: string | null): Promise<void> {
    const slot = slotOf(key);
    const current = slot[stage];
    const spec = deps.specOf?.(parseDeploymentKey(key).useCaseId);
    if (closed || current === null || spec === undefined) return;
    const why = mismatchOf(spec, current);
    if (why === null) return;
    const id = current.registered.modelVersionId;
    slot[stage] = null;
    refusals++;
    lastRefusal = `${id}: ${why}`;
    desired = { ...desired, refused: new Set(desired.refused).add(id) };
    deps.log.warn({ useCase: key, stage, modelVersionId: id, reason: why }, 'model no longer fits its use case; refused');
    const { useCaseId, scope } = parseDeploymentKey(key);
    deps.metrics.error('model_refused', useCaseId);
    await recordRefusal(deps.kernel, {
      useCaseId,
      scope,
      refused: id,
      version: current.registered.version,
      stage,
      check: 'inputs',
      reason: `its inputs do not match the revised use case: ${why}`,
      expectedSha256: null,
      actualSha256: null,
      keptVersion: null,
      causationId,
    }).catch((e: unknown) => deps.log.error({ err: e }, 'could not record the refusal'));
  }

  return {
    recheck(useCaseId, causationId) {
      for (const key of [...slots.keys()].filter((k) => parseDeploymentKey(k).useCaseId === useCaseId))
        chain = chain.then(() => enforce(key, 'production', causationId)).then(() => enforce(key, 'shadow', causationId));
    },
    apply(event) {
      const before = desired;
      desired = evolveDeployments(desired, event);
      if (desired === before) return;
      const d = event.data as { useCaseId?: string; scope?: string };
      if (event.type === 'ModelVersionRegistered' || d.useCaseId === undefined) return;
      const useCase = deploymentKey(d.useCaseId, d.scope),
        cause = event.id;
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
      for (const [u, s] of slots)
        useCases[u] = { production: s.production?.registered.modelVersionId ?? null, shadow: s.shadow?.registered.modelVersionId ?? null };
      return { loads, refusals, lastRefusal, useCases };
    },
    stopLoading() {
      closed = true;
    },
    async close() {
      closed = true;
      await chain;
      await Promise.all([...cache.values()].map((m) => m.scorer.release().catch(() => undefined)));
      cache.clear();
    },
  };
}
