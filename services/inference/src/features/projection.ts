// Inference's own read model: recommendations with their lifecycle state, asset/line modes, live
// outcome counts, the deployment events, and a feed of what operators may see (production
// recommendations and mode changes; never shadow records). It can be saved as a snapshot at a
// global position and restored from one (features/following.ts keeps the checkpoint), so a
// restart applies only the tail of the store instead of replaying it from position 1.
import type { LiveOutcomeCounts } from '../domain/drift.ts';
import { effectiveMode, type ModeEntry } from '../domain/mode.ts';
import { evolveRecommendation, isClosed, statusAt, type RecommendationStatus } from '../domain/recommendation.ts';
import { evolveShelf } from '../domain/shelving.ts';
import type { OutcomeCounts, ProjectionSnapshot, RecommendationView, SnapshotDelta, SnapshotModelEvent } from './ports.ts';

export type { RecommendationView } from './ports.ts';

export interface FeedItem {
  readonly kind: 'recommendation' | 'mode';
  readonly type: string;
  readonly position: number;
  readonly payload: Record<string, unknown>;
}

/** What the projection reads of an event (the kernel's TypedEvent fits). */
export type StoreEventLike = SnapshotModelEvent;

export const RECOMMENDATION_TYPES: ReadonlySet<string> = new Set([
  'RecommendationRaised',
  'RecommendationAcknowledged',
  'RecommendationAccepted',
  'RecommendationRejected',
  'RecommendationOverridden',
  'OutcomeRecorded',
  'RecommendationShelved',
  'RecommendationUnshelved',
]);
/** Every type the projection folds (deployment events are kept as they are, for the model host). */
export const PROJECTED_TYPES: ReadonlySet<string> = new Set([...RECOMMENDATION_TYPES, 'AssetModeChanged', 'ProblemReported']);

export interface Projection {
  apply(e: StoreEventLike): void;
  /** An event the projection does not fold: only the position moves. */
  skip(position: number, id: string): void;
  /** A deployment event (features/models.ts folds it): kept for the snapshot. */
  keepModelEvent(e: SnapshotModelEvent): void;
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
  /** The whole state at `position`. */
  snapshot(): ProjectionSnapshot;
  /** What changed since the last `takeDelta` (null: nothing). */
  takeDelta(): SnapshotDelta | null;
  /** Replaces the state with a snapshot (before any event is applied). */
  restore(s: ProjectionSnapshot): void;
}

