// Retraining on fresh data (issue 16), the pure part: the retraining id of a trigger (the same
// trigger twice is one retraining), the fresh snapshot's definition (the base snapshot's — assets,
// window spec, stride, target, split — moved onto a rolling window ending now), the fresh-data
// check (enough rows and positive labels, else refused with the numbers), and the fold of a
// retraining's own stream (`retraining-<id>`). No I/O, no clock.
import type { EventData } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import type { WindowSpec } from '@industrial/ml';

export type RetrainingTrigger = EventData<'RetrainingTriggered'>['trigger'];

export const retrainingStream = (retrainingId: string): string => `retraining-${retrainingId}`;

/** One retraining per trigger: a drift id, a use case's schedule tick, an on-demand request id. */
export function retrainingIdOf(useCaseId: string, t: RetrainingTrigger, requestId: string | null): string {
  if (t.kind === 'drift') return uuidFromKey(`retraining:drift:${t.driftId}`);
  if (t.kind === 'schedule') return uuidFromKey(`retraining:schedule:${useCaseId}:${t.scheduleTick}`);
  return uuidFromKey(`retraining:on-demand:${useCaseId}:${requestId ?? t.retrainingRequestId}`);
}

export interface RetrainingLimits {
  /** Length of the rolling window, days. */
  readonly windowDays: number;
  /** Fewest rows the fresh snapshot must hold. */
  readonly minRows: number;
  /** Fewest positive rows (classification targets). */
  readonly minPositives: number;
}

export const DEFAULT_RETRAINING_LIMITS: RetrainingLimits = { windowDays: 7, minRows: 200, minPositives: 5 };

/** The rolling window ending at `nowMs`. */
export const rollingWindow = (nowMs: number, days: number): { from: string; to: string } => ({
  from: new Date(nowMs - days * 86_400_000).toISOString(),
  to: new Date(nowMs).toISOString(),
});

/** What the base snapshot says about where its rows came from (its lineage source and split). */
export interface BaseSnapshot {
  readonly snapshotId: string;
  readonly datasetId: string;
  readonly featureSetVersion: string;
  readonly rowCount: number;
  readonly window: WindowSpec | null;
  readonly source: SnapshotSourceLineage | null;
  readonly splits: {
    readonly kind: string;
    readonly by: string;
    readonly train: { start: number; end: number };
    readonly validation: { start: number; end: number };
    readonly test: { start: number; end: number };
    readonly groups?: { train: readonly string[]; validation: readonly string[]; test: readonly string[] } | undefined;
  };
}

export type SnapshotSourceLineage =
  | {
      readonly kind: 'historian-windows';
      readonly assetPaths: readonly string[];
      readonly strideMinutes: number;
      readonly target: { readonly label: string; readonly horizonMinutes: number; readonly column: string; readonly kind?: 'time-to' } | null;
    }
  | { readonly kind: string };

/** The fresh snapshot asked of dataops: historian window features over the rolling window. */
export interface FreshSnapshotRequest {
  readonly useCaseId: string;
  readonly datasetId: string;
  readonly assetPaths: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly window: WindowSpec;
  readonly strideMinutes: number;
  readonly target: { readonly label: string; readonly horizonMinutes: number; readonly column: string; readonly kind?: 'time-to' } | null;
  readonly split: {
    readonly kind: 'chronological' | 'group';
    readonly by: string;
    readonly orderBy: string;
    readonly trainFraction: number;
    readonly validationFraction: number;
  };
  readonly featureSetVersion: string;
}

const len = (r: { start: number; end: number }) => Math.max(0, r.end - r.start);
const round = (x: number) => Math.round(x * 1000) / 1000;

/** The fresh snapshot's definition, or the reason there is none (the base did not come from the historian's windows). */
export function freshSnapshotPlan(
  useCaseId: string,
  base: BaseSnapshot,
  window: { from: string; to: string },
): { ok: true; request: FreshSnapshotRequest } | { ok: false; reason: string } {
  const src = base.source;
  if (src?.kind !== 'historian-windows' || base.window === null || !('assetPaths' in src))
    return {
      ok: false,
      reason: `the model was trained on snapshot ${base.snapshotId}, ${src === null ? 'whose source is not recorded' : `made from ${src.kind === 'import' ? 'an imported file' : `a ${src.kind} source`}`}; only snapshots of historian window features can be rebuilt over a rolling window of recent data`,
    };
  const kind: 'chronological' | 'group' = base.splits.kind === 'group' ? 'group' : 'chronological';
  let trainFraction: number, validationFraction: number;
  const g = base.splits.groups;
  if (kind === 'group' && g !== undefined && g.train.length + g.validation.length + g.test.length > 0) {
    const n = g.train.length + g.validation.length + g.test.length;
    trainFraction = g.train.length / n;
    validationFraction = g.validation.length / n;
  } else {
    const n = Math.max(1, len(base.splits.train) + len(base.splits.validation) + len(base.splits.test));
    trainFraction = len(base.splits.train) / n;
    validationFraction = len(base.splits.validation) / n;
  }
  trainFraction = round(trainFraction);
  validationFraction = round(validationFraction);
  if (!(trainFraction > 0) || trainFraction + validationFraction >= 1) {
    trainFraction = 0.6;
    validationFraction = 0.2;
  }
  return {
    ok: true,
    request: {
      useCaseId,
      datasetId: base.datasetId,
      assetPaths: [...src.assetPaths],
      from: window.from,
      to: window.to,
      window: base.window,
      strideMinutes: src.strideMinutes,
      target: src.target,
      split: { kind, by: base.splits.by, orderBy: kind === 'group' ? 'time' : '', trainFraction, validationFraction },
      featureSetVersion: base.featureSetVersion,
    },
  };
}

