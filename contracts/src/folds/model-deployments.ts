// The one fold of model deployments: which registered version serves production and shadow of each
// deployment (a use case, or a use case within a scope — an ISA-95 path prefix such as a pilot
// line), which versions ever served where, and which were refused. Governance (the registry's views
// and decisions) and inference (the runtime's desired state) fold with this function, so they cannot
// disagree. Pure: contract events in (ModelVersionRegistered, ModelPromoted, ModelRolledBack from
// `model-<useCase>`, ModelRefused from `serving-<useCase>`), state out; any other type is ignored.
//
// Rules: a production promotion clears the promoted version's own shadow; a rollback empties the
// stage or hands production to the named version; a gate-breach rollback and a refusal mark the
// version refused; a refusal hands the stage back to the version kept serving.
import type { EventData } from '../registry.ts';

export type DeploymentStage = 'shadow' | 'production';

/** An event as the fold reads it; `recordedAt` (from the store's metadata) is kept with a registration. */
export interface DeploymentEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: { readonly recordedAt?: string };
}

export type RegisteredVersionData = EventData<'ModelVersionRegistered'>;

/** Why a version may not serve: a runtime refusal (integrity, load, parity, inputs) or a gate-breach rollback. */
export interface Refusal {
  readonly stage: DeploymentStage;
  readonly scope: string | null;
  readonly check: string;
  readonly reason: string;
}

export interface ModelDeployments<R = RegisteredVersionData> {
  /** modelVersionId → the registration (as the caller maps it). */
  readonly registered: ReadonlyMap<string, R>;
  /** deploymentKey → production version (null = the rule-based limits). */
  readonly production: ReadonlyMap<string, string | null>;
  /** deploymentKey → shadow version (null = none). */
  readonly shadow: ReadonlyMap<string, string | null>;
  /** Versions that may never serve again (refused by the runtime, or rolled back on a gate breach). */
  readonly refused: ReadonlySet<string>;
  /** modelVersionId → why, in order. */
  readonly refusals: ReadonlyMap<string, readonly Refusal[]>;
  /** modelVersionId → every deploymentKey it ever held production or shadow of. */
  readonly served: ReadonlyMap<string, ReadonlySet<string>>;
}

/** `<useCaseId>` for the use-case-wide deployment, `<useCaseId>@<scope>` for a scoped one. */
export const deploymentKey = (useCaseId: string, scope?: string | null): string =>
  scope === undefined || scope === null || scope === '' ? useCaseId : `${useCaseId}@${scope}`;

export function parseDeploymentKey(key: string): { useCaseId: string; scope: string | null } {
  const at = key.indexOf('@');
  return at < 0 ? { useCaseId: key, scope: null } : { useCaseId: key.slice(0, at), scope: key.slice(at + 1) };
}

export const emptyModelDeployments = <R = RegisteredVersionData>(): ModelDeployments<R> => ({
  registered: new Map(),
  production: new Map(),
  shadow: new Map(),
  refused: new Set(),
  refusals: new Map(),
  served: new Map(),
});

/** The version holding `stage` of a deployment now (null: none, or the rules for production). */
export const holderOf = (s: ModelDeployments<unknown>, stage: DeploymentStage, key: string): string | null =>
  (stage === 'production' ? s.production : s.shadow).get(key) ?? null;

function withServed(s: ModelDeployments<unknown>, versionId: string, key: string): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map(s.served).set(versionId, new Set(s.served.get(versionId) ?? []).add(key));
}

function withRefusal(s: ModelDeployments<unknown>, versionId: string, r: Refusal): Pick<ModelDeployments<unknown>, 'refused' | 'refusals'> {
  return { refused: new Set(s.refused).add(versionId), refusals: new Map(s.refusals).set(versionId, [...(s.refusals.get(versionId) ?? []), r]) };
}

/**
 * A fold step whose registrations are mapped by `toRegistered` (inference keeps what it loads,
 * governance what it lists). Events are contract events at their latest version (read through the
 * kernel or validated by the store).
 */
export function modelDeploymentsFold<R>(toRegistered: (data: RegisteredVersionData, event: DeploymentEvent) => R) {
  return function evolve(s: ModelDeployments<R>, e: DeploymentEvent): ModelDeployments<R> {
    switch (e.type) {
      case 'ModelVersionRegistered': {
        const d = e.data as RegisteredVersionData;
        return { ...s, registered: new Map(s.registered).set(d.modelVersionId, toRegistered(d, e)) };
      }
      case 'ModelPromoted': {
        const d = e.data as EventData<'ModelPromoted'>;
        const key = deploymentKey(d.useCaseId, d.scope);
        const served = withServed(s, d.modelVersionId, key);
        if (d.stage === 'production') {
          const shadow = new Map(s.shadow);
          // The candidate that became production stops shadowing itself.
          if (shadow.get(key) === d.modelVersionId) shadow.set(key, null);
          return { ...s, production: new Map(s.production).set(key, d.modelVersionId), shadow, served };
        }
        return { ...s, shadow: new Map(s.shadow).set(key, d.modelVersionId), served };
      }
      case 'ModelRolledBack': {
        const d = e.data as EventData<'ModelRolledBack'>;
        const key = deploymentKey(d.useCaseId, d.scope);
        const production = new Map(s.production);
        let served = s.served;
        if ((production.get(key) ?? null) === d.fromModelVersionId) {
          production.set(key, d.toModelVersionId);
          if (d.toModelVersionId !== null) served = withServed(s, d.toModelVersionId, key);
        }
        const shadow = new Map(s.shadow);
        if (shadow.get(key) === d.fromModelVersionId) shadow.set(key, null);
        const refusal =
          d.trigger === 'gate-breach'
            ? withRefusal(s, d.fromModelVersionId, { stage: 'production', scope: d.scope ?? null, check: 'gate-breach', reason: d.reason })
            : {};
        return { ...s, production, shadow, served, ...refusal };
      }
      case 'ModelRefused': {
        const d = e.data as EventData<'ModelRefused'>;
        const key = deploymentKey(d.useCaseId, d.scope);
        const production = new Map(s.production);
        if (d.stage === 'production' && (production.get(key) ?? null) === d.modelVersionId) production.set(key, d.keptModelVersionId);
        const shadow = new Map(s.shadow);
        if (d.stage === 'shadow' && shadow.get(key) === d.modelVersionId) shadow.set(key, d.keptModelVersionId);
        return { ...s, production, shadow, ...withRefusal(s, d.modelVersionId, { stage: d.stage, scope: d.scope ?? null, check: d.check, reason: d.reason }) };
      }
      default:
        return s;
    }
  };
}

/** The fold keeping each registration's contract data as recorded. */
export const evolveModelDeployments = modelDeploymentsFold<RegisteredVersionData>((d) => d);

/** The event types the fold reads. */
export const MODEL_DEPLOYMENT_EVENT_TYPES = ['ModelVersionRegistered', 'ModelPromoted', 'ModelRolledBack', 'ModelRefused'] as const;