export function createProjection(): Projection {
  const recs = new Map<string, RecommendationView>();
  const modes = new Map<string, ModeEntry>();
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const confirmedByAsset = new Map<string, { confirmed: number; falseAlarms: number }>();
  let modelEvents: SnapshotModelEvent[] = [];
  const listeners = new Set<(item: FeedItem) => void>();
  const waiters: { position: number; resolve: () => void }[] = [];
  let position = 0;
  let lastId: string | null = null;
  // The delta since the last save.
  const dirtyRecs = new Set<string>();
  const dirtyModes = new Set<string>();
  let savedModelEvents = 0;
  let savedPosition = 0;

  const countOf = (u: string) => {
    let c = counts.get(u);
    if (c === undefined) counts.set(u, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  const assetCount = (key: string) => {
    let a = confirmedByAsset.get(key);
    if (a === undefined) confirmedByAsset.set(key, (a = { confirmed: 0, falseAlarms: 0 }));
    return a;
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
  const advance = (to: number, id: string) => {
    if (to > position) {
      position = to;
      lastId = id;
    }
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.position <= position) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
  };

  function applyRecommendation(e: StoreEventLike): void {
    const id = (e.data as { recommendationId: string }).recommendationId;
    const prev = recs.get(id);
    const state = evolveRecommendation(prev?.state ?? null, e);
    if (state === null) return;
    const shelf = evolveShelf(prev?.shelf ?? null, e, e.metadata.actor);
    recs.set(id, {
      state,
      raisedAt: prev?.raisedAt ?? e.metadata.recordedAt,
      lastPosition: e.position,
      revision: e.revision,
      ...(shelf === null ? {} : { shelf }),
    });
    dirtyRecs.add(id);
    if (state.mode !== 'production') return;
    const d = e.data as Record<string, unknown>;
    const key = `${state.context.useCaseId}|${state.context.assetPath}`;
    if (e.type === 'OutcomeRecorded') {
      const c = countOf(state.context.useCaseId);
      if (d.outcome === 'event-prevented' || d.outcome === 'event-occurred') {
        c.tp++;
        assetCount(key).confirmed++;
      } else if (d.outcome === 'no-event') {
        c.fp++;
        assetCount(key).falseAlarms++;
      }
    }
    if (e.type === 'RecommendationRejected' && d.reason === 'false-alarm') {
      countOf(state.context.useCaseId).fp++;
      assetCount(key).falseAlarms++;
    }
    emit({ kind: 'recommendation', type: e.type, position: e.position, payload: { recommendationId: id, ...d } });
  }

  const pairs = <V>(m: ReadonlyMap<string, V>, keys?: ReadonlySet<string>): [string, V][] =>
    keys === undefined ? [...m].map(([k, v]) => [k, { ...v }]) : [...keys].flatMap((k) => (m.has(k) ? [[k, m.get(k)!] as [string, V]] : []));

  return {
    apply(e) {
      if (RECOMMENDATION_TYPES.has(e.type)) applyRecommendation(e);
      else if (e.type === 'AssetModeChanged') {
        const d = e.data as { path: string; to: ModeEntry['mode']; reason: string; changedAt: string; scope: string };
        modes.set(d.path, { mode: d.to, actor: e.metadata.actor, reason: d.reason, changedAt: d.changedAt });
        dirtyModes.add(d.path);
        emit({ kind: 'mode', type: e.type, position: e.position, payload: { ...d, actor: e.metadata.actor } });
      } else if (e.type === 'ProblemReported') {
        const d = e.data as { missedFailure: boolean; useCaseId: string | null };
        if (d.missedFailure && d.useCaseId) countOf(d.useCaseId).fn++;
      }
      advance(e.position, e.id);
    },
    skip: (to, id) => advance(to, id),
    keepModelEvent(e) {
      modelEvents.push(e);
      advance(e.position, e.id);
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
      let confirmed = 0,
        falseAlarms = 0;
      for (const a of assets) {
        const c = confirmedByAsset.get(`${useCaseId}|${a}`);
        if (c) {
          confirmed += c.confirmed;
          falseAlarms += c.falseAlarms;
        }
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
        const entry = {
          position: target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`projection did not reach position ${target} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(entry);
      });
    },
    snapshot: () => ({
      position,
      eventId: lastId,
      recommendations: [...recs.values()],
      modes: pairs(modes),
      counts: pairs<OutcomeCounts>(counts),
      byAsset: pairs(confirmedByAsset),
      modelEvents: [...modelEvents],
    }),
    takeDelta() {
      if (position === savedPosition) return null;
      const delta: SnapshotDelta = {
        position,
        eventId: lastId,
        recommendations: [...dirtyRecs].map((id) => recs.get(id)!),
        modes: pairs(modes, dirtyModes),
        counts: pairs<OutcomeCounts>(counts),
        byAsset: pairs(confirmedByAsset),
        modelEvents: modelEvents.slice(savedModelEvents),
      };
      dirtyRecs.clear();
      dirtyModes.clear();
      savedModelEvents = modelEvents.length;
      savedPosition = position;
      return delta;
    },
    restore(s) {
      for (const v of s.recommendations) recs.set(v.state.recommendationId, v);
      for (const [k, v] of s.modes) modes.set(k, v);
      for (const [k, v] of s.counts) counts.set(k, { ...v });
      for (const [k, v] of s.byAsset) confirmedByAsset.set(k, { ...v });
      modelEvents = [...s.modelEvents];
      savedModelEvents = modelEvents.length;
      position = savedPosition = s.position;
      lastId = s.eventId;
    },
  };
}
