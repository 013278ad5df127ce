// Replica takeover on the REAL NATS: three inference replicas share one event store and one UNS
// subject tree (a private enterprise in the UNS stream), each with its own durable consumer; the
// consistent hash ring gives every pump to exactly one of them. Then r3 stops and the survivors
// learn the new membership (setReplicas): each rebuilds the windows of the pumps it takes over
// from JetStream and scores them from the very next batch exactly as a witness does that has
// owned every pump all along (its own store, the same model), and carries on the prompts r3 left
// standing instead of raising them again. While the survivors rebuild, the next minute's batches
// reach their live consumers first (the replay waits for that), so the race of a live batch
// against the rebuild is exercised on every run.
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnsReplaySource } from '../src/adapters/nats/uns.ts';
import { HashRing } from '../src/domain/hashring.ts';
import { createFleet, startHarness, until, USE_CASE, type Fleet, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream } from './pump-data.ts';

const BEFORE = ['r1', 'r2', 'r3'];
const AFTER = ['r1', 'r2'];
const MINUTES = 60;
const TAKEOVER_MINUTE = 45;

let h: Harness;
let witness: Harness;
/** The replicas and the witness ('w'), and every window each scored. */
let fleet: Fleet;
let startedAt = 0;
let beforeReplay: () => Promise<void> = async () => undefined;
/** Set just before the membership change: replays before it (first-sight rebuilds at start) pass straight through. */
let armed = false;

/** The survivors' replay: their first call of the takeover waits until both have switched to the new ring, then lets the live batches of the next minute in. */
function racingReplay(inner: UnsReplaySource): UnsReplaySource {
  let first = true;
  return {
    async replay(subject, startMs, onBatch) {
      if (armed && first) {
        first = false;
        await beforeReplay();
      }
      return inner.replay(subject, startMs, onBatch);
    },
  };
}

/** Resolves every arrival once `n` have arrived and `action` ran (once). */
function barrier(n: number, action: () => Promise<void>): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  return async () => {
    if (++arrived === n) {
      await action();
      release();
    }
    await released;
  };
}

const minuteMs = (m: number) => startedAt + m * 60_000;
/** …and (a batch is counted before it is scored) each pump's window ending at `minute` is scored by its owner on `ring` and by the witness. */
const scoredThrough = (ring: HashRing, minute: number) =>
  until(
    () => fleet.assets.every((a) => [ring.ownerOf(a)!, 'w'].every((id) => fleet.scored.get(id)!.some((s) => s.assetPath === a && s.toMs === minuteMs(minute)))),
    60_000,
    `windows up to minute ${minute}`,
  );
const windowsOf = (id: string, asset: string, fromMinute = 0) =>
  fleet.scored
    .get(id)!
    .filter((s) => s.assetPath === asset && s.toMs >= minuteMs(fromMinute))
    .map((s) => ({ toMs: s.toMs, fromMs: s.fromMs, source: s.source, score: s.score }));
const scorersOf = (asset: string, fromMinute = 0) => [...fleet.apps.keys()].filter((id) => id !== 'w' && windowsOf(id, asset, fromMinute).length > 0);

const before = new HashRing(BEFORE);
const after = new HashRing(AFTER);
/** Pumps moving from r3 to each survivor, and pumps staying where they are. */
const group = (from: string, to: string) => fleet.assets.filter((a) => before.ownerOf(a) === from && after.ownerOf(a) === to);

beforeAll(async () => {
  const model = buildPumpModel(5, 30, 10);
  const takeover = barrier(2, async () => {
    await fleet.publishMinutes(TAKEOVER_MINUTE, TAKEOVER_MINUTE + 1);
    await fleet.consumed(['r1', 'r2', 'w']);
  });
  beforeReplay = takeover;
  h = await startHarness({ replicaId: 'r1', replicas: BEFORE, grpc: null, http: null, monitor: { minSamples: 1_000_000 } }, { replay: racingReplay });
  fleet = createFleet(h);
  // Two pumps for each way a pump goes (consistent hashing only moves r3's), out of many names.
  const candidates = Array.from({ length: 400 }, (_, i) => `${h.enterprise}.plant-1.utilities.cooling-water.pump-${i + 1}`);
  const assets = fleet.assets;
  for (const [from, to] of [
    ['r1', 'r1'],
    ['r2', 'r2'],
    ['r3', 'r1'],
    ['r3', 'r2'],
  ] as const) {
    assets.push(...candidates.filter((a) => before.ownerOf(a) === from && after.ownerOf(a) === to).slice(0, 2));
  }
  expect(assets).toHaveLength(8);
  witness = await startHarness({
    replicaId: 'w',
    replicas: ['w'],
    grpc: null,
    http: null,
    unsSubject: `uns.v1.${h.enterprise}.>`,
    unsDurable: `inference-${h.enterprise}-witness`,
    monitor: { minSamples: 1_000_000 },
  });
  fleet.track('r1', h.app);
  fleet.track('r2', await h.replica({ replicaId: 'r2', replicas: BEFORE }, { replay: racingReplay }));
  fleet.track('r3', await h.replica({ replicaId: 'r3', replicas: BEFORE }));
  fleet.track('w', witness.app);
  // Every window alarms (threshold ~0): each pump gets one prompt, and a second one would show.
  const v1 = await h.register(model.bundle, { threshold: 1e-9 });
  await h.promote(v1, 'production');
  for (const id of ['r2', 'r3']) await fleet.apps.get(id)!.settle();
  await witness.promote(await witness.register(model.bundle, { threshold: 1e-9 }), 'production');
  const rng = createRng(21);
  startedAt = Date.now() - 3 * 3_600_000;
  fleet.streams = new Map(assets.map((a) => [a, pumpStream(rng, MINUTES, { startMs: startedAt })]));
}, 120_000);

