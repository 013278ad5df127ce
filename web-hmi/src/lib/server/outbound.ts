// The one module that knows integration's HTTP API (services/integration src/adapters/http/api.ts):
// the outbound actions of one prompt, with the operator's bearer token. HMI_INTEGRATION_URL is the
// integration service's API (unset: not configured, nothing is shown).
import type { OutboundAction } from '#lib/outbound-words.ts';

// Read once here (the HMI's config.ts covers the gateway and gRPC services; this optional one is local to the outbound card).
const BASE = process.env.HMI_INTEGRATION_URL?.trim().replace(/\/+$/, '') || null;

export class OutboundUnavailable extends Error {
  constructor(readonly status: number) {
    super(`integration answered ${status}`);
  }
}

/** The prompt's actions; null when the integration service is not configured. */
export async function outboundOf(token: string, recommendationId: string, base: string | null = BASE): Promise<OutboundAction[] | null> {
  if (base === null) return null;
  const r = await fetch(`${base}/api/v1/outbound?recommendationId=${encodeURIComponent(recommendationId)}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (!r.ok) throw new OutboundUnavailable(r.status);
  return ((await r.json()) as { actions: OutboundAction[] }).actions;
}