/** Too little fresh data: the reason with the numbers, or null when the snapshot may be trained on. */
export function freshDataShortfall(
  s: { rowCount: number; positives: number | null; target: string; windowDays: number },
  limits: Pick<RetrainingLimits, 'minRows' | 'minPositives'>,
): string | null {
  if (s.rowCount < limits.minRows)
    return `the fresh snapshot over the last ${s.windowDays} days holds ${s.rowCount} rows; at least ${limits.minRows} are needed to retrain`;
  if (s.positives !== null && s.positives < limits.minPositives)
    return `the fresh snapshot over the last ${s.windowDays} days holds ${s.positives} positive rows of ${s.target} (labels and recorded outcomes included); at least ${limits.minPositives} are needed to retrain`;
  return null;
}

/** Positive rows of a 0/1 target column; null when the column is not a 0/1 target (regression, anomaly). */
export function positivesOf(column: ArrayLike<number> | undefined, task: string): number | null {
  if (column === undefined || task !== 'classification') return null;
  let n = 0;
  for (let i = 0; i < column.length; i++) if (column[i] === 1) n++;
  return n;
}

export type RetrainingStatus = 'none' | 'triggered' | 'training' | 'candidate' | 'refused';

export interface RetrainingView {
  readonly retrainingId: string;
  readonly useCaseId: string;
  readonly status: RetrainingStatus;
  readonly trigger: RetrainingTrigger | null;
  readonly window: { from: string; to: string } | null;
  readonly triggeredAt: string | null;
  readonly snapshotId: string | null;
  readonly runId: string | null;
  readonly modelVersionId: string | null;
  readonly version: number | null;
  readonly shadowApprovalRequestId: string | null;
  readonly stage: string | null;
  readonly reason: string | null;
  readonly finishedAt: string | null;
}

export const emptyRetraining = (retrainingId: string): RetrainingView => ({
  retrainingId,
  useCaseId: '',
  status: 'none',
  trigger: null,
  window: null,
  triggeredAt: null,
  snapshotId: null,
  runId: null,
  modelVersionId: null,
  version: null,
  shadowApprovalRequestId: null,
  stage: null,
  reason: null,
  finishedAt: null,
});

export type RetrainingEvent =
  | { type: 'RetrainingTriggered'; data: EventData<'RetrainingTriggered'> }
  | { type: 'RetrainingSnapshotTaken'; data: EventData<'RetrainingSnapshotTaken'> }
  | { type: 'RetrainingCandidateRegistered'; data: EventData<'RetrainingCandidateRegistered'> }
  | { type: 'RetrainingRefused'; data: EventData<'RetrainingRefused'> };

export const RETRAINING_TYPES = ['RetrainingTriggered', 'RetrainingSnapshotTaken', 'RetrainingCandidateRegistered', 'RetrainingRefused'] as const;

export function evolveRetraining(s: RetrainingView, e: RetrainingEvent): RetrainingView {
  switch (e.type) {
    case 'RetrainingTriggered':
      return { ...s, useCaseId: e.data.useCaseId, status: 'triggered', trigger: e.data.trigger, window: e.data.window, triggeredAt: e.data.triggeredAt };
    case 'RetrainingSnapshotTaken':
      return { ...s, useCaseId: e.data.useCaseId, status: 'training', snapshotId: e.data.snapshotId };
    case 'RetrainingCandidateRegistered':
      return {
        ...s,
        status: 'candidate',
        snapshotId: e.data.snapshotId,
        runId: e.data.runId,
        modelVersionId: e.data.modelVersionId,
        version: e.data.version,
        shadowApprovalRequestId: e.data.shadowApprovalRequestId,
        finishedAt: e.data.registeredAt,
      };
    case 'RetrainingRefused':
      return {
        ...s,
        useCaseId: e.data.useCaseId,
        status: 'refused',
        stage: e.data.stage,
        reason: e.data.reason,
        snapshotId: e.data.snapshotId ?? s.snapshotId,
        runId: e.data.runId ?? s.runId,
        finishedAt: e.data.refusedAt,
      };
  }
}

/** The trigger in words (approval justifications, logs). */
export function describeTrigger(t: RetrainingTrigger, tickWords: string | null): string {
  if (t.kind === 'drift') return `drift ${t.driftId}`;
  if (t.kind === 'schedule') return `the schedule "${t.schedule}" (tick ${tickWords ?? t.scheduleTick})`;
  return `a request by ${t.requestedBy}`;
}
