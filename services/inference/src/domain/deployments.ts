// Which model version should serve each use case, from the registry events: ModelVersionRegistered
// (artifact and its sha256), ModelPromoted (production or shadow), ModelRolledBack (back to a
// version or to the rules), ModelRefused (this runtime refused a version: never loaded again, the
// kept version stays desired). The runtime reconciles the loaded sessions to this desired state. Pure.
import {
  deploymentKey,
  emptyModelDeployments,
  modelDeploymentsFold,
  parseDeploymentKey,
  type DeploymentEvent,
  type ModelDeployments,
  type RegisteredVersionData,
} from '@industrial/contracts/folds';

export interface RegisteredModel {
  readonly modelVersionId: string;
  readonly useCaseId: string;
  readonly version: number;
  readonly artifactUri: string;
  readonly artifactHash: string;
  readonly decisionThreshold: number;
  readonly windowSeconds: number;
  /** What the model was trained for (its registration's spec.task); null when unknown. */
  readonly task?: 'classification' | 'regression' | 'anomaly' | null;
  /** Its label horizon from the training target (`…_within_2h` → 120), minutes; null when it has none. */
  readonly horizonMinutes?: number | null;
  /** Content-addressed sidecars recorded by the training service (else the files beside the ONNX file). */
  readonly sidecars?: ModelSidecars;
}

export interface ArtifactRef {
  readonly uri: string;
  readonly sha256: string;
}

export interface ModelSidecars {
  /** The serialised @industrial/ml model (explanations, window spec). */
  readonly explainer?: ArtifactRef;
  /** The training reference profile (drift, warm-up parity). */
  readonly reference?: ArtifactRef;
}

/**
 * The desired state: the one fold of model deployments shared with governance
 * (`@industrial/contracts/folds`), registrations mapped to what this runtime loads.
 * `registered`, `production`, `shadow` (keys: deploymentKey) and `refused` as before; the shared
 * fold also keeps `refusals` (why) and `served` (where each version ever served).
 */
export type DeploymentState = ModelDeployments<RegisteredModel>;

/**
 * A deployment is a use case, or a use case within a scope (an ISA-95 path prefix: a pilot line
 * first, then more lines). Its key: `<useCaseId>` or `<useCaseId>@<scope>`.
 */
export { deploymentKey, parseDeploymentKey };

const within = (assetPath: string, scope: string) => assetPath === scope || assetPath.startsWith(`${scope}.`);

/**
 * The deployment serving an asset: the narrowest scope of the use case that covers the asset and
 * has ever been deployed (production or shadow), else the use-case-wide one. A scope rolled back
 * to the rules stays the asset's deployment: it does not fall through to a wider model.
 */
export function deploymentFor(s: DeploymentState, useCaseId: string, assetPath: string): string {
  let best = useCaseId;
  let bestLen = -1;
  for (const key of new Set([...s.production.keys(), ...s.shadow.keys()])) {
    const { useCaseId: u, scope } = parseDeploymentKey(key);
    if (u !== useCaseId || scope === null || !within(assetPath, scope) || scope.length <= bestLen) continue;
    best = key;
    bestLen = scope.length;
  }
  return best;
}

export const emptyDeployments = (): DeploymentState => emptyModelDeployments<RegisteredModel>();

/** `bearing_failure_within_2h` → 120, `jam_within_30min` → 30; null without a horizon in the name. */
export function horizonMinutesOfTarget(target: string): number | null {
  const m = /_within_(\d+(?:\.\d+)?)(h|min|m|d)$/.exec(target);
  if (m === null) return null;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 60 : m[2] === 'd' ? n * 1440 : n;
}

/** The registration as this runtime loads it. */
export function registeredModelOf(d: RegisteredVersionData): RegisteredModel {
  return {
    modelVersionId: d.modelVersionId,
    useCaseId: d.useCaseId,
    version: d.version,
    artifactUri: d.artifactUri,
    artifactHash: d.artifactHash,
    // Training may register without a threshold (regression, anomaly): 0.5 until the card says otherwise.
    decisionThreshold: d.decisionThreshold ?? 0.5,
    windowSeconds: d.windowSeconds ?? 0,
    task: d.spec.task,
    horizonMinutes: horizonMinutesOfTarget(d.spec.target),
    // Both refs → load them (the training service's registrations); otherwise the bundle files.
    ...(d.reference !== undefined ? { sidecars: { explainer: d.explainer, reference: d.reference } } : {}),
  };
}

/** One step of the shared fold (ModelVersionRegistered, ModelPromoted, ModelRolledBack, ModelRefused; others ignored). */
export const evolveDeployments: (s: DeploymentState, e: DeploymentEvent) => DeploymentState = modelDeploymentsFold(registeredModelOf);
