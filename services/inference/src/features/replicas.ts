// Use case "share the assets among replicas": consistent-hash ownership of assets, membership
// changes applied one at a time (lost assets dropped, taken-over ones rebuilt from the UNS stream
// before their live batches are scored, standing prompts adopted), and the first-sight rebuild: a
// process that starts (restart, join, deploy) rebuilds each owned asset's window at its first batch
// instead of waiting a whole window length of plant time.
import { parseUnsAssetPath, unsAssetSubject, type UnsSampleBatch } from '@industrial/contracts';
import { HashRing, takenOver } from '../domain/hashring.ts';
import { inScope, type UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';
import type { InferenceMetrics, Log, MembershipCause, MembershipSource, MembershipStatus, UnsReplaySource } from './ports.ts';
import { historyMs, type Pipeline } from './scoring.ts';

/** One applied membership change: who, why, and which assets moved to or from this replica. */
export interface MembershipChangeRecord {
  readonly atMs: number;
  readonly members: readonly string[];
  readonly previous: readonly string[];
  /** `joined r2`, `left r3`, `expired r3`; `manual` when setReplicas was called directly. */
  readonly causes: readonly MembershipCause[];
  readonly takenOver: readonly string[];
  readonly dropped: readonly string[];
  readonly rebuilt: readonly string[];
  readonly durationMs: number;
}

export interface MembershipReport {
  readonly source: 'static' | 'nats';
  readonly replica: string;
  readonly members: readonly string[];
  /** A change is being applied (taken-over windows rebuilding); `members` is already the new ring. */
  readonly applying: boolean;
  readonly changes: number;
  /** The last 20 changes, oldest first. */
  readonly recent: readonly MembershipChangeRecord[];
  readonly live: MembershipStatus | null;
  /** Owned assets whose window was rebuilt from JetStream at their first batch since start (restart, join). */
  readonly firstSightRebuilds: number;
}

export interface ReplicasDeps {
  replicaId: string;
  /** The static ring (ignored once a live membership has been joined). */
  replicas: readonly string[];
  useCases: readonly UseCaseSpec[];
  models: ModelHost;
  unsReplay: UnsReplaySource | null;
  membership: MembershipSource | null;
  /** Everything appended so far is in the projection (prompts to adopt). */
  settle: () => Promise<void>;
  metrics: InferenceMetrics;
  log: Log;
  now: () => number;
}

export interface Replicas {
  owns(assetPath: string): boolean;
  /** The scoring pipeline the replicas feed (set once, by app.ts). */
  attach(pipeline: Pipeline): void;
  /** A live UNS batch: the first one of an owned asset rebuilds its window first. */
  intake(batch: UnsSampleBatch): Promise<void>;
  /** Joins the live membership (if any): the members heard now are the ring. */
  join(): Promise<void>;
  /** From now on, live membership changes are applied. */
  follow(): void;
  setReplicas(replicas: readonly string[], knownAssets: readonly string[], causes?: readonly MembershipCause[]): Promise<{ rebuilt: string[] }>;
  knownAssets(): string[];
  report(): MembershipReport;
  replicaCount(): number;
  /** Leaves the live membership and waits for the change being applied. */
  leave(): Promise<void>;
}

const RECENT_CHANGES = 20;

export function createReplicas(deps: ReplicasDeps): Replicas {
  const { replicaId } = deps;
  let ring = new HashRing(deps.replicas.length === 0 ? [replicaId] : deps.replicas);
  let pipeline: Pipeline | null = null;
  const seenAssets = new Set<string>();
  let firstSightRebuilds = 0;
  const recentChanges: MembershipChangeRecord[] = [];
  let changeCount = 0;
  let applying = 0;
  /** Membership changes one at a time (a takeover's beginTakeover…endTakeover must not interleave with the next). */
  let changing: Promise<unknown> = Promise.resolve();
  const scoring = (): Pipeline => {
    if (pipeline === null) throw new Error('replicas: no pipeline attached');
    return pipeline;
  };

  /** Rebuilds an asset's window from the UNS stream (JetStream), warming the pipeline; false when it cannot. */
  async function rebuildWindow(assetPath: string, why: string): Promise<boolean> {
    const windowMs = Math.max(...deps.useCases.filter((u) => inScope(u, assetPath)).map((u) => historyMs(u, deps.models.slotsFor(u.useCaseId, assetPath))), 0);
    if (!deps.unsReplay || windowMs === 0) return false;
    try {
      await deps.unsReplay.replay(unsAssetSubject(parseUnsAssetPath(assetPath)), deps.now() - windowMs, (b) => scoring().warm(b));
      return true;
    } catch (error) {
      deps.log.error({ err: error, assetPath }, `could not rebuild the window of ${why}; it starts cold`);
      return false;
    }
  }

  async function changeMembership(
    replicas: readonly string[],
    knownAssets: readonly string[],
    causes: readonly MembershipCause[],
  ): Promise<{ rebuilt: string[] }> {
    const p = scoring();
    const startedMs = deps.now();
    const before = ring;
    ring = new HashRing(replicas.length === 0 ? [replicaId] : replicas);
    const mine = takenOver(knownAssets, before, ring, replicaId);
    const dropped: string[] = [];
    for (const a of knownAssets) {
      if (ring.ownerOf(a) === replicaId) continue;
      if (before.ownerOf(a) === replicaId) dropped.push(a);
      p.dropAsset(a);
    }
    // Owned from now on; live batches of these wait until their windows are rebuilt.
    for (const a of mine) p.beginTakeover(a);
    const rebuilt: string[] = [];
    try {
      for (const assetPath of mine) if (await rebuildWindow(assetPath, 'a taken-over asset')) rebuilt.push(assetPath);
      // The previous owner's prompts are in the projection before they are adopted.
      await deps.settle();
    } finally {
      for (const a of mine) await p.endTakeover(a);
    }
    const record: MembershipChangeRecord = {
      atMs: deps.now(),
      members: [...ring.replicas].sort(),
      previous: [...before.replicas].sort(),
      causes,
      takenOver: mine,
      dropped,
      rebuilt,
      durationMs: deps.now() - startedMs,
    };
    recentChanges.push(record);
    if (recentChanges.length > RECENT_CHANGES) recentChanges.shift();
    changeCount++;
    deps.metrics.membershipChanged(causes[0]?.kind ?? 'manual', mine.length, dropped.length);
    deps.log.info({ replicas, previous: record.previous, causes, takenOver: mine, dropped: dropped.length, rebuilt }, 'replica membership changed');
    return { rebuilt };
  }

  function enqueueChange(replicas: readonly string[], knownAssets: readonly string[], causes: readonly MembershipCause[]): Promise<{ rebuilt: string[] }> {
    applying++;
    const run = changing.then(() => changeMembership(replicas, knownAssets, causes)).finally(() => applying--);
    changing = run.catch(() => undefined);
    return run;
  }

  return {
    owns: (assetPath) => ring.ownerOf(assetPath) === replicaId,
    attach(p) {
      pipeline = p;
    },
    async intake(b) {
      const p = scoring();
      const firstSight = !seenAssets.has(b.assetPath);
      seenAssets.add(b.assetPath);
      // First batch of an owned asset since this process started (a restart, a join, a deploy): its
      // history is in JetStream, so the window is rebuilt instead of starting cold, and prompts this
      // or another replica left standing are adopted rather than raised again. Batches arriving meanwhile queue.
      if (!(firstSight && deps.unsReplay && ring.ownerOf(b.assetPath) === replicaId)) return p.ingest(b);
      p.beginTakeover(b.assetPath);
      await p.ingest(b);
      try {
        if (await rebuildWindow(b.assetPath, 'an asset seen for the first time')) firstSightRebuilds++;
        await deps.settle();
      } finally {
        await p.endTakeover(b.assetPath);
      }
    },
    async join() {
      if (deps.membership === null) return;
      // Nothing is owned yet (no windows): the members heard now are simply the ring.
      const members = await deps.membership.join();
      ring = new HashRing(members);
      deps.log.info({ replica: replicaId, members }, 'replica membership joined');
    },
    follow() {
      deps.membership?.follow(async (change) => {
        await enqueueChange(
          change.members,
          [...seenAssets],
          change.causes.map((e) => ({ kind: e.kind, replicaId: e.replicaId })),
        );
      });
    },
    setReplicas: (replicas, knownAssets, causes = [{ kind: 'manual', replicaId: null }]) => enqueueChange(replicas, knownAssets, causes),
    knownAssets: () => [...seenAssets],
    report: () => ({
      source: deps.membership ? 'nats' : 'static',
      replica: replicaId,
      members: [...ring.replicas].sort(),
      applying: applying > 0,
      changes: changeCount,
      recent: [...recentChanges],
      live: deps.membership?.status() ?? null,
      firstSightRebuilds,
    }),
    replicaCount: () => new Set(ring.replicas).size,
    async leave() {
      await deps.membership?.leave();
      await changing;
    },
  };
}
