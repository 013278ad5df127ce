// Use case: tell people about a prompt and escalate it. When raised, the first person on the use
// case's roster gets an e-mail and a chat message (through the outbound actions: retried, dead-
// lettered, one per prompt and person); each time the acknowledge deadline passes, the prompt goes
// to the next person (PromptEscalated, once per level: the stream revision guards it). Quiet hours
// and the per-person hourly limit withhold a notification (NotificationSuppressed), never silently.
// A prompt an operator shelved (inference's RecommendationShelved, ISA-18.2) is not escalated while
// on the shelf; its deadlines move on by the time it spent there, so back from the shelf (the timer
// ran out, or RecommendationUnshelved) it escalates when the rest of its time is up.
import { ConcurrencyConflictError, serviceCause, type Kernel } from '@industrial/kernel';
import { deadlineOf, deliveryFor, dueLevel, shelve, unshelve, type ShelfSpan } from '../domain/escalation.ts';
import { rosterFor, type ActionRule, type Roster, type RosterEntry } from '../domain/rules.ts';
import type { PromptView } from '../ports.ts';
import type { Outbound } from './outbound.ts';
import type { PromptFollower } from './prompts.ts';

export interface NotifyDeps {
  kernel: Kernel;
  outbound: Outbound;
  rosters: () => readonly Roster[];
  /** Connector names of the channels; a channel without one is not used. */
  channels: { email?: string; chat?: string };
  now: () => number;
}

export interface Notifier extends PromptFollower {
  /** Escalates every open prompt whose deadline has passed; returns how many were escalated. */
  tick(): Promise<number>;
  /** Notifications sent per recipient (epoch ms), for the flood limit. */
  readonly sent: ReadonlyMap<string, readonly number[]>;
  /** An open prompt's times on the shelf as the notifier knows them (empty: never shelved, or not open). */
  shelves(recommendationId: string): readonly ShelfSpan[];
}

const notifyStream = (recommendationId: string): string => `notify-${recommendationId}`;

export function createNotifier(deps: NotifyDeps): Notifier {
  const { kernel, outbound, now } = deps;
  const open = new Map<string, { prompt: PromptView; raisedAtMs: number; level: number; roster: Roster; shelves: ShelfSpan[] }>();
  const sent = new Map<string, number[]>();

  async function tell(prompt: PromptView, roster: Roster, person: RosterEntry, level: number, correlationId: string): Promise<void> {
    const channels = [
      ['email', deps.channels.email, person.email],
      ['chat', deps.channels.chat, person.chat],
    ] as const;
    for (const [channel, connector, address] of channels) {
      if (connector === undefined || address === undefined) continue;
      const t = now();
      const delivery = deliveryFor(person, sent.get(address) ?? [], t, roster.maxPerHour);
      if (!delivery.notify) {
        await kernel.append(
          notifyStream(prompt.recommendationId),
          [
            {
              type: 'NotificationSuppressed',
              data: {
                recommendationId: prompt.recommendationId,
                recipient: address,
                channel,
                reason: delivery.reason,
                suppressedAt: new Date(t).toISOString(),
              },
            },
          ],
          serviceCause('integration', correlationId),
        );
        continue;
      }
      sent.set(address, [...(sent.get(address) ?? []).filter((x) => x > t - 3_600_000), t]);
      const rule: ActionRule = { ruleId: `notify-${level}-${channel}`, useCaseId: prompt.useCaseId, on: 'raised', kind: channel, connector };
      await outbound.run(prompt, rule, 'raised', { correlationId, recipient: address });
    }
  }

  return {
    sent,
    shelves: (recommendationId) => open.get(recommendationId)?.shelves ?? [],
    async raised(prompt, correlationId) {
      const roster = rosterFor(deps.rosters(), prompt.useCaseId);
      if (roster === null || open.has(prompt.recommendationId)) return;
      const raisedAtMs = prompt.raisedAt === null ? now() : Date.parse(prompt.raisedAt);
      open.set(prompt.recommendationId, { prompt, raisedAtMs, level: 0, roster, shelves: [] });
      await tell(prompt, roster, roster.people[0] as RosterEntry, 0, correlationId);
    },
    async acknowledged(prompt) {
      open.delete(prompt.recommendationId);
    },
    async done(prompt) {
      open.delete(prompt.recommendationId);
    },
    async shelved(prompt, shelf) {
      const o = open.get(prompt.recommendationId);
      if (o !== undefined) o.shelves = shelve(o.shelves, shelf.fromMs, shelf.untilMs);
    },
    async unshelved(prompt, atMs) {
      const o = open.get(prompt.recommendationId);
      if (o !== undefined) o.shelves = unshelve(o.shelves, atMs);
    },
    async tick() {
      let escalated = 0;
      for (const [id, o] of open) {
        const due = dueLevel(o.roster, o.raisedAtMs, now(), false, o.shelves);
        if (due === null || due <= o.level) continue;
        const stream = notifyStream(id);
        for (let level = o.level + 1; level <= due; level++) {
          const before = await kernel.read(stream);
          if (before.filter((e) => e.type === 'PromptEscalated').length >= level) continue; // another instance did it
          const from = o.roster.people[level - 1] as RosterEntry;
          const to = o.roster.people[level] as RosterEntry;
          const deadline = new Date(deadlineOf(o.roster, o.raisedAtMs, level, o.shelves)).toISOString();
          try {
            await kernel.append(
              stream,
              [
                {
                  type: 'PromptEscalated',
                  data: {
                    recommendationId: id,
                    useCaseId: o.prompt.useCaseId,
                    level,
                    from: from.email ?? from.name,
                    to: to.email ?? to.name,
                    deadline,
                    escalatedAt: new Date(now()).toISOString(),
                  },
                },
              ],
              serviceCause('integration', id),
              { expectedRevision: before.length === 0 ? 'no-stream' : before.length - 1 },
            );
          } catch (error) {
            if (error instanceof ConcurrencyConflictError) break;
            throw error;
          }
          escalated++;
          await tell(o.prompt, o.roster, to, level, id);
        }
        o.level = due;
      }
      return escalated;
    },
  };
}
