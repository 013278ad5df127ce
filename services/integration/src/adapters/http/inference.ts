// inference's HTTP gateway as the integration service's ports: the outcome command (a completed
// work order becomes the prompt's outcome) and the acknowledge command (an acknowledge from SCADA).
// A second outcome or acknowledge is refused by inference (409): already done, so not an error here.
import type { AcknowledgeCommand, OutcomeCommand } from '../../ports.ts';

export interface InferenceGatewayOptions {
  baseUrl: string;
  /** Bearer token of the integration service's account (a role with recommendation.decide). */
  token: () => string;
  timeoutMs?: number;
}

async function post(o: InferenceGatewayOptions, path: string, body: unknown, what: string): Promise<void> {
  const res = await fetch(`${o.baseUrl.replace(/\/$/, '')}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token()}`, 'content-type': 'application/json', 'x-correlation-id': `integration-${Date.now()}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
  });
  if (res.ok || res.status === 409) return;
  throw new Error(`inference refused ${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
}

export function inferenceGateway(o: InferenceGatewayOptions): OutcomeCommand & AcknowledgeCommand {
  return {
    recordOutcome: (id, outcome) => post(o, `/api/v1/recommendations/${id}/outcome`, outcome, `the outcome of ${id}`),
    acknowledge: (id) => post(o, `/api/v1/recommendations/${id}/acknowledge`, {}, `the acknowledge of ${id}`),
  };
}
