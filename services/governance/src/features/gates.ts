// Use case "gates before production" (issue 16): the evidence a request to production is judged on,
// read from the shared event store through governance's kernel (never written): the charter's
// minimum metrics, cost model and task (`usecase-<id>`: ObjectiveSet, CostModelSet, the serving
// spec), the training snapshot as dataops recorded it (`dataset-<id>`), the shadow comparison
// inference recorded (`serving-<useCase>`: ShadowWindowsCompared, summed per candidate and scope),
// and the model card's stress results (ModelCardReader port). The rules are in domain/gates.ts.
import type { Kernel } from '@industrial/kernel';
import {
  DEFAULT_GATE_SETTINGS,
  gateDefinitionProblems,
  gatePolicy,
  type CostEvidence,
  type GatePolicy,
  type GateSettings,
  type Metrics,
  type ShadowEvidence,
} from '../domain/gates.ts';
import type { OutsideEvidence } from '../domain/production-gates.ts';
import { versionOf, type RegistryState } from '../domain/registry-state.ts';
import type { ModelCardReader } from '../ports.ts';

/** What the charter records of a use case, as the gates need it. */
export interface CharterFacts {
  readonly minModelMetrics: Metrics | null;
  readonly costModel: CostEvidence | null;
  /** The serving spec's task kind (classification, regression, anomaly, visual-inspection); null without a spec. */
  readonly task: string | null;
}

/** A gate definition that names a metric the task does not produce (or is otherwise wrong): INVALID_ARGUMENT with every problem. */
export class GateDefinitionError extends Error {
  readonly code = 'INVALID_ARGUMENT' as const;
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`the gates are refused: ${problems.join('; ')}`);
    this.name = 'GateDefinitionError';
    this.problems = problems;
  }
}

type Read = Pick<Kernel, 'read'>;

export async function charterFacts(kernel: Read, useCaseId: string): Promise<CharterFacts> {
  let minModelMetrics: Metrics | null = null;
  let charterCost: CostEvidence | null = null;
  let servingCost: CostEvidence | null = null;
  let task: string | null = null;
  for (const e of await kernel.read(`usecase-${useCaseId}`)) {
    if (e.type === 'ObjectiveSet') minModelMetrics = e.data.minModelMetrics;
    else if (e.type === 'CostModelSet') {
      const c = e.data;
      // As training maps it (adapters/costmodels/charter-store.ts): the missed failure with its downtime, the false alarm beyond the inspection.
      charterCost = {
        currency: c.currency,
        failure: c.missedEventCost + c.downtimeHoursPerFailure * c.downtimeCostPerHour,
        inspection: c.interventionCost,
        falseAlarm: Math.max(0, c.falseAlarmCost - c.interventionCost),
        source: 'charter',
      };
    } else if (e.type === 'UseCaseServingSpecDefined') {
      const c = e.data.spec.costModel;
      task = e.data.spec.task.kind;
      servingCost = {
        currency: c.currency,
        failure: c.failure,
        inspection: c.inspection,
        falseAlarm: Math.max(0, c.falseAlarm - c.inspection),
        source: 'serving spec',
      };
    }
  }
  return { minModelMetrics, costModel: charterCost ?? servingCost, task };
}

/** The shadow comparison of a candidate in a deployment: inference's ShadowWindowsCompared batches (deltas), summed. */
export async function shadowEvidence(kernel: Read, useCaseId: string, candidateVersionId: string, scope: string | null): Promise<ShadowEvidence | null> {
  let windows = 0,
    agreeing = 0,
    againstProduction = false,
    seen = false;
  for (const e of await kernel.read(`serving-${useCaseId}`)) {
    if (e.type !== 'ShadowWindowsCompared') continue;
    const d = e.data;
    if (d.candidateVersionId !== candidateVersionId || (d.scope ?? null) !== scope) continue;
    seen = true;
    windows += d.windows;
    agreeing += d.agreeing;
    if (d.reference === 'production') againstProduction = true;
  }
  return seen ? { windows, agreeing, reference: againstProduction ? 'production' : 'rules' } : null;
}

async function snapshotOf(kernel: Read, datasetId: string, snapshotId: string): Promise<OutsideEvidence['snapshot']> {
  for (const e of await kernel.read(`dataset-${datasetId}`)) {
    if (e.type === 'DatasetSnapshotCreated' && e.data.snapshotId === snapshotId)
      return { rowCount: e.data.rowCount, labelCount: e.data.labelCount, contentHash: e.data.contentHash };
  }
  return null;
}

export interface GateFeaturesDeps {
  readonly kernel: Read;
  readonly cards: ModelCardReader;
}

export type GateFeatures = ReturnType<typeof createGateFeatures>;

export function createGateFeatures(deps: GateFeaturesDeps) {
  const { kernel, cards } = deps;
  return {
    /** The policy in force for a use case: governance's ModelGatesSet (or the defaults) with the charter's minimum metrics. */
    async policy(s: RegistryState, useCaseId: string): Promise<{ policy: GatePolicy; charter: CharterFacts }> {
      const charter = await charterFacts(kernel, useCaseId);
      return { policy: gatePolicy(s.gates, charter.minModelMetrics), charter };
    },

    /** Everything outside the model stream a request to production is judged on (only what the policy gates on is read). */
    async evidence(
      s: RegistryState,
      policy: GatePolicy,
      charter: CharterFacts,
      useCaseId: string,
      modelVersionId: string,
      scope: string | null,
    ): Promise<OutsideEvidence> {
      const v = versionOf(s, modelVersionId);
      const stressGated = policy.maxNoiseDrop !== null || policy.maxDropoutDrop !== null;
      return {
        task: charter.task ?? v?.spec.task ?? 'unknown',
        stress: v === undefined || !stressGated ? { unavailable: 'not read (no stress gate)' } : await cards.stress(v.modelCard.json),
        snapshot: v === undefined || policy.snapshot === null ? null : await snapshotOf(kernel, v.datasetId, v.snapshotId),
        shadow: policy.shadow === null ? null : await shadowEvidence(kernel, useCaseId, modelVersionId, scope),
        costModel: charter.costModel,
      };
    },

    /** Checks a gate definition against the use case's task; returns the settings to record or throws GateDefinitionError. */
    async validate(s: RegistryState, useCaseId: string, settings: Partial<GateSettings>): Promise<GateSettings> {
      const full: GateSettings = { ...DEFAULT_GATE_SETTINGS, ...settings };
      const versions = [...s.deployments.registered.values()].filter((v) => v.useCaseId === useCaseId);
      const charter = await charterFacts(kernel, useCaseId);
      const task = charter.task ?? versions.at(-1)?.spec.task ?? null;
      if (task === null)
        throw new GateDefinitionError(['the use case has no serving spec and no registered version: its task (and so its metrics) is unknown']);
      const registered = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))];
      const problems = gateDefinitionProblems(full, task, registered);
      // The charter's minimum metrics are gated too: name the ones the task cannot meet now, not at the first approval.
      const charterProblems = gateDefinitionProblems({ ...full, minMetrics: charter.minModelMetrics ?? {}, maxMetrics: {} }, task, registered).map(
        (p) => `charter ${p.replace(/^minMetrics/, 'minModelMetrics')}`,
      );
      if (problems.length + charterProblems.length > 0) throw new GateDefinitionError([...problems, ...charterProblems]);
      return full;
    },
  };
}