afterAll(async () => {
  await witness?.close();
  await h?.close();
});

describe('three replicas on one UNS stream', () => {
  it('score every pump, each on exactly one replica (its owner on the ring), every window', async () => {
    await fleet.publishMinutes(0, TAKEOVER_MINUTE);
    await fleet.consumed(['r1', 'r2', 'r3', 'w']);
    await scoredThrough(before, TAKEOVER_MINUTE - 1);
    for (const a of fleet.assets) {
      expect(scorersOf(a), a).toEqual([before.ownerOf(a)]);
      const windows = windowsOf(before.ownerOf(a)!, a);
      // 30-minute windows: the first full one ends at minute 29, then one a minute
      expect(windows.map((w) => w.toMs)).toEqual(Array.from({ length: TAKEOVER_MINUTE - 29 }, (_, i) => minuteMs(29 + i)));
      expect(windows).toEqual(windowsOf('w', a));
    }
    const raised = await h.events('RecommendationRaised');
    expect(new Set(raised.map((e) => e.data.assetPath))).toEqual(new Set(fleet.assets));
  });
});

describe('when r3 stops and the survivors learn the new membership', () => {
  it('each survivor rebuilds the windows of the pumps it takes over from JetStream', async () => {
    await fleet.apps.get('r3')!.stop();
    armed = true;
    const [r1, r2] = await Promise.all(['r1', 'r2'].map((id) => fleet.apps.get(id)!.setReplicas(AFTER, fleet.assets)));
    expect(new Set(r1!.rebuilt)).toEqual(new Set(group('r3', 'r1')));
    expect(new Set(r2!.rebuilt)).toEqual(new Set(group('r3', 'r2')));
    expect(r1!.rebuilt.length + r2!.rebuilt.length).toBe(4);
    await fleet.publishMinutes(TAKEOVER_MINUTE + 1, MINUTES);
    await fleet.consumed(['r1', 'r2', 'w']);
    await scoredThrough(after, MINUTES - 1);
  });

  it('scores a taken-over pump from the first batch after the takeover with the full window the witness computes (no gap, no cold start)', async () => {
    for (const a of [...group('r3', 'r1'), ...group('r3', 'r2')]) {
      const owner = after.ownerOf(a)!;
      const windows = windowsOf(owner, a);
      expect(windows[0]?.toMs, `${a} on ${owner}`).toBe(minuteMs(TAKEOVER_MINUTE));
      expect(windows[0]!.fromMs).toBe(minuteMs(TAKEOVER_MINUTE - 29));
      expect(windows.map((w) => w.toMs)).toEqual(Array.from({ length: MINUTES - TAKEOVER_MINUTE }, (_, i) => minuteMs(TAKEOVER_MINUTE + i)));
      expect(windows).toEqual(windowsOf('w', a, TAKEOVER_MINUTE));
      expect(windows.every((w) => w.source === 'model')).toBe(true);
    }
  });

  it('keeps every pump on exactly one replica: the survivors carry on with their own, nobody scores a pump twice', async () => {
    for (const a of fleet.assets) {
      expect(scorersOf(a, TAKEOVER_MINUTE), a).toEqual([after.ownerOf(a)]);
      expect(windowsOf(after.ownerOf(a)!, a, TAKEOVER_MINUTE)).toEqual(windowsOf('w', a, TAKEOVER_MINUTE));
    }
    expect(windowsOf('r3', fleet.assets[0]!, TAKEOVER_MINUTE)).toEqual([]);
  });

  it('raises no second prompt for a pump whose standing prompt the previous owner raised', async () => {
    const raised = (await h.events('RecommendationRaised')).filter((e) => e.data.mode === 'production');
    for (const a of fleet.assets) {
      const ids = new Set(raised.filter((e) => e.data.assetPath === a).map((e) => e.data.recommendationId));
      expect(ids.size, a).toBe(1);
    }
    // the survivors took the standing prompts over
    for (const a of group('r3', 'r1')) expect(fleet.apps.get('r1')!.pipeline.trackOf(USE_CASE, a).phase).toBe('active');
    for (const a of group('r3', 'r2')) expect(fleet.apps.get('r2')!.pipeline.trackOf(USE_CASE, a).phase).toBe('active');
  });
});
