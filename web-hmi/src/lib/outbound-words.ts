// Plain words for the outbound actions of one prompt (integration's GET /api/v1/outbound?recommendationId=):
// what the operator's card says when a work order, a quality check or a message to another system
// failed, is being retried, or went through. Pure; used by OutboundStatus.svelte and its test.

/** One action as integration's API returns it (services/integration src/features/ledger.ts ActionSummary). */
export interface OutboundAction {
  actionKey: string;
  kind: string;
  connector: string;
  recipient: string | null;
  status: 'retrying' | 'succeeded' | 'dead-lettered';
  attempts: number;
  externalId: string | null;
  lastReason: string | null;
  completed: boolean;
}

export interface OutboundLine {
  key: string;
  tone: 'failed' | 'retrying' | 'done';
  text: string;
}

const WHAT: Record<string, string> = {
  'work-order': 'The work order',
  'quality-check': 'The quality check',
  webhook: 'The message',
  email: 'The e-mail',
  chat: 'The chat message',
};

const what = (a: OutboundAction): string => WHAT[a.kind] ?? 'The message';
const to = (a: OutboundAction): string => (a.recipient ? `${a.recipient} (${a.connector})` : a.connector);
const reason = (a: OutboundAction): string => (a.lastReason ? ` Reason: ${a.lastReason}.` : '');

/** Failed first, then retrying, then done; e-mail and chat that went through are left out (the card has enough to say). */
export function describeOutbound(actions: readonly OutboundAction[]): OutboundLine[] {
  const lines: OutboundLine[] = [];
  for (const a of actions) {
    if (a.status === 'dead-lettered')
      lines.push({
        key: a.actionKey,
        tone: 'failed',
        text: `${what(a)} for this prompt could not be sent to ${to(a)} after ${a.attempts} ${a.attempts === 1 ? 'try' : 'tries'}.${reason(a)} It is on the list of failed actions; a supervisor can send it again.`,
      });
    else if (a.status === 'retrying')
      lines.push({
        key: a.actionKey,
        tone: 'retrying',
        text: `${what(a)} to ${to(a)} did not go through yet; trying again (${a.attempts} so far).${reason(a)}`,
      });
    else if (a.kind !== 'email' && a.kind !== 'chat')
      lines.push({
        key: a.actionKey,
        tone: 'done',
        text: `${what(a)} was sent to ${a.connector}${a.externalId ? ` (${a.externalId})` : ''}${a.completed ? ' and is completed' : ''}.`,
      });
  }
  const rank = { failed: 0, retrying: 1, done: 2 } as const;
  return lines.sort((x, y) => rank[x.tone] - rank[y.tone]);
}
