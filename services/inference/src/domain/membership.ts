// Live replica membership from heartbeats: every replica announces itself (id, a nonce drawn at
// start, its clock) every heartbeat interval and says when it leaves; the members are the peers
// heard within `expireMs` (by this replica's clock: senders' clocks may be skewed) plus itself.
// A change of the member set is applied once it has been quiet for `debounceMs` (a burst of
// replicas starting together is one change), or at the latest `maxDelayMs` after it began (a
// flapping peer cannot hold a departure back). Pure: the adapter feeds beats and the clock in,
// and applies what `decide` says (app.setReplicas). The hash ring keys are replica ids, so a
// replica restarting under the same id (new nonce) keeps its assets: no change is applied.

export interface MemberBeat {
  readonly replicaId: string;
  /** Drawn once per process start: tells a restart (or a second process with the same id) apart. */
  readonly nonce: string;
  /** The sender's clock (ms), for the status only. */
  readonly sentAtMs: number;
  readonly leaving: boolean;
}

export type MemberEventKind =
  /** A replica was heard for the first time (or again after it left or expired). */
  | 'joined'
  /** A replica said it is leaving (graceful stop). */
  | 'left'
  /** A replica was not heard within expireMs (crash, partition). */
  | 'expired'
  /** A replica was heard with a new nonce: it restarted within expireMs (same member set). */
  | 'restarted'
  /** Another live process announces this replica's own id: a configuration error. */
  | 'duplicate-id';

export interface MemberEvent {
  readonly kind: MemberEventKind;
  readonly replicaId: string;
  readonly nonce: string;
  readonly atMs: number;
}

export interface PeerEntry {
  readonly nonce: string;
  readonly lastSeenMs: number;
  readonly sentAtMs: number;
}

export interface MembershipTiming {
  readonly expireMs: number;
  readonly debounceMs: number;
  readonly maxDelayMs: number;
}

export interface MembershipState {
  readonly self: string;
  readonly selfNonce: string;
  readonly timing: MembershipTiming;
  readonly peers: ReadonlyMap<string, PeerEntry>;
  /** `id|nonce` of incarnations that left → when: a late beat of theirs does not bring them back. */
  readonly departed: ReadonlyMap<string, number>;
  /** The members last applied (sorted, self included). */
  readonly applied: readonly string[];
  /** Events since the last apply: why the next change happens. */
  readonly pending: readonly MemberEvent[];
  /** When the member set last changed / first differed from `applied` (null: it does not). */
  readonly changedAtMs: number | null;
  readonly differsSinceMs: number | null;
}

export const DEFAULT_HEARTBEAT_MS = 1_000;

/** expireMs 3 beats, debounce half a beat, at most 5 debounces of delay. */
export function membershipTiming(heartbeatMs: number, overrides: Partial<MembershipTiming> = {}): MembershipTiming {
  const debounceMs = overrides.debounceMs ?? Math.round(heartbeatMs / 2);
  return { expireMs: overrides.expireMs ?? 3 * heartbeatMs, debounceMs, maxDelayMs: overrides.maxDelayMs ?? 5 * debounceMs };
}

export function initialMembership(self: string, selfNonce: string, timing: MembershipTiming): MembershipState {
  return { self, selfNonce, timing, peers: new Map(), departed: new Map(), applied: [self], pending: [], changedAtMs: null, differsSinceMs: null };
}

/** The live members: self and every peer heard within expireMs (call `expire` first for `nowMs`). Sorted. */
export function membersOf(s: MembershipState): string[] {
  return [...new Set([s.self, ...s.peers.keys()])].sort();
}

const sameMembers = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Bookkeeping after the peers changed: the pending events and since when the set differs from the applied one. */
function settle(
  before: MembershipState,
  peers: Map<string, PeerEntry>,
  departed: Map<string, number>,
  events: readonly MemberEvent[],
  nowMs: number,
): MembershipState {
  const next = { ...before, peers, departed };
  const members = membersOf(next);
  const changed = !sameMembers(members, membersOf(before));
  const differs = !sameMembers(members, before.applied);
  return {
    ...next,
    // Back to the applied set (a peer flapped within the debounce): nothing to apply, nothing pending.
    pending: differs ? [...before.pending, ...events] : [],
    changedAtMs: changed ? nowMs : before.changedAtMs,
    differsSinceMs: differs ? (before.differsSinceMs ?? nowMs) : null,
  };
}

