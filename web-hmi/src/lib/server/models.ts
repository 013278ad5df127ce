// The model registry as the engineer and quality-lead screens show it: use cases to choose from,
// versions with their metrics and lineage, deployments per scope, approval requests, and the model
// card read from the training artifact store when the HMI server can read it (file:// URIs, sha256
// checked).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { governanceRegistryV1 as pb, trainingV1 } from '@industrial/grpc';
import { config } from './config.ts';
import { gateway } from './inference.ts';
import { proposalView, type ProposalView } from './mlops.ts';
import { platformWords, withPlatform, type Platform } from './platform.ts';

export const STAGE_WORD: Record<number, string> = {
  [pb.ModelStage.MODEL_STAGE_CANDIDATE]: 'candidate',
  [pb.ModelStage.MODEL_STAGE_SHADOW]: 'shadow',
  [pb.ModelStage.MODEL_STAGE_PRODUCTION]: 'production',
  [pb.ModelStage.MODEL_STAGE_RETIRED]: 'retired',
  [pb.ModelStage.MODEL_STAGE_REFUSED]: 'refused',
};
export const APPROVAL_WORD: Record<number, string> = {
  [pb.ApprovalStatus.APPROVAL_STATUS_PENDING]: 'pending',
  [pb.ApprovalStatus.APPROVAL_STATUS_APPROVED]: 'approved',
  [pb.ApprovalStatus.APPROVAL_STATUS_REJECTED]: 'rejected',
  [pb.ApprovalStatus.APPROVAL_STATUS_PROMOTED]: 'promoted',
};

export interface UseCaseChoice {
  useCaseId: string;
  name: string;
  /** Lines (ISA-95 path prefixes `e.s.a.l`) of its assets: the pilot-line choices. */
  lines: string[];
}

/** The charter's use cases (ListUseCases) when the charter is configured and answers; null otherwise. */
async function charterUseCases(token: string): Promise<{ useCaseId: string; title: string; assetPaths: string[] }[] | null> {
  if (config().grpc.charter === null) return null;
  try {
    return (await withPlatform(token, (p) => p.listUseCases())).useCases;
  } catch {
    return null;
  }
}

/**
 * Use cases the user can pick: the charter's (ListUseCases) with their titles and assets; when the
 * charter is not configured or does not answer, from the asset list, the prompts and HMI_USE_CASES.
 */
