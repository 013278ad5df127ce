// Use case "watch production models and propose rollbacks" (issue 16): a projection kept in memory
// and brought up to date from the store's global log on each check (read, never written, through
// governance's kernel): inference's production prompts and their recorded outcomes
// (`recommendation-<id>`), failures reported as missed (`asset-<path>` ProblemReported, attributed to
// the version serving that asset then), the charter's KPIs and their measurements (`usecase-<id>`),
// and who holds production where (`model-<useCase>`). For every production deployment the live
// precision and recall and the KPIs are compared with the gates (domain/live.ts); a breach records a
// ModelRollbackProposed on the model stream, once while it stands. Nothing is rolled back here.
import { uuidv7 } from '@industrial/contracts/ids';
import type { Cause, Kernel, TypedEvent } from '@industrial/kernel';
import type { GatePolicy } from '../domain/gates.ts';
import { decideProposals, kpiBreaches, liveBreaches, type KpiTrack, type LiveCounts } from '../domain/live.ts';
import { parseDeploymentKey, type RegistryState } from '../domain/registry-state.ts';

const PAGE = 1000;

interface Prompt {
  readonly useCaseId: string;
  readonly versionId: string | null;
  readonly assetPath: string;
  outcome: 'confirmed' | 'false-alarm' | null;
}
interface Miss {
  readonly useCaseId: string;
  readonly versionId: string;
  readonly assetPath: string;
}
type KpiDef = Omit<KpiTrack, 'measurements'>;
interface Measurement {
  readonly kpiId: string;
  readonly versionId: string | null;
  readonly value: number;
  readonly periodEnd: string;
}

const inScope = (assetPath: string, scope: string | null): boolean => scope === null || assetPath === scope || assetPath.startsWith(`${scope}.`);

export interface LiveMonitorDeps {
  readonly kernel: Pick<Kernel, 'reader' | 'parse' | 'execute'>;
  /** The registry's state of a use case and the gate policy in force (features/registry.ts, features/gates.ts). */
  readonly state: (useCaseId: string) => Promise<RegistryState>;
  readonly policy: (s: RegistryState, useCaseId: string) => Promise<GatePolicy>;
  /** Records proposals (a kernel execute on the model stream, re-decided on the stream's state). */
  readonly propose: (useCaseId: string, decide: (s: RegistryState) => ReturnType<typeof decideProposals>, cause: Cause) => Promise<number>;
  readonly newId?: () => string;
}

export interface MonitorFinding {
  readonly useCaseId: string;
  readonly modelVersionId: string;
  readonly scope: string | null;
  readonly counts: LiveCounts;
  readonly proposed: number;
}

export type LiveMonitor = ReturnType<typeof createLiveMonitor>;