/** One beat heard at `nowMs` (this replica's own beats are ignored). */
export function observeBeat(s: MembershipState, beat: MemberBeat, nowMs: number): { state: MembershipState; event: MemberEvent | null } {
  const at = (kind: MemberEventKind): MemberEvent => ({ kind, replicaId: beat.replicaId, nonce: beat.nonce, atMs: nowMs });
  if (beat.replicaId === s.self) {
    if (beat.nonce === s.selfNonce) return { state: s, event: null };
    return { state: s, event: at('duplicate-id') };
  }
  const key = `${beat.replicaId}|${beat.nonce}`;
  if (s.departed.has(key)) return { state: s, event: null };
  const known = s.peers.get(beat.replicaId);
  const peers = new Map(s.peers);
  const departed = new Map(s.departed);
  if (beat.leaving) {
    // Only the incarnation that is live leaves (a restarted replica's old process saying goodbye late does not).
    departed.set(key, nowMs);
    if (known === undefined || known.nonce !== beat.nonce) return { state: { ...s, departed }, event: null };
    peers.delete(beat.replicaId);
    const event = at('left');
    return { state: settle(s, peers, departed, [event], nowMs), event };
  }
  peers.set(beat.replicaId, { nonce: beat.nonce, lastSeenMs: nowMs, sentAtMs: beat.sentAtMs });
  const event = known === undefined ? at('joined') : known.nonce !== beat.nonce ? at('restarted') : null;
  if (event === null) return { state: { ...s, peers }, event: null };
  return { state: settle(s, peers, departed, [event], nowMs), event };
}

/** Drops the peers not heard within expireMs, and forgets departed incarnations after as long. */
export function expire(s: MembershipState, nowMs: number): { state: MembershipState; events: MemberEvent[] } {
  const events: MemberEvent[] = [];
  const peers = new Map(s.peers);
  for (const [id, p] of s.peers) {
    if (nowMs - p.lastSeenMs > s.timing.expireMs) {
      peers.delete(id);
      events.push({ kind: 'expired', replicaId: id, nonce: p.nonce, atMs: nowMs });
    }
  }
  const departed = new Map([...s.departed].filter(([, atMs]) => nowMs - atMs <= s.timing.expireMs));
  if (events.length === 0) return { state: departed.size === s.departed.size ? s : { ...s, departed }, events };
  return { state: settle(s, peers, departed, events, nowMs), events };
}

/**
 * This replica could not hear anybody for a while (its connection to the bus was down): the
 * silence was its own, so every peer counts as heard now rather than expiring all at once.
 */
export function resumeAfterOutage(s: MembershipState, nowMs: number): MembershipState {
  const peers = new Map([...s.peers].map(([id, p]) => [id, { ...p, lastSeenMs: Math.max(p.lastSeenMs, nowMs) }]));
  return { ...s, peers };
}

export type MembershipDecision =
  | { readonly kind: 'apply'; readonly members: readonly string[]; readonly previous: readonly string[]; readonly causes: readonly MemberEvent[] }
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'idle' };

/** Whether the member set should be applied now (quiet for debounceMs, or differing for maxDelayMs). */
export function decide(s: MembershipState, nowMs: number): MembershipDecision {
  if (s.differsSinceMs === null || s.changedAtMs === null) return { kind: 'idle' };
  const due = Math.min(s.changedAtMs + s.timing.debounceMs, s.differsSinceMs + s.timing.maxDelayMs);
  if (nowMs < due) return { kind: 'wait', ms: due - nowMs };
  return { kind: 'apply', members: membersOf(s), previous: s.applied, causes: s.pending };
}

/** The decision's members were applied (app.setReplicas returned); peers may have changed meanwhile. */
export function markApplied(s: MembershipState, applied: Extract<MembershipDecision, { kind: 'apply' }>): MembershipState {
  const differs = !sameMembers(membersOf(s), applied.members);
  return {
    ...s,
    applied: [...applied.members],
    pending: differs ? s.pending.filter((e) => !applied.causes.includes(e)) : [],
    differsSinceMs: differs ? s.changedAtMs : null,
  };
}

/** When the adapter must look again: the next expiry or the decision's due time (ms from now; null: nothing scheduled). */
export function nextWakeMs(s: MembershipState, nowMs: number): number | null {
  let wake: number | null = null;
  for (const p of s.peers.values()) {
    const ms = p.lastSeenMs + s.timing.expireMs + 1 - nowMs;
    wake = wake === null ? ms : Math.min(wake, ms);
  }
  const d = decide(s, nowMs);
  if (d.kind === 'wait') wake = wake === null ? d.ms : Math.min(wake, d.ms);
  if (d.kind === 'apply') wake = 0;
  return wake === null ? null : Math.max(0, wake);
}