export async function useCaseChoices(token: string): Promise<UseCaseChoice[]> {
  const g = gateway(token);
  const byId = new Map<string, UseCaseChoice>();
  const add = (id: string, name: string | null, assetPath: string | null) => {
    const u = byId.get(id) ?? { useCaseId: id, name: name ?? id, lines: [] };
    if (name && u.name === id) u.name = name;
    if (assetPath) {
      const line = assetPath.split('.').slice(0, 4).join('.');
      if (assetPath.split('.').length >= 5 && !u.lines.includes(line)) u.lines.push(line);
    }
    byId.set(id, u);
  };
  for (const id of config().useCases) add(id, null, null);
  const [chartered, assets, recs] = await Promise.all([charterUseCases(token), g.assets().catch(() => null), g.recommendations({ max: 500 }).catch(() => [])]);
  for (const u of chartered ?? []) {
    add(u.useCaseId, u.title, null);
    for (const a of u.assetPaths) add(u.useCaseId, null, a);
  }
  for (const a of assets ?? []) for (const u of a.useCases) add(u.useCaseId, u.name, a.assetPath);
  for (const r of recs) add(r.useCaseId, null, r.assetPath);
  // a use case with no asset seen yet may still be piloted on any line the HMI knows
  const allLines = [...new Set([...byId.values()].flatMap((u) => u.lines))];
  for (const u of byId.values()) u.lines = (u.lines.length > 0 ? u.lines : allLines).sort();
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export interface RunView {
  runId: string;
  status: string;
  stage: string;
  progress: number;
  startedAt: string;
  finishedAt: string;
}

const RUN_WORD: Record<number, string> = {
  [trainingV1.RunStatus.RUN_STATUS_QUEUED]: 'queued',
  [trainingV1.RunStatus.RUN_STATUS_RUNNING]: 'running',
  [trainingV1.RunStatus.RUN_STATUS_COMPLETED]: 'completed',
  [trainingV1.RunStatus.RUN_STATUS_FAILED]: 'failed',
};

/** A use case's training runs (newest 20) with their progress; why not when training is not reachable. */
export async function runsOf(p: Platform, useCaseId: string): Promise<{ runs: RunView[]; why: string | null }> {
  if (!p.configured('training')) return { runs: [], why: 'The training service is not configured for this HMI (HMI_TRAINING_GRPC).' };
  try {
    const r = await p.listRuns(useCaseId);
    return {
      runs: r.runs.map((x) => ({
        runId: x.runId,
        status: RUN_WORD[x.status] ?? 'unknown',
        stage: x.stage,
        progress: x.progress,
        startedAt: x.startedAt,
        finishedAt: x.finishedAt,
      })),
      why: null,
    };
  } catch (error) {
    return { runs: [], why: platformWords(error) };
  }
}

export interface VersionView {
  id: string;
  version: number;
  runId: string;
  registeredAt: string;
  metrics: Record<string, number>;
  stages: { stage: string; scope: string; detail: string }[];
  lineage: { datasetId: string; snapshotId: string; snapshotHash: string; featureSetVersion: string; codeVersion: string; artifactHash: string };
  threshold: number | null;
  inputs: string[];
  modelCardUri: string | null;
  modelCardSha256: string | null;
  requests: RequestView[];
}

export interface RequestView {
  requestId: string;
  modelVersionId: string;
  version: number;
  targetStage: string;
  scope: string;
  justification: string;
  status: string;
  requestedBy: string;
  requestedAt: string;
  metrics: Record<string, number>;
  comparedTo: string;
  comparedToMetrics: Record<string, number>;
  decidedBy: string;
  decidedAt: string;
  comment: string;
  rejectionReason: string;
  promotedBy: string;
  promotedAt: string;
}

export function requestView(r: pb.ApprovalRequest): RequestView {
  return {
    requestId: r.requestId,
    modelVersionId: r.modelVersionId,
    version: r.version,
    targetStage: STAGE_WORD[r.targetStage] ?? 'unknown',
    scope: r.scope,
    justification: r.justification,
    status: APPROVAL_WORD[r.status] ?? 'unknown',
    requestedBy: r.requestedBy,
    requestedAt: r.requestedAt,
    metrics: { ...r.metrics },
    comparedTo: r.comparedToModelVersionId,
    comparedToMetrics: { ...r.comparedToMetrics },
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
    comment: r.comment,
    rejectionReason: r.rejectionReason,
    promotedBy: r.promotedBy,
    promotedAt: r.promotedAt,
  };
}

export function versionView(v: pb.ModelVersion): VersionView {
  let reg: Record<string, unknown> = {};
  try {
    reg = JSON.parse(v.registrationJson) as Record<string, unknown>;
  } catch {
    reg = {};
  }
  const card = (reg.modelCard as { json?: { uri?: string; sha256?: string } } | undefined)?.json;
  return {
    id: v.modelVersionId,
    version: v.version,
    runId: v.runId,
    registeredAt: v.registeredAt,
    metrics: { ...v.metrics },
    stages: v.stages.map((s) => ({ stage: STAGE_WORD[s.stage] ?? 'unknown', scope: s.scope, detail: s.detail })),
    lineage: {
      datasetId: v.datasetId,
      snapshotId: v.snapshotId,
      snapshotHash: v.snapshotHash,
      featureSetVersion: v.featureSetVersion,
      codeVersion: v.codeVersion,
      artifactHash: v.artifactHash,
    },
    threshold: typeof reg.decisionThreshold === 'number' ? reg.decisionThreshold : null,
    inputs: Array.isArray(reg.inputs) ? (reg.inputs as { name?: unknown }[]).map((i) => String(i.name ?? '')) : [],
    modelCardUri: card?.uri ?? null,
    modelCardSha256: card?.sha256 ?? null,
    requests: v.approvalRequests.map(requestView),
  };
}

export interface Registry {
  versions: VersionView[];
  deployments: { stage: string; scope: string; modelVersionId: string }[];
  /** Live monitoring's rollback proposals, oldest first (standing ones await a quality lead). */
  proposals: ProposalView[];
}

export async function registryOf(p: Platform, useCaseId: string): Promise<Registry> {
  const r = await p.listModelVersions(useCaseId);
  return {
    versions: r.versions.map(versionView),
    deployments: r.deployments.map((d) => ({ stage: STAGE_WORD[d.stage] ?? 'unknown', scope: d.scope, modelVersionId: d.modelVersionId })),
    proposals: r.rollbackProposals.map(proposalView),
  };
}

/** What the model card JSON gives the engineer's screen (a subset of @industrial/ml's ModelCard). */
export interface CardView {
  intendedUse: string;
  modelType: string;
  task: string;
  target: string;
  confusion: { tp: number; fp: number; tn: number; fn: number } | null;
  threshold: number | null;
  testMetrics: Record<string, number>;
  importance: { feature: string; drop: number; std: number }[];
  limitations: string[];
  /** The precision-recall curve on the test part (at most 50 points; empty for cards written before it was recorded). */
  prCurve: { threshold: number; precision: number; recall: number }[];
}

function prCurveOf(v: unknown): CardView['prCurve'] {
  if (!Array.isArray(v)) return [];
  const ok = (p: Record<string, unknown>) => ['threshold', 'precision', 'recall'].every((k) => typeof p[k] === 'number' && Number.isFinite(p[k]));
  return (v as Record<string, unknown>[])
    .filter((p) => p !== null && typeof p === 'object' && ok(p))
    .slice(0, 200)
    .map((p) => ({ threshold: p.threshold as number, precision: p.precision as number, recall: p.recall as number }));
}

/** Reads the model card JSON when it is a file this server can read and its sha256 matches; otherwise why not. */
export async function readModelCard(uri: string | null, sha256: string | null): Promise<{ card: CardView | null; why: string | null }> {
  if (uri === null) return { card: null, why: 'This version was registered without a model card.' };
  if (!uri.startsWith('file:')) return { card: null, why: `The model card is at ${uri}, which the HMI server cannot read.` };
  let bytes: Buffer;
  try {
    bytes = await readFile(fileURLToPath(uri));
  } catch {
    return { card: null, why: `The model card file is not readable from the HMI server (${uri}).` };
  }
  if (sha256 !== null && createHash('sha256').update(bytes).digest('hex') !== sha256)
    return { card: null, why: 'The model card file does not match the hash recorded at registration; not shown.' };
  try {
    const c = JSON.parse(bytes.toString('utf8')) as Record<string, unknown> & {
      metrics?: { test?: Record<string, unknown> };
      threshold?: { value?: unknown };
      importance?: { feature: string; drop: number; std: number }[];
      limitations?: string[];
    };
    const test = c.metrics?.test ?? {};
    const conf = test.confusion as CardView['confusion'] | undefined;
    const testMetrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(test)) if (typeof v === 'number') testMetrics[k] = v;
    return {
      card: {
        intendedUse: String(c.intendedUse ?? ''),
        modelType: String(c.modelType ?? ''),
        task: String(c.task ?? ''),
        target: String(c.target ?? ''),
        confusion: conf ?? null,
        threshold: typeof c.threshold?.value === 'number' ? c.threshold.value : null,
        testMetrics,
        importance: Array.isArray(c.importance) ? c.importance.slice(0, 15) : [],
        limitations: Array.isArray(c.limitations) ? c.limitations.map(String) : [],
        prCurve: prCurveOf(test.prCurve),
      },
      why: null,
    };
  } catch {
    return { card: null, why: 'The model card file is not valid JSON.' };
  }
}
