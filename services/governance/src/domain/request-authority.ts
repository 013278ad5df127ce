// Who may request which stage of which model version (issue 16, least privilege). RequestApproval
// admits callers holding `model.propose_shadow`; a caller that also holds `model.propose` (an
// engineer) may request any stage of any version. A caller with only `model.propose_shadow`
// (training's service account, for the shadow period of a retraining's candidate) may request
// the shadow stage of a version it registered itself, never production: a person proposes
// production, and a quality lead still approves and promotes every request. The registry's
// decision (decideRequestApproval) applies the rule on the use case's state, which knows who
// registered each version; the edge only says who asks and whether they hold model.propose.
// Pure: no I/O, no clock.
import type { DeploymentStage } from './registry-state.ts';

/** Who asks for a stage, as the edge authenticated them. */
export interface Requester {
  /** The caller's subject (token `sub`), e.g. `svc:training`. */
  readonly subject: string;
  /** True when the caller holds `model.propose_shadow` but not `model.propose` (for the request's location). */
  readonly shadowOnly: boolean;
}

/** A caller holding only model.propose_shadow asked for more; the edge refuses it as PERMISSION_DENIED (model.propose) and records it. */
export class ShadowOnlyError extends Error {
  readonly code = 'SHADOW_ONLY' as const;
  readonly subject: string;
  /** Why, for the caller and the audit trail. */
  readonly detail: string;
  constructor(subject: string, detail: string) {
    super(detail);
    this.name = 'ShadowOnlyError';
    this.subject = subject;
    this.detail = detail;
  }
}

export interface ShadowOnlyRequest {
  /** The caller's subject (token `sub`), e.g. `svc:training`. */
  readonly subject: string;
  readonly targetStage: DeploymentStage;
  readonly modelVersionId: string;
  /** The subject that registered the version; null when the version is unknown (the registry then answers NOT_FOUND). */
  readonly registeredBy: string | null;
}

const norm = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

/**
 * Why a caller holding only `model.propose_shadow` may not make this request, or null when it may.
 * The text is the PERMISSION_DENIED detail the caller and the audit trail see.
 */
export function shadowOnlyRefusal(r: ShadowOnlyRequest): string | null {
  if (r.targetStage === 'production') {
    return `${r.subject} holds model.propose_shadow only: it may request the shadow stage of a candidate it registered, never production; a production request needs model.propose (role engineer)`;
  }
  if (r.registeredBy === null) return null;
  if (norm(r.registeredBy) !== norm(r.subject)) {
    return `${r.subject} holds model.propose_shadow only: it may request the shadow stage of a candidate it registered itself, and model version ${r.modelVersionId} was registered by ${r.registeredBy}; that needs model.propose (role engineer)`;
  }
  return null;
}
