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
      const useCase = d.useCaseId as string, version = d.modelVersionId as string;
      if (d.stage === 'production') {
        const shadow = new Map(s.shadow);
        // The candidate that became production stops shadowing itself.
        if (shadow.get(useCase) === version) shadow.set(useCase, null);
        return { ...s, production: new Map(s.production).set(useCase, version), shadow };
      }
      return { ...s, shadow: new Map(s.shadow).set(useCase, version) };
    }
    case 'ModelRolledBack': {
      const useCase = d.useCaseId as string;
      const refused = d.trigger === 'gate-breach' ? new Set(s.refused).add(d.fromModelVersionId as string) : s.refused;
      const production = new Map(s.production);
      if ((production.get(useCase) ?? null) === d.fromModelVersionId) production.set(useCase, (d.toModelVersionId as string | null) ?? null);
      const shadow = new Map(s.shadow);
      if (shadow.get(useCase) === d.fromModelVersionId) shadow.set(useCase, null);
      return { ...s, production, shadow, refused };
    }
    case 'ModelRefused': {
      const useCase = d.useCaseId as string, refusedId = d.modelVersionId as string;
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
