// A chat incoming webhook (the `{ "text": … }` body Slack, Mattermost and Teams workflows accept).
import type { Connector } from '../../ports.ts';
import { httpAttempt } from '../http/client.ts';

export function chatConnector(o: { name: string; url: string; timeoutMs?: number }): Connector {
  return {
    name: o.name,
    async send(r) {
      const p = r.prompt;
      const text = `${r.recipient ? `@${r.recipient} ` : ''}[${p.priority}] ${p.message ?? 'New prompt'} (${p.assetPath})${p.actBy ? ` — act by ${p.actBy}` : ''}`;
      const a = await httpAttempt({
        url: o.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': r.idempotencyKey },
        body: JSON.stringify({ text }),
        timeoutMs: o.timeoutMs ?? 5_000,
      });
      return a.ok ? { ok: true, externalId: null, alreadyThere: false, recipient: r.recipient } : a.failure;
    },
  };
}