export function createLiveMonitor(deps: LiveMonitorDeps) {
  const { kernel } = deps;
  const newId = deps.newId ?? (() => uuidv7());
  const prompts = new Map<string, Prompt>();
  const misses: Miss[] = [];
  /** use case → scope ('' = use-case wide) → production holder. */
  const holders = new Map<string, Map<string, string | null>>();
  const kpis = new Map<string, Map<string, KpiDef>>();
  const measurements = new Map<string, Measurement[]>();
  let position = 0;
  let refreshing: Promise<void> | null = null;

  const holdersOf = (u: string) => holders.get(u) ?? holders.set(u, new Map()).get(u)!;

  /** The version serving an asset now: the holder of the narrowest production deployment containing it. */
  function servingVersion(useCaseId: string, assetPath: string): string | null {
    let best: { len: number; version: string | null } | null = null;
    for (const [scope, version] of holdersOf(useCaseId)) {
      if (!inScope(assetPath, scope === '' ? null : scope)) continue;
      if (best === null || scope.length > best.len) best = { len: scope.length, version };
    }
    return best?.version ?? null;
  }

  function apply(e: TypedEvent): void {
    switch (e.type) {
      case 'RecommendationRaised':
        if (e.data.mode === 'production' && !prompts.has(e.data.recommendationId))
          prompts.set(e.data.recommendationId, { useCaseId: e.data.useCaseId, versionId: e.data.modelVersionId, assetPath: e.data.assetPath, outcome: null });
        return;
      case 'OutcomeRecorded': {
        const p = prompts.get(e.data.recommendationId);
        if (p === undefined) return;
        const o = e.data.outcome;
        p.outcome = o === 'event-prevented' || o === 'event-occurred' ? 'confirmed' : o === 'no-event' ? 'false-alarm' : p.outcome;
        return;
      }
      case 'ProblemReported': {
        const d = e.data;
        if (!d.missedFailure || d.useCaseId === null) return;
        const versionId = servingVersion(d.useCaseId, d.assetPath);
        if (versionId !== null) misses.push({ useCaseId: d.useCaseId, versionId, assetPath: d.assetPath });
        return;
      }
      case 'ModelPromoted':
        if (e.data.stage === 'production') holdersOf(e.data.useCaseId).set(e.data.scope ?? '', e.data.modelVersionId);
        return;
      case 'ModelRolledBack': {
        const h = holdersOf(e.data.useCaseId);
        if (h.get(e.data.scope ?? '') === e.data.fromModelVersionId) h.set(e.data.scope ?? '', e.data.toModelVersionId);
        return;
      }
      case 'ObjectiveSet':
        kpis.set(
          e.data.useCaseId,
          new Map(e.data.kpis.map((k) => [k.kpiId, { name: k.name, direction: k.direction, baseline: k.baseline, target: k.target, deadline: k.deadline }])),
        );
        return;
      case 'KpiMeasured': {
        const list = measurements.get(e.data.useCaseId) ?? measurements.set(e.data.useCaseId, []).get(e.data.useCaseId)!;
        list.push({ kpiId: e.data.kpiId, versionId: e.data.modelVersionId, value: e.data.value, periodEnd: e.data.periodEnd });
        return;
      }
      default:
        return;
    }
  }

  const WATCHED = ['recommendation-', 'asset-', 'model-', 'usecase-'];
  async function readNew(): Promise<void> {
    const head = await kernel.reader.headPosition();
    while (position < head) {
      const page = await kernel.reader.readAll({ fromPosition: position + 1, maxCount: PAGE });
      if (page.length === 0) return;
      for (const e of page) {
        position = e.position;
        if (!WATCHED.some((p) => e.stream.startsWith(p))) continue;
        let typed: TypedEvent;
        try {
          typed = kernel.parse(e);
        } catch {
          // A type or version this build does not know (a newer writer): not one the monitor reads.
          continue;
        }
        apply(typed);
      }
    }
  }

  async function refresh(): Promise<void> {
    while (refreshing !== null) await refreshing;
    refreshing = readNew().finally(() => (refreshing = null));
    await refreshing;
  }

  function countsOf(useCaseId: string, versionId: string, scope: string | null): LiveCounts {
    let confirmed = 0,
      falseAlarms = 0,
      missed = 0;
    for (const p of prompts.values()) {
      if (p.useCaseId !== useCaseId || p.versionId !== versionId || !inScope(p.assetPath, scope)) continue;
      if (p.outcome === 'confirmed') confirmed++;
      else if (p.outcome === 'false-alarm') falseAlarms++;
    }
    for (const m of misses) if (m.useCaseId === useCaseId && m.versionId === versionId && inScope(m.assetPath, scope)) missed++;
    return { confirmed, falseAlarms, missed };
  }

  function kpiTracks(useCaseId: string, versionId: string): KpiTrack[] {
    const defs = kpis.get(useCaseId) ?? new Map<string, KpiDef>();
    const ms = (measurements.get(useCaseId) ?? []).filter((m) => m.versionId === versionId);
    return [...defs].map(([kpiId, d]) => ({
      ...d,
      measurements: ms.filter((m) => m.kpiId === kpiId).sort((a, b) => Date.parse(a.periodEnd) - Date.parse(b.periodEnd)),
    }));
  }

  return {
    /** Brings the projection up to date, compares every production deployment with its gates, records new proposals. */
    async check(): Promise<MonitorFinding[]> {
      await refresh();
      const cause: Cause = { actor: 'svc:governance', role: 'service', correlationId: newId(), causationId: null, traceparent: null };
      const findings: MonitorFinding[] = [];
      for (const [useCaseId, h] of holders) {
        if (![...h.values()].some((v) => v !== null)) continue;
        const s = await deps.state(useCaseId);
        const policy = await deps.policy(s, useCaseId);
        for (const [key, versionId] of s.deployments.production) {
          if (versionId === null) continue;
          const { scope, useCaseId: u } = parseDeploymentKey(key);
          if (u !== useCaseId) continue;
          const counts = countsOf(useCaseId, versionId, scope);
          const breaches = [...liveBreaches(policy, counts), ...kpiBreaches(kpiTracks(useCaseId, versionId))];
          const proposed =
            breaches.length === 0
              ? 0
              : await deps.propose(useCaseId, (st) => decideProposals(st, { useCaseId, modelVersionId: versionId, scope, breaches, newId }), cause);
          findings.push({ useCaseId, modelVersionId: versionId, scope, counts, proposed });
        }
      }
      return findings;
    },
  };
}
