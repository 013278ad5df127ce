// The generic outbound webhook: a JSON POST of the prompt's action, signed with HMAC-SHA256 over
// "<timestamp>.<body>" (header X-Signature: sha256=<hex>, X-Timestamp: epoch seconds) so the
// receiver can check origin, integrity and freshness; Idempotency-Key is the same on every attempt
// of an action, so the receiver creates one record per prompt however often it is retried.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Connector, OutboundRequest } from '../../ports.ts';
import { httpAttempt } from './client.ts';

export interface WebhookOptions {
  name: string;
  url: string;
  secret: string;
  timeoutMs?: number;
  now?: () => number;
}

export const signBody = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** The receiver's check (used by the test receiver and documented for plant integrators). */
export function verifyWebhook(secret: string, headers: { signature?: string; timestamp?: string }, body: string, nowMs: number, toleranceS = 300): boolean {
  if (headers.signature === undefined || headers.timestamp === undefined) return false;
  const ts = Number(headers.timestamp);
  if (!Number.isFinite(ts) || Math.abs(nowMs / 1000 - ts) > toleranceS) return false;
  const expected = Buffer.from(signBody(secret, headers.timestamp, body));
  const got = Buffer.from(headers.signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

export function webhookBody(r: OutboundRequest): string {
  return JSON.stringify({
    idempotencyKey: r.idempotencyKey,
    kind: r.kind,
    trigger: r.trigger,
    recommendationId: r.prompt.recommendationId,
    useCaseId: r.prompt.useCaseId,
    assetPath: r.prompt.assetPath,
    actionId: r.prompt.actionId,
    message: r.prompt.message,
    priority: r.prompt.priority,
    actBy: r.prompt.actBy,
  });
}

export function webhookConnector(o: WebhookOptions): Connector {
  const now = o.now ?? Date.now;
  return {
    name: o.name,
    async send(r) {
      const body = webhookBody(r);
      const timestamp = String(Math.floor(now() / 1000));
      const answer = await httpAttempt({
        url: o.url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': r.idempotencyKey,
          'x-timestamp': timestamp,
          'x-signature': signBody(o.secret, timestamp, body),
          'x-attempt': String(r.attempt),
        },
        body,
        timeoutMs: o.timeoutMs ?? 5_000,
      });
      if (!answer.ok) return answer.failure;
      const id = (answer.json as { id?: unknown } | null)?.id;
      return {
        ok: true,
        externalId: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
        alreadyThere: answer.status === 200,
        recipient: null,
      };
    },
  };
}
