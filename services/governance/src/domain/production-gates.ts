// The gates of one approval request on the registry's state: which version is the candidate, which
// holds production of the deployment it would take (for the savings comparison; a scope without a
// production deployment of its own compares with the use-case-wide holder), and the
// refusal when a gate fails. Pure; the evidence from other streams and the model card comes in.
import { evaluateGates, gateRefusal, type GateEvidence, type GatePolicy, type GateResult } from './gates.ts';
import { deploymentKey } from '@industrial/contracts/folds';
import { RegistryError, holderOf, versionOf, type ApprovalRequestView, type RegistryState } from './registry-state.ts';

/** What features/gates.ts read outside the model stream. */
export type OutsideEvidence = Omit<GateEvidence, 'candidate' | 'production'>;

/** A refusal listing every failing gate (FAILED_PRECONDITION at the edge); `results` are all the gates checked. */
export class GateError extends RegistryError {
  readonly results: readonly GateResult[];
  constructor(message: string, results: readonly GateResult[]) {
    super('FAILED_PRECONDITION', message);
    this.name = 'GateError';
    this.results = results;
  }
}

/**
 * The version a request is compared with in production: the holder of its scope, else, when the
 * scope never had a production deployment of its own (never deployed, or only a shadow: a pilot
 * whose candidate is shadowed there), the use-case-wide one, which the rest of the fleet runs and
 * the pilot ran before. A scope rolled back to the rules compares with nothing.
 */
export function productionHolderFor(s: RegistryState, useCaseId: string, scope: string | null): string | null {
  const own = holderOf(s, 'production', useCaseId, scope);
  if (own !== null || scope === null) return own;
  return s.deployments.production.has(deploymentKey(useCaseId, scope)) ? null : holderOf(s, 'production', useCaseId, null);
}

/** The gates of a request to production (none for shadow: the shadow period is the sandbox). */
export function gateResultsFor(s: RegistryState, useCaseId: string, r: ApprovalRequestView, policy: GatePolicy, outside: OutsideEvidence): GateResult[] {
  if (r.targetStage !== 'production') return [];
  const v = versionOf(s, r.modelVersionId);
  if (v === undefined) return [];
  const holder = productionHolderFor(s, useCaseId, r.scope);
  const prod = holder === null || holder === v.modelVersionId ? undefined : versionOf(s, holder);
  return evaluateGates(policy, {
    ...outside,
    candidate: { version: v.version, metrics: v.metrics, snapshotHash: v.snapshotHash },
    production: prod === undefined ? null : { version: prod.version, metrics: prod.metrics },
  });
}

/** Throws GateError naming every failing gate with its numbers. */
export function assertGatesPass(s: RegistryState, useCaseId: string, r: ApprovalRequestView, policy: GatePolicy, outside: OutsideEvidence): GateResult[] {
  const results = gateResultsFor(s, useCaseId, r, policy, outside);
  const refusal = gateRefusal(versionOf(s, r.modelVersionId)?.version ?? 0, results);
  if (refusal !== null) throw new GateError(refusal, results);
  return results;
}
