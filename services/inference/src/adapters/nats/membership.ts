// Live replica membership on NATS core (no JetStream, no KV): every replica publishes a beat on
// `inference.v1.members.<group>` every heartbeatMs ({v: 1, replicaId, nonce, sentAt, state:
// alive|leaving}), answers a newcomer at once, and hears everybody's. The member set is the pure
// domain/membership.ts state; a change is handed to `follow`'s callback (the app's setReplicas),
// one at a time, debounced. A graceful `leave` says "leaving" so the survivors take over at once;
// a replica that dies silently expires after expireMs. While this replica's own connection is
// down, or its process stalled, it expires nobody (the silence is its own) and counts everybody as
// heard when it is back.
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  DEFAULT_HEARTBEAT_MS,
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
  type MemberEvent,
  type MembershipState,
} from '../../domain/membership.ts';
import type { MembershipChange, MembershipSource } from '../../features/ports.ts';

export const membershipSubject = (group: string): string => `inference.v1.members.${group}`;

const Beat = z.object({
  v: z.literal(1),
  replicaId: z.string().regex(/^[a-z0-9_-]{1,100}$/),
  nonce: z.string().min(1).max(100),
  sentAt: z.number(),
  state: z.enum(['alive', 'leaving']),
});

export type { MembershipChange, MembershipSource, MembershipStatus } from '../../features/ports.ts';

