// Which model version should serve each use case, from the registry events: ModelVersionRegistered
// (artifact and its sha256), ModelPromoted (production or shadow), ModelRolledBack (back to a
// version or to the rules), ModelRefused (this runtime refused a version: never loaded again, the
// kept version stays desired). The runtime reconciles the loaded sessions to this desired state. Pure.

export interface RegisteredModel {
  readonly modelVersionId: string;
  readonly useCaseId: string;
  readonly version: number;
  readonly artifactUri: string;
  readonly artifactHash: string;
  readonly decisionThreshold: number;
  readonly windowSeconds: number;
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

export interface DeploymentState {
  readonly registered: ReadonlyMap<string, RegisteredModel>;
  /** useCaseId → production version (null = rules only). */
  readonly production: ReadonlyMap<string, string | null>;
  /** useCaseId → shadow candidate. */
  readonly shadow: ReadonlyMap<string, string | null>;
  /** Versions refused by this runtime (integrity), never loaded again. */
  readonly refused: ReadonlySet<string>;
}

/**
 * A deployment is a use case, or a use case within a scope (an ISA-95 path prefix: a pilot line
 * first, then more lines). Its key: `<useCaseId>` or `<useCaseId>@<scope>`.
 */
export const deploymentKey = (useCaseId: string, scope?: string | null): string => (scope === undefined || scope === null || scope === '' ? useCaseId : `${useCaseId}@${scope}`);

export function parseDeploymentKey(key: string): { useCaseId: string; scope: string | null } {
  const at = key.indexOf('@');
  return at < 0 ? { useCaseId: key, scope: null } : { useCaseId: key.slice(0, at), scope: key.slice(at + 1) };
}

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

export const emptyDeployments = (): DeploymentState => ({ registered: new Map(), production: new Map(), shadow: new Map(), refused: new Set() });

export function evolveDeployments(s: DeploymentState, e: { type: string; data: unknown }): DeploymentState {
  const d = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'ModelVersionRegistered': {
      const m: RegisteredModel = {
        modelVersionId: d.modelVersionId as string,
        useCaseId: d.useCaseId as string,
        version: d.version as number,
        artifactUri: d.artifactUri as string,
        artifactHash: d.artifactHash as string,
        // Training may register without a threshold (regression, anomaly): 0.5 until the card says otherwise.
        decisionThreshold: (d.decisionThreshold as number | null) ?? 0.5,
        windowSeconds: (d.windowSeconds as number | null) ?? 0,
        // Both refs → load them (the training service's registrations); otherwise the bundle files.
        ...(d.explainer !== undefined && d.reference !== undefined ? { sidecars: { explainer: d.explainer as ArtifactRef, reference: d.reference as ArtifactRef } } : {}),
      };
      return { ...s, registered: new Map(s.registered).set(m.modelVersionId, m) };
    }
    case 'ModelPromoted': {
      const useCase = deploymentKey(d.useCaseId as string, d.scope as string | undefined), version = d.modelVersionId as string;
      if (d.stage === 'production') {
        const shadow = new Map(s.shadow);
        // The candidate that became production stops shadowing itself.
        if (shadow.get(useCase) === version) shadow.set(useCase, null);
        return { ...s, production: new Map(s.production).set(useCase, version), shadow };
      }
      return { ...s, shadow: new Map(s.shadow).set(useCase, version) };
    }
    case 'ModelRolledBack': {
      const useCase = deploymentKey(d.useCaseId as string, d.scope as string | undefined);
      const refused = d.trigger === 'gate-breach' ? new Set(s.refused).add(d.fromModelVersionId as string) : s.refused;
      const production = new Map(s.production);
      if ((production.get(useCase) ?? null) === d.fromModelVersionId) production.set(useCase, (d.toModelVersionId as string | null) ?? null);
      const shadow = new Map(s.shadow);
      if (shadow.get(useCase) === d.fromModelVersionId) shadow.set(useCase, null);
      return { ...s, production, shadow, refused };
    }
    case 'ModelRefused': {
      const useCase = deploymentKey(d.useCaseId as string, d.scope as string | undefined), refusedId = d.modelVersionId as string;
      const refused = new Set(s.refused).add(refusedId);
      const production = new Map(s.production);
      if (d.stage === 'production' && (production.get(useCase) ?? null) === refusedId) production.set(useCase, (d.keptModelVersionId as string | null) ?? null);
      const shadow = new Map(s.shadow);
      if (d.stage === 'shadow' && shadow.get(useCase) === refusedId) shadow.set(useCase, (d.keptModelVersionId as string | null) ?? null);
      return { ...s, production, shadow, refused };
    }
    default:
      return s;
  }
}
