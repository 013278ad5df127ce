// Live membership from heartbeats: beats in → members out, expiry, leaving, restarts, duplicate
// ids, the debounce of a joining burst and the catch-up after this replica's own outage.
import { describe, expect, it } from 'vitest';
import {
  decide,
  expire,
  initialMembership,
  markApplied,
  membersOf,
  membershipTiming,
  nextWakeMs,
  observeBeat,
  resumeAfterOutage,
  type MemberBeat,
  type MembershipDecision,
  type MembershipState,
} from '../../src/domain/membership.ts';

const timing = membershipTiming(1_000); // expire 3000, debounce 500, max delay 2500
const beat = (replicaId: string, nonce = `${replicaId}-n1`, leaving = false): MemberBeat => ({ replicaId, nonce, sentAtMs: 0, leaving });
const hear = (s: MembershipState, b: MemberBeat, at: number) => observeBeat(s, b, at).state;
const applyIfDue = (s: MembershipState, at: number): { state: MembershipState; decision: MembershipDecision } => {
  const decision = decide(s, at);
  return { state: decision.kind === 'apply' ? markApplied(s, decision) : s, decision };
};

describe('membership from heartbeats', () => {
  const start = initialMembership('r1', 'r1-n1', timing);

  it('defaults: expiry 3 beats, debounce half a beat', () => {
    expect(timing).toEqual({ expireMs: 3_000, debounceMs: 500, maxDelayMs: 2_500 });
    expect(membershipTiming(200, { expireMs: 900 })).toEqual({ expireMs: 900, debounceMs: 100, maxDelayMs: 500 });
  });

  it('is itself alone at first and ignores its own beats', () => {
    expect(membersOf(start)).toEqual(['r1']);
    const { state, event } = observeBeat(start, beat('r1'), 10);
    expect(event).toBeNull();
    expect(state).toBe(start);
    expect(decide(start, 10)).toEqual({ kind: 'idle' });
  });

  it('adds a peer heard, sorted with itself, and reports it joined once', () => {
    const a = observeBeat(start, beat('r0'), 100);
    expect(a.event).toEqual({ kind: 'joined', replicaId: 'r0', nonce: 'r0-n1', atMs: 100 });
    expect(membersOf(a.state)).toEqual(['r0', 'r1']);
    const b = observeBeat(a.state, beat('r0'), 1_100);
    expect(b.event).toBeNull();
    expect(b.state.peers.get('r0')!.lastSeenMs).toBe(1_100);
  });

  it('applies a joining burst as one change once quiet for the debounce', () => {
    let s = hear(start, beat('r2'), 0);
    expect(decide(s, 300)).toEqual({ kind: 'wait', ms: 200 });
    s = hear(s, beat('r3'), 300);
    expect(decide(s, 600)).toEqual({ kind: 'wait', ms: 200 });
    const d = decide(s, 800);
    expect(d).toMatchObject({ kind: 'apply', members: ['r1', 'r2', 'r3'], previous: ['r1'] });
    expect(d.kind === 'apply' && d.causes.map((e) => `${e.kind} ${e.replicaId}`)).toEqual(['joined r2', 'joined r3']);
    s = markApplied(s, d as Extract<MembershipDecision, { kind: 'apply' }>);
    expect(s.applied).toEqual(['r1', 'r2', 'r3']);
    expect(s.pending).toEqual([]);
    expect(decide(s, 900)).toEqual({ kind: 'idle' });
  });

  it('does not let a steady stream of joins hold a change back beyond the maximum delay', () => {
    let s = start;
    for (let i = 0; i < 10; i++) s = hear(s, beat(`p${i}`), i * 400);
    // the last join was at 3600, but the set differs since 0
    expect(decide(s, 3_600)).toMatchObject({ kind: 'apply' });
  });

  it('expires a peer not heard within expireMs (a crash) and says so', () => {
    let s = applyIfDue(hear(start, beat('r2'), 0), 500).state;
    s = hear(s, beat('r2'), 1_000);
    expect(expire(s, 4_000).events).toEqual([]);
    const { state, events } = expire(s, 4_001);
    expect(events).toEqual([{ kind: 'expired', replicaId: 'r2', nonce: 'r2-n1', atMs: 4_001 }]);
    expect(membersOf(state)).toEqual(['r1']);
    expect(decide(state, 4_501)).toMatchObject({ kind: 'apply', members: ['r1'], previous: ['r1', 'r2'], causes: [{ kind: 'expired', replicaId: 'r2' }] });
  });

  it('drops a leaving peer at once, and a late beat of that incarnation does not bring it back', () => {
    let s = applyIfDue(hear(start, beat('r2'), 0), 500).state;
    const left = observeBeat(s, beat('r2', 'r2-n1', true), 1_000);
    expect(left.event).toMatchObject({ kind: 'left', replicaId: 'r2' });
    s = left.state;
    expect(membersOf(s)).toEqual(['r1']);
    s = hear(s, beat('r2'), 1_010);
    expect(membersOf(s)).toEqual(['r1']);
    expect(decide(s, 1_500)).toMatchObject({ kind: 'apply', members: ['r1'], causes: [{ kind: 'left' }] });
    // …but the same id restarted (a new nonce) joins again
    const back = observeBeat(s, beat('r2', 'r2-n2'), 1_600);
    expect(back.event).toMatchObject({ kind: 'joined', nonce: 'r2-n2' });
    // and the departed incarnation is forgotten after expireMs
    expect(expire(back.state, 5_000).state.departed.size).toBe(0);
  });

  it('ignores the goodbye of an old incarnation after the replica restarted', () => {
    let s = hear(start, beat('r2', 'old'), 0);
    const restarted = observeBeat(s, beat('r2', 'new'), 100);
    expect(restarted.event).toMatchObject({ kind: 'restarted', replicaId: 'r2', nonce: 'new' });
    s = observeBeat(restarted.state, beat('r2', 'old', true), 200).state;
    expect(membersOf(s)).toEqual(['r1', 'r2']);
    expect(s.peers.get('r2')!.nonce).toBe('new');
  });

  it('a restart under the same id changes nothing to apply', () => {
    let s = applyIfDue(hear(start, beat('r2', 'old'), 0), 500).state;
    s = hear(s, beat('r2', 'new'), 1_000);
    expect(decide(s, 2_000)).toEqual({ kind: 'idle' });
  });

  it('flags another process announcing its own id with another nonce', () => {
    const { state, event } = observeBeat(start, beat('r1', 'someone-else'), 50);
    expect(event).toMatchObject({ kind: 'duplicate-id', replicaId: 'r1', nonce: 'someone-else' });
    expect(membersOf(state)).toEqual(['r1']);
  });

  it('a peer that flaps back within the debounce is no change', () => {
    let s = applyIfDue(hear(start, beat('r2'), 0), 500).state;
    s = observeBeat(s, beat('r2', 'r2-n1', true), 1_000).state;
    s = hear(s, beat('r2', 'r2-n2'), 1_100);
    expect(decide(s, 2_000)).toEqual({ kind: 'idle' });
    expect(s.pending).toEqual([]);
  });

  it('keeps a change that happened while the previous one was being applied', () => {
    let s = hear(start, beat('r2'), 0);
    const d = decide(s, 500) as Extract<MembershipDecision, { kind: 'apply' }>;
    s = hear(s, beat('r3'), 600); // while setReplicas runs
    s = markApplied(s, d);
    expect(s.applied).toEqual(['r1', 'r2']);
    expect(s.pending.map((e) => e.replicaId)).toEqual(['r3']);
    expect(decide(s, 1_100)).toMatchObject({ kind: 'apply', members: ['r1', 'r2', 'r3'], previous: ['r1', 'r2'] });
  });

  it('after its own outage counts every peer as heard now instead of expiring them all', () => {
    let s = applyIfDue(hear(hear(start, beat('r2'), 0), beat('r3'), 0), 500).state;
    s = resumeAfterOutage(s, 10_000);
    expect(expire(s, 10_500).events).toEqual([]);
    expect(membersOf(s)).toEqual(['r1', 'r2', 'r3']);
  });

  it('wakes the adapter at the next expiry or due decision', () => {
    expect(nextWakeMs(start, 0)).toBeNull();
    let s = hear(start, beat('r2'), 0);
    expect(nextWakeMs(s, 100)).toBe(400); // debounce due at 500
    s = applyIfDue(s, 500).state;
    expect(nextWakeMs(s, 500)).toBe(2_501); // r2 expires after 3000
  });
});
