// Live replica membership on the REAL NATS: replicas of one store and one UNS subject tree (a
// private enterprise) find each other by heartbeats on a private membership group, each on its own
// NATS connection (as separate processes would). Nobody calls setReplicas: r1 and r2 converge on
// [r1, r2] and split the pumps; r2 stops gracefully ("leaving") and r1 takes its pumps over,
// rebuilding their windows from JetStream; r3 joins, then dies without a word (its connection
// closes) and r1 takes its pumps over once r3's heartbeats expire. Every phase: each pump's
// windows are scored by exactly one replica, its owner on the current ring. No timing asserts.
import { randomUUID } from 'node:crypto';
import { createRng } from '@industrial/ml';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsMembership, type MembershipSource } from '../src/adapters/nats/membership.ts';
import { HashRing } from '../src/domain/hashring.ts';
import type { MemberEvent } from '../src/domain/membership.ts';
import { createFleet, startHarness, until, type Fleet, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream } from './pump-data.ts';

const HEARTBEAT_MS = 200;
// generous: all replicas share this test process, whose event loop may stall under a loaded run
const EXPIRE_MS = 1_500;
const MINUTES = 50;
const WINDOW_MINUTES = 30;

const group = `it-${randomUUID().slice(0, 8)}`;
let h: Harness;
/** The live replicas (a stopped one is removed) and every window each scored. */
let fleet: Fleet;
const connections = new Map<string, NatsConnection>();
const events = new Map<string, MemberEvent[]>();
let startedAt = 0;

const ring12 = new HashRing(['r1', 'r2']);
const ring13 = new HashRing(['r1', 'r3']);

