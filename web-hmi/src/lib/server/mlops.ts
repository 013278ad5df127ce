// The MLOps loop as the engineer and quality-lead screens show it (issue 16): the gates of an
// approval request to production (governance CheckGates) with their numbers and pass/fail in plain
// words, live monitoring's rollback proposals (ListModelVersions), and the shadow view of a use
// case (the inference gateway's GET /api/v1/shadow/comparisons).
import { redirect } from '@sveltejs/kit';
import type { governanceRegistryV1 as pb } from '@industrial/grpc';
import { GatewayError, gateway, type ShadowPage } from './inference.ts';
import { platformWords, type Platform } from './platform.ts';
import type { RequestView } from './models.ts';

/** What each gate checks, in the words the screens use. */
export const GATE_WORD: Record<string, string> = {
  'min-metric': 'Minimum test metric',
  'max-metric': 'Maximum test metric',
  'stress-noise': 'Holds up under sensor noise',
  'stress-dropout': 'Holds up when a sensor is lost',
  'snapshot-quality': 'Training data recorded and large enough',
  'shadow-period': 'Shadow period beside production',
  savings: 'Expected savings at least those of production',
};

export interface GateView {
  gate: string;
  label: string;
  passed: boolean;
  /** The numbers: what was found and the limit. */
  detail: string;
}

export interface GateCheck {
  /** null: the gates could not be read (why says so). */
  passed: boolean | null;
  results: GateView[];
  why: string | null;
}

export function gateView(r: pb.GateResult): GateView {
  return { gate: r.gate, label: GATE_WORD[r.gate] ?? r.gate, passed: r.passed, detail: r.detail };
}

/** CheckGates for each open request to production (pending or approved), by request id. */
export async function gatesOf(p: Platform, useCaseId: string, requests: readonly RequestView[]): Promise<Record<string, GateCheck>> {
  const out: Record<string, GateCheck> = {};
  await Promise.all(
    requests
      .filter((r) => r.targetStage === 'production' && (r.status === 'pending' || r.status === 'approved'))
      .map(async (r) => {
        try {
          const g = await p.checkGates(useCaseId, r.requestId);
          out[r.requestId] = { passed: g.passed, results: g.results.map(gateView), why: null };
        } catch (error) {
          out[r.requestId] = { passed: null, results: [], why: platformWords(error) };
        }
      }),
  );
  return out;
}

export const TRIGGER_WORD: Record<string, string> = {
  'gate-breach': 'Live performance fell below its gate',
  'kpi-miss': 'A KPI missed its mark',
};

export interface ProposalView {
  proposalId: string;
  modelVersionId: string;
  scope: string;
  trigger: string;
  triggerWords: string;
  /** The version proposed instead; empty = the rule-based limits. */
  toModelVersionId: string;
  measure: string;
  value: number;
  limit: number;
  basis: number;
  reason: string;
  proposedAt: string;
  standing: boolean;
}

export function proposalView(p: pb.RollbackProposal): ProposalView {
  return {
    proposalId: p.proposalId,
    modelVersionId: p.modelVersionId,
    scope: p.scope,
    trigger: p.trigger,
    triggerWords: TRIGGER_WORD[p.trigger] ?? p.trigger,
    toModelVersionId: p.toModelVersionId,
    measure: p.measure,
    value: p.value,
    limit: p.limit,
    basis: p.basis,
    reason: p.reason,
    proposedAt: p.proposedAt,
    standing: p.standing,
  };
}

/** The shadow view of a use case, or why it cannot be shown (a refusal in plain words). */
export async function shadowOf(
  token: string,
  useCaseId: string,
  filter: { candidateVersionId?: string; pageToken?: string } = {},
): Promise<{ page: ShadowPage | null; why: string | null }> {
  try {
    return { page: await gateway(token).shadowComparisons(useCaseId, { ...filter, pageSize: 50 }), why: null };
  } catch (error) {
    if (error instanceof GatewayError) {
      if (error.status === 401) redirect(303, '/signin?expired=1');
      if (error.status === 403) return { page: null, why: 'Your role does not read the shadow comparisons.' };
      if (error.code === 'NO_ROUTE') return { page: null, why: 'This inference gateway has no shadow view yet.' };
      if (error.status === 503) return { page: null, why: 'The inference gateway is not reachable right now. Try again in a moment.' };
      return { page: null, why: `The inference gateway refused: ${error.message}` };
    }
    return { page: null, why: 'Something went wrong on the HMI server. Try again.' };
  }
}
