// The inference gateway's visual-inspection routes (#22; services/inference
// src/adapters/http/gateway-vision.ts): board prompts with their flagged regions, the board image
// (PNG), the operator's verdict on a region and the live feed. Every call carries the operator's
// bearer token; failures come back as a GatewayError like the other gateway calls.
import { forwardedFor } from './client-address.ts';
import { config } from './config.ts';
import { GatewayError } from './inference.ts';

export interface FlaggedRegion {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  place: string;
}

export type Verdict = 'defect-confirmed' | 'no-defect';

/** A board prompt as the gateway returns it (GET /api/v1/inspections). */
export interface Inspection {
  recommendationId: string;
  useCaseId: string;
  stationId: string;
  partId: string;
  sha256: string;
  width: number;
  height: number;
  regions: FlaggedRegion[];
  message: string;
  capturedAt: string;
  inspectedAt: string;
  verdicts: (Verdict | null)[];
}

async function send(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(`${config().inferenceUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...forwardedFor(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(config().gatewayTimeoutMs),
    });
  } catch (cause) {
    throw new GatewayError(503, 'UNREACHABLE', 'the inference gateway is not reachable', {}, { cause });
  }
}

async function json(res: Response): Promise<unknown> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new GatewayError(res.status, typeof body.code === 'string' ? body.code : `HTTP_${res.status}`, String(body.error ?? res.statusText), body);
  return body;
}

export function inspections(token: string) {
  return {
    async open(): Promise<Inspection[]> {
      return ((await json(await send(token, 'GET', '/api/v1/inspections?open=true&limit=20'))) as { inspections: Inspection[] }).inspections;
    },
    async verdict(recommendationId: string, region: number, verdict: Verdict): Promise<void> {
      await json(await send(token, 'POST', `/api/v1/inspections/${encodeURIComponent(recommendationId)}/verdict`, { region, verdict }));
    },
    /** The board image response (PNG) as the gateway sent it. */
    image: (sha256: string) => send(token, 'GET', `/api/v1/images/${encodeURIComponent(sha256)}`),
    feed: (signal: AbortSignal) =>
      fetch(`${config().inferenceUrl}/api/v1/inspections/feed`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...forwardedFor() },
        signal,
      }),
  };
}