async function membershipOf(replicaId: string): Promise<MembershipSource> {
  const nc = await connect({ servers: '127.0.0.1:4222', name: `inference-membership-${replicaId}` });
  connections.set(replicaId, nc);
  events.set(replicaId, []);
  return natsMembership(nc, { group, replicaId, heartbeatMs: HEARTBEAT_MS, expireMs: EXPIRE_MS, onEvent: (e) => events.get(replicaId)!.push(e) });
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const converged = (ids: readonly string[], members: readonly string[]) =>
  until(
    () =>
      ids.every((id) => {
        const m = fleet.apps.get(id)!.membership();
        return same(m.members, members) && !m.applying;
      }),
    60_000,
    `${ids.join(', ')} on [${members.join(', ')}]`,
  );

const minuteMs = (m: number) => startedAt + m * 60_000;
const windowsOf = (id: string, asset: string, fromMinute: number) =>
  fleet.scored
    .get(id)!
    .filter((s) => s.assetPath === asset && s.toMs >= minuteMs(fromMinute))
    .map((s) => ({ toMs: s.toMs, fromMs: s.fromMs, source: s.source }));
const scorersOf = (asset: string, fromMinute: number) => [...fleet.apps.keys()].filter((id) => windowsOf(id, asset, fromMinute).length > 0);
/** Each pump's window ending at `minute` is scored by its owner on `ring`. */
const scoredThrough = (ring: HashRing, minute: number) =>
  until(
    () => fleet.assets.every((a) => fleet.scored.get(ring.ownerOf(a)!)!.some((s) => s.assetPath === a && s.toMs === minuteMs(minute))),
    60_000,
    `windows up to minute ${minute}`,
  );
const lastChange = (id: string) => fleet.apps.get(id)!.membership().recent.at(-1);

beforeAll(async () => {
  const model = buildPumpModel(5, 30, 10);
  h = await startHarness({ replicaId: 'r1', grpc: null, http: null, monitor: { minSamples: 1_000_000 } }, { membership: await membershipOf('r1') });
  fleet = createFleet(h);
  fleet.track('r1', h.app);
  // Two pumps for each (owner with r2, owner with r3) pair, out of many names.
  const candidates = Array.from({ length: 400 }, (_, i) => `${h.enterprise}.plant-1.utilities.cooling-water.pump-${i + 1}`);
  const assets = fleet.assets;
  for (const [with2, with3] of [
    ['r1', 'r1'],
    ['r1', 'r3'],
    ['r2', 'r1'],
    ['r2', 'r3'],
  ] as const) {
    assets.push(...candidates.filter((a) => ring12.ownerOf(a) === with2 && ring13.ownerOf(a) === with3).slice(0, 2));
  }
  expect(assets).toHaveLength(8);
  await h.promote(await h.register(model.bundle, { threshold: model.threshold }), 'production');
  const rng = createRng(33);
  startedAt = Date.now() - 3 * 3_600_000;
  fleet.streams = new Map(assets.map((a) => [a, pumpStream(rng, MINUTES, { startMs: startedAt })]));
}, 60_000);

afterAll(async () => {
  await h?.close();
  for (const nc of connections.values()) await nc.close().catch(() => undefined);
});

describe('replicas that find each other on NATS', () => {
  it('converge on [r1, r2] without anybody calling setReplicas', async () => {
    expect(fleet.apps.get('r1')!.membership().members).toEqual(['r1']);
    const r2 = await h.replica({ replicaId: 'r2', replicas: ['r2'] }, { membership: await membershipOf('r2') });
    fleet.track('r2', r2);
    await r2.settle();
    await converged(['r1', 'r2'], ['r1', 'r2']);
    // r2 heard r1 while joining: its ring was [r1, r2] from the start, no change to apply
    expect(r2.membership().changes).toBe(0);
    expect(lastChange('r1')).toMatchObject({ previous: ['r1'], members: ['r1', 'r2'], causes: [{ kind: 'joined', replicaId: 'r2' }] });
    expect(h.app.health().membership).toMatchObject({ source: 'nats', members: ['r1', 'r2'], live: { live: ['r1', 'r2'], duplicateId: null } });
  });

  it('refuses a second process announcing a live replica id, and nobody drops the first', async () => {
    const nc = await connect({ servers: '127.0.0.1:4222', name: 'inference-membership-duplicate' });
    connections.set('duplicate', nc);
    const duplicate = natsMembership(nc, { group, replicaId: 'r2', heartbeatMs: HEARTBEAT_MS, expireMs: EXPIRE_MS });
    await expect(duplicate.join()).rejects.toThrow(/INFERENCE_REPLICA_ID "r2" is already used by another live replica/);
    await until(() => fleet.apps.get('r2')!.membership().live!.duplicateId !== null, 60_000, 'r2 to notice the duplicate');
    // still a member everywhere, nothing to apply
    await converged(['r1', 'r2'], ['r1', 'r2']);
    expect(events.get('r1')!.some((e) => e.kind === 'left')).toBe(false);
  });

  it('score every pump on exactly one of them, its owner on the ring', async () => {
    await fleet.publishMinutes(0, 33);
    await fleet.consumed(['r1', 'r2']);
    await scoredThrough(ring12, 32);
    for (const a of fleet.assets) {
      expect(scorersOf(a, 0), a).toEqual([ring12.ownerOf(a)]);
      expect(windowsOf(ring12.ownerOf(a)!, a, 0).map((w) => w.toMs)).toEqual(
        Array.from({ length: 33 - (WINDOW_MINUTES - 1) }, (_, i) => minuteMs(WINDOW_MINUTES - 1 + i)),
      );
    }
  });
});

describe('when r2 stops gracefully', () => {
  const fromR2 = () => fleet.assets.filter((a) => ring12.ownerOf(a) === 'r2');

  it('r1 takes all pumps over at once (r2 said it is leaving) and rebuilds their windows from JetStream', async () => {
    await fleet.apps.get('r2')!.stop();
    await converged(['r1'], ['r1']);
    const change = lastChange('r1')!;
    expect(change.causes).toEqual([{ kind: 'left', replicaId: 'r2' }]);
    expect(new Set(change.takenOver)).toEqual(new Set(fromR2()));
    expect(new Set(change.rebuilt)).toEqual(new Set(fromR2()));
    expect(
      events
        .get('r1')!
        .filter((e) => e.kind !== 'restarted')
        .map((e) => `${e.kind} ${e.replicaId}`),
    ).toEqual(['joined r2', 'left r2']);
    fleet.apps.delete('r2');
  });

  it('r1 scores the taken-over pumps from the next batch with full windows', async () => {
    await fleet.publishMinutes(33, 34);
    await fleet.consumed(['r1']);
    await scoredThrough(new HashRing(['r1']), 33);
    for (const a of fromR2()) {
      expect(windowsOf('r1', a, 33), a).toEqual([{ toMs: minuteMs(33), fromMs: minuteMs(33 - (WINDOW_MINUTES - 1)), source: 'model' }]);
    }
    for (const a of fleet.assets) expect(scorersOf(a, 33), a).toEqual(['r1']);
  });
});

describe('when r3 joins and then dies without leaving', () => {
  const ofR3 = () => fleet.assets.filter((a) => ring13.ownerOf(a) === 'r3');

  it('r1 hands r3 its pumps', async () => {
    const r3 = await h.replica({ replicaId: 'r3', replicas: ['r3'] }, { membership: await membershipOf('r3') });
    fleet.track('r3', r3);
    await converged(['r1', 'r3'], ['r1', 'r3']);
    expect(new Set(lastChange('r1')!.dropped)).toEqual(new Set(ofR3()));
    // r3's new durable catches up with the stream first (its windows fill from it)
    await fleet.consumed(['r1', 'r3']);
    await fleet.publishMinutes(34, 40);
    await fleet.consumed(['r1', 'r3']);
    await scoredThrough(ring13, 39);
    for (const a of fleet.assets) expect(scorersOf(a, 34), a).toEqual([ring13.ownerOf(a)]);
  });

  it('r1 takes r3 pumps over once r3 heartbeats expire, and rebuilds their windows', async () => {
    // a crash: r3's connection goes (no "leaving" can be sent), then its consumer stops
    await connections.get('r3')!.close();
    await fleet.apps.get('r3')!.stop();
    fleet.apps.delete('r3');
    await converged(['r1'], ['r1']);
    const change = lastChange('r1')!;
    expect(change.causes).toEqual([{ kind: 'expired', replicaId: 'r3' }]);
    expect(new Set(change.takenOver)).toEqual(new Set(ofR3()));
    expect(new Set(change.rebuilt)).toEqual(new Set(ofR3()));
    await fleet.publishMinutes(40, 42);
    await fleet.consumed(['r1']);
    await scoredThrough(new HashRing(['r1']), 41);
    for (const a of ofR3()) {
      expect(windowsOf('r1', a, 40), a).toEqual([40, 41].map((m) => ({ toMs: minuteMs(m), fromMs: minuteMs(m - (WINDOW_MINUTES - 1)), source: 'model' })));
    }
    // nothing else was applied (the duplicate of r2 changed no member set)
    expect(h.app.membership().changes).toBe(4);
    expect(h.app.membership().recent.map((c) => c.members)).toEqual([['r1', 'r2'], ['r1'], ['r1', 'r3'], ['r1']]);
  });
});
