// Use case "which assets are watched": every asset of the dataops catalog with, per use case in
// its scope, its monitoring state (domain/monitoring-state.ts) since when and why in plain words —
// what GET /api/v1/assets serves, so the HMI lists every asset (asset modes, report a problem) and
// never shows "Live, nothing to do" for one that is not monitored. Fed by every batch this replica
// takes in (live or warmed from the historian) and by every scored window.
import type { UnsSampleBatch } from '@industrial/contracts';
import { effectiveMode } from '../domain/mode.ts';
import { evolveSince, monitoringState, type MonitoringStateKind } from '../domain/monitoring-state.ts';
import { inScope, type UseCaseSpec } from '../domain/usecase.ts';
import { windowSpanMs } from '../domain/window.ts';
import type { ModelHost } from './models.ts';
import type { PauseState } from './monitoring.ts';
import type { AssetCatalog, CatalogAsset } from './ports.ts';
import type { Projection } from './projection.ts';
import type { ScoredWindow } from './scoring.ts';

export interface AssetUseCaseView {
  readonly useCaseId: string;
  readonly name: string;
  readonly state: MonitoringStateKind;
  readonly since: string;
  readonly reason: string;
}

export interface AssetView {
  readonly assetPath: string;
  readonly assetKind: string;
  readonly name: string;
  readonly area: string;
  readonly line: string;
  readonly useCases: readonly AssetUseCaseView[];
}

export interface AssetStates {
  /** A batch this replica took in (live, replayed or from the historian). */
  observe(batch: UnsSampleBatch, receivedAtMs: number): void;
  /** A window was scored. */
  scored(s: ScoredWindow): void;
  /** This replica started serving (the cold-start clock). */
  started(atMs: number): void;
  /** Every catalog asset (and every asset readings arrived for), with its use cases' states. */
  list(): Promise<{ assets: AssetView[] }>;
}

interface Seen {
  firstMs: number;
  newestMs: number;
  receivedMs: number;
}

/** `pump-12` → `pump`; `packer-1` → `packer`. */
const kindOfName = (name: string): string => name.replace(/[-_]?\d+$/, '') || name;

export function createAssetStates(deps: {
  useCases: () => readonly UseCaseSpec[];
  models: ModelHost;
  projection: Projection;
  pauseState: (deploymentKey: string) => PauseState;
  owns: (assetPath: string) => boolean;
  catalog: AssetCatalog | null;
  now: () => number;
}): AssetStates {
  const seen = new Map<string, Seen>();
  const lastScore = new Map<string, { source: 'model' | 'rules'; atMs: number; dataQuality: string | null }>();
  const since = new Map<string, { state: MonitoringStateKind; sinceMs: number }>();
  let startedAtMs = deps.now();

  const limitsWords = (spec: UseCaseSpec) =>
    spec.rules
      .map((rule) => {
        const r = rule as unknown as { feature: string; unit: string; words?: string; what?: string; above?: number; below?: number };
        const what = r.words ?? r.what ?? r.feature;
        return r.above !== undefined ? `${what} above ${r.above} ${r.unit}` : r.below !== undefined ? `${what} below ${r.below} ${r.unit}` : what;
      })
      .join(', ') || 'none declared';

  /** The state of one use case on one asset now; its `since` carried while the state holds. */
  function stateOf(spec: UseCaseSpec, assetPath: string, nowMs: number): AssetUseCaseView {
    const s = seen.get(assetPath);
    const slots = deps.models.slotsFor(spec.useCaseId, assetPath);
    const prod = slots.production;
    const pause = deps.pauseState(slots.key);
    const state = monitoringState({
      nowMs,
      startedAtMs,
      owned: deps.owns(assetPath),
      mode: effectiveMode(deps.projection.modes(), assetPath),
      lastReceivedMs: s?.receivedMs ?? null,
      windowFromMs: s?.firstMs ?? null,
      windowToMs: s?.newestMs ?? null,
      windowSpanMs: windowSpanMs(prod === null ? spec.ruleWindow : prod.window),
      staleMs: spec.staleMs,
      lastScore: lastScore.get(`${spec.useCaseId}|${assetPath}`) ?? null,
      dataQuality: lastScore.get(`${spec.useCaseId}|${assetPath}`)?.dataQuality ?? null,
      hasModel: prod !== null,
      paused: pause.paused ? { explanation: pause.explanation } : null,
      limitsWords: limitsWords(spec),
    });
    const key = `${spec.useCaseId}|${assetPath}`;
    const sinceMs = evolveSince(since.get(key), state.state, nowMs);
    since.set(key, { state: state.state, sinceMs });
    return { useCaseId: spec.useCaseId, name: spec.name, state: state.state, since: new Date(sinceMs).toISOString(), reason: state.reason };
  }

  function view(a: CatalogAsset, nowMs: number): AssetView {
    const specs = deps.useCases().filter((u) => inScope(u, a.assetPath));
    const useCases = specs.map((spec) => stateOf(spec, a.assetPath, nowMs));
    const kind = specs[0]?.assetKind ?? kindOfName(a.name);
    return { assetPath: a.assetPath, assetKind: kind, name: a.name, area: a.area, line: a.line, useCases };
  }

  return {
    observe(batch, receivedAtMs) {
      let lo = Infinity,
        hi = -Infinity;
      for (const x of batch.samples) {
        const t = Date.parse(x.sourceTimestamp);
        if (t < lo) lo = t;
        if (t > hi) hi = t;
      }
      if (!Number.isFinite(lo)) return;
      const s = seen.get(batch.assetPath);
      if (s === undefined) seen.set(batch.assetPath, { firstMs: lo, newestMs: hi, receivedMs: receivedAtMs });
      else {
        s.firstMs = Math.min(s.firstMs, lo);
        s.newestMs = Math.max(s.newestMs, hi);
        s.receivedMs = Math.max(s.receivedMs, receivedAtMs);
      }
    },
    scored(x) {
      lastScore.set(`${x.useCaseId}|${x.assetPath}`, { source: x.source, atMs: x.toMs, dataQuality: x.dataQuality ?? null });
      // a change of state is stamped when it happens, not when the list is next read
      const spec = deps.useCases().find((u) => u.useCaseId === x.useCaseId);
      if (spec !== undefined) stateOf(spec, x.assetPath, deps.now());
    },
    started(atMs) {
      startedAtMs = atMs;
    },
    async list() {
      const nowMs = deps.now();
      const catalogued = deps.catalog === null ? [] : await deps.catalog.assets();
      const byPath = new Map(catalogued.map((a) => [a.assetPath, a] as const));
      // an asset readings arrive for is part of the plant even before dataops catalogued it
      for (const path of seen.keys()) {
        if (byPath.has(path)) continue;
        const t = path.split('.');
        byPath.set(path, { assetPath: path, area: t[2] ?? '', line: t[3] ?? '', name: t[4] ?? path, tags: [] });
      }
      const assets = [...byPath.values()].sort((x, y) => x.assetPath.localeCompare(y.assetPath)).map((a) => view(a, nowMs));
      return { assets };
    },
  };
}