export interface NatsMembershipOptions {
  group: string;
  /** The deployment's NATS prefix (NATS_PREFIX): beats on `<prefix>.inference.v1.members.<group>`. */
  prefix?: string;
  replicaId: string;
  heartbeatMs?: number;
  expireMs?: number;
  debounceMs?: number;
  /** How long join listens before it answers; default 1.5 heartbeats (every live peer beats at least once). */
  discoveryMs?: number;
  now?: () => number;
  /** Every event (joined, left, expired, restarted, duplicate-id) as it is heard. */
  onEvent?: (event: MemberEvent) => void;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export function natsMembership(nc: NatsConnection, options: NatsMembershipOptions): MembershipSource {
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const timing = membershipTiming(heartbeatMs, {
    ...(options.expireMs === undefined ? {} : { expireMs: options.expireMs }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
  });
  const subject = options.prefix === undefined ? membershipSubject(options.group) : `${options.prefix}.${membershipSubject(options.group)}`;
  const nonce = randomUUID();
  let state: MembershipState = initialMembership(options.replicaId, nonce, timing);
  let sub: Subscription | null = null;
  let beating: ReturnType<typeof setInterval> | null = null;
  let wake: ReturnType<typeof setTimeout> | null = null;
  let wakeAt = 0;
  let apply: ((change: MembershipChange) => Promise<void>) | null = null;
  let applying = false;
  let stopped = false;
  let outage = false;
  let duplicateId: string | null = null;

  function publish(leaving: boolean): void {
    const beat = { v: 1, replicaId: options.replicaId, nonce, sentAt: now(), state: leaving ? 'leaving' : 'alive' } satisfies z.infer<typeof Beat>;
    try {
      nc.publish(subject, JSON.stringify(beat));
    } catch (error) {
      // closed or draining connection: the peers will expire this replica
      if (!stopped) options.log?.warn({ err: error }, 'membership: could not publish a heartbeat');
    }
  }

  function emit(event: MemberEvent): void {
    if (event.kind === 'duplicate-id') {
      duplicateId = event.nonce;
      options.log?.error(
        { replicaId: event.replicaId, otherNonce: event.nonce, nonce },
        'membership: another live replica uses this replica id (INFERENCE_REPLICA_ID must be unique)',
      );
    }
    options.onEvent?.(event);
  }

  function onBeat(data: Uint8Array): void {
    if (stopped) return;
    let parsed: z.infer<typeof Beat>;
    try {
      parsed = Beat.parse(JSON.parse(new TextDecoder().decode(data)));
    } catch {
      return; // not a beat of ours
    }
    const beat: MemberBeat = { replicaId: parsed.replicaId, nonce: parsed.nonce, sentAtMs: parsed.sentAt, leaving: parsed.state === 'leaving' };
    const observed = observeBeat(state, beat, now());
    state = observed.state;
    if (observed.event === null) return;
    emit(observed.event);
    // A newcomer hears this replica at once instead of within a heartbeat.
    if (observed.event.kind === 'joined' || observed.event.kind === 'restarted') publish(false);
    schedule();
  }

  function tick(): void {
    wake = null;
    if (stopped) return;
    // Woken far too late: this process stalled (GC, a long synchronous task), so the peers' beats
    // may still be unread in the socket: the silence is this replica's own, as after an outage.
    if (now() - wakeAt > heartbeatMs) state = resumeAfterOutage(state, now());
    if (!outage) {
      const expired = expire(state, now());
      state = expired.state;
      for (const e of expired.events) emit(e);
    }
    void applyDue();
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    if (wake !== null) clearTimeout(wake);
    const ms = nextWakeMs(state, now());
    if (ms === null) {
      wake = null;
      return;
    }
    wakeAt = now() + ms;
    wake = setTimeout(tick, ms);
  }

  async function applyDue(): Promise<void> {
    if (apply === null || applying || stopped) return;
    const decision = decide(state, now());
    if (decision.kind !== 'apply') return;
    applying = true;
    try {
      await apply({ members: decision.members, previous: decision.previous, causes: decision.causes });
    } catch (error) {
      options.log?.error({ err: error, members: decision.members }, 'membership: applying a change failed');
    } finally {
      state = markApplied(state, decision);
      applying = false;
    }
    schedule();
  }

  let statuses: AsyncIterable<{ type: string }> | null = null;
  async function watchConnection(iter: AsyncIterable<{ type: string }>): Promise<void> {
    for await (const s of iter) {
      if (stopped) return;
      if (s.type === 'disconnect') outage = true;
      else if (s.type === 'reconnect') {
        state = resumeAfterOutage(state, now());
        outage = false;
        publish(false);
        schedule();
      }
    }
  }

  async function leave(sayLeaving = true): Promise<void> {
    if (stopped) return;
    if (beating !== null) clearInterval(beating);
    if (wake !== null) clearTimeout(wake);
    if (sayLeaving) publish(true);
    stopped = true;
    await nc.flush().catch(() => undefined);
    sub?.unsubscribe();
    (statuses as { stop?: () => void } | null)?.stop?.();
  }

  return {
    async join() {
      sub = nc.subscribe(subject, { callback: (error, msg) => (error === null ? onBeat(msg.data) : undefined) });
      statuses = nc.status();
      void watchConnection(statuses).catch(() => undefined);
      await nc.flush();
      publish(false);
      beating = setInterval(() => publish(false), heartbeatMs);
      await new Promise((resolve) => setTimeout(resolve, options.discoveryMs ?? Math.round(heartbeatMs * 1.5)));
      if (duplicateId !== null) {
        // Silently: the peers must not drop the legitimate holder of the id.
        await leave(false);
        throw new Error(`INFERENCE_REPLICA_ID "${options.replicaId}" is already used by another live replica in membership group "${options.group}"`);
      }
      const expired = expire(state, now());
      state = expired.state;
      const members = membersOf(state);
      // What was heard so far is the starting point, not a change.
      state = markApplied(state, { kind: 'apply', members, previous: state.applied, causes: state.pending });
      schedule();
      return members;
    },
    follow(fn) {
      apply = fn;
      void applyDue();
    },
    leave: () => leave(),
    status() {
      const at = now();
      return {
        source: 'nats',
        subject,
        nonce,
        live: membersOf(state),
        applied: state.applied,
        peers: [...state.peers].map(([replicaId, p]) => ({ replicaId, nonce: p.nonce, lastSeenAgoMs: at - p.lastSeenMs })),
        duplicateId,
        connected: !outage && !nc.isClosed(),
        timing: { ...timing, heartbeatMs },
      };
    },
  };
}
