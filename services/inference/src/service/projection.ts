// Read model of the inference events, built by following the event store: recommendations with
// their lifecycle state, asset/line modes, live outcome counts, and a feed of what operators may
// see (production recommendations and mode changes; never shadow records).
import type { LiveOutcomeCounts } from '../domain/drift.ts';
import { effectiveMode, type ModeEntry } from '../domain/mode.ts';
import { evolveRecommendation, isClosed, statusAt, type RecommendationState, type RecommendationStatus } from '../domain/recommendation.ts';

export interface RecommendationView {
  readonly state: RecommendationState;
  readonly raisedAt: string;
  readonly lastPosition: number;
  readonly revision: number;
}

export interface FeedItem {
  readonly kind: 'recommendation' | 'mode';
  readonly type: string;
  readonly position: number;
  readonly payload: Record<string, unknown>;
}

export interface StoreEventLike {
  readonly type: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly data: unknown;
  readonly metadata: { readonly actor: string; readonly recordedAt: string };
}

const RECOMMENDATION_TYPES = new Set([
  'RecommendationRaised', 'RecommendationAcknowledged', 'RecommendationAccepted', 'RecommendationRejected', 'RecommendationOverridden', 'OutcomeRecorded',
]);

export interface Projection {
  apply(e: StoreEventLike): void;
  readonly position: number;
  get(recommendationId: string): RecommendationView | undefined;
  list(filter: { openOnly?: boolean; assetPath?: string; includeUnshown?: boolean; max?: number }, nowMs: number): RecommendationView[];
  statusOf(recommendationId: string, nowMs: number): RecommendationStatus | null;
  isClosedAt(recommendationId: string, nowMs: number): boolean;
  modes(): ReadonlyMap<string, ModeEntry>;
  modeOf(assetPath: string): ModeEntry | null;
  outcomes(useCaseId: string): LiveOutcomeCounts;
  /** Confirmed / false alarms among production prompts on these assets (shadow comparison). */
  outcomesOnAssets(useCaseId: string, assets: ReadonlySet<string>): { confirmed: number; falseAlarms: number };
  subscribe(listener: (item: FeedItem) => void): () => void;
  /** Resolves once the projection has applied `position`. */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
}

export function createProjection(): Projection {
  const recs = new Map<string, RecommendationView>();
  const modes = new Map<string, ModeEntry>();
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const confirmedByAsset = new Map<string, { confirmed: number; falseAlarms: number }>();
  const listeners = new Set<(item: FeedItem) => void>();
  const waiters: { position: number; resolve: () => void }[] = [];
  let position = 0;

  const countOf = (u: string) => {
    let c = counts.get(u);
    if (c === undefined) counts.set(u, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  const emit = (item: FeedItem) => {
    for (const l of listeners) {
      try {
        l(item);
      } catch {
        // a broken feed client must not stop the projection
      }
    }
  };

  return {
    apply(e) {
      position = Math.max(position, e.position);
      if (RECOMMENDATION_TYPES.has(e.type)) {
        const id = (e.data as { recommendationId: string }).recommendationId;
        const prev = recs.get(id);
        const state = evolveRecommendation(prev?.state ?? null, e);
        if (state !== null) {
          recs.set(id, { state, raisedAt: prev?.raisedAt ?? e.metadata.recordedAt, lastPosition: e.position, revision: e.revision });
          const d = e.data as Record<string, unknown>;
          if (state.mode === 'production') {
            const key = `${state.context.useCaseId}|${state.context.assetPath}`;
            if (e.type === 'OutcomeRecorded') {
              const c = countOf(state.context.useCaseId);
              const a = confirmedByAsset.get(key) ?? { confirmed: 0, falseAlarms: 0 };
              if (d.outcome === 'event-prevented' || d.outcome === 'event-occurred') { c.tp++; a.confirmed++; }
              else if (d.outcome === 'no-event') { c.fp++; a.falseAlarms++; }
              confirmedByAsset.set(key, a);
            }
            if (e.type === 'RecommendationRejected' && d.reason === 'false-alarm') {
              countOf(state.context.useCaseId).fp++;
              const a = confirmedByAsset.get(key) ?? { confirmed: 0, falseAlarms: 0 };
              a.falseAlarms++;
              confirmedByAsset.set(key, a);
            }
            emit({ kind: 'recommendation', type: e.type, position: e.position, payload: { recommendationId: id, ...d } });
          }
        }
      } else if (e.type === 'AssetModeChanged') {
        const d = e.data as { path: string; to: ModeEntry['mode']; reason: string; changedAt: string; scope: string };
        modes.set(d.path, { mode: d.to, actor: e.metadata.actor, reason: d.reason, changedAt: d.changedAt });
        emit({ kind: 'mode', type: e.type, position: e.position, payload: { ...d, actor: e.metadata.actor } });
      } else if (e.type === 'ProblemReported') {
        const d = e.data as { missedFailure: boolean; useCaseId: string | null };
        if (d.missedFailure && d.useCaseId) countOf(d.useCaseId).fn++;
      }
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.position <= position) {
          waiters[i]!.resolve();
          waiters.splice(i, 1);
        }
      }
    },
    get position() {
      return position;
    },
    get: (id) => recs.get(id),
    list(filter, nowMs) {
      const out: RecommendationView[] = [];
      for (const v of recs.values()) {
        if (!filter.includeUnshown && v.state.mode !== 'production') continue;
        if (filter.assetPath && v.state.context.assetPath !== filter.assetPath) continue;
        if (filter.openOnly && isClosed(statusAt(v.state, nowMs))) continue;
        out.push(v);
      }
      out.sort((a, b) => b.lastPosition - a.lastPosition);
      return out.slice(0, filter.max ?? 100);
    },
    statusOf(id, nowMs) {
      const v = recs.get(id);
      return v === undefined ? null : statusAt(v.state, nowMs);
    },
    isClosedAt(id, nowMs) {
      const v = recs.get(id);
      return v !== undefined && isClosed(statusAt(v.state, nowMs));
    },
    modes: () => modes,
    modeOf: (assetPath) => effectiveMode(modes, assetPath),
    outcomes(useCaseId) {
      const c = counts.get(useCaseId) ?? { tp: 0, fp: 0, fn: 0 };
      return { truePositives: c.tp, falsePositives: c.fp, falseNegatives: c.fn };
    },
    outcomesOnAssets(useCaseId, assets) {
      let confirmed = 0, falseAlarms = 0;
      for (const a of assets) {
        const c = confirmedByAsset.get(`${useCaseId}|${a}`);
        if (c) { confirmed += c.confirmed; falseAlarms += c.falseAlarms; }
      }
      return { confirmed, falseAlarms };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(target, timeoutMs = 10_000) {
      if (position >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const entry = { position: target, resolve: () => { clearTimeout(timer); resolve(); } };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`projection did not reach position ${target} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(entry);
      });
    },
  };
}
