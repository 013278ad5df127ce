// One HTTP attempt for a connector: fetch with a deadline, the answer turned into an attempt
// result (2xx ok; any other status or no answer a failure with the reason in plain words).
import type { AttemptResult } from '../../domain/outbound.ts';

export interface HttpAttempt {
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export type HttpAnswer = { ok: true; status: number; json: unknown } | { ok: false; failure: Extract<AttemptResult, { ok: false }> };

export async function httpAttempt(a: HttpAttempt): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(a.url, {
      method: a.method,
      headers: a.headers,
      ...(a.body === undefined ? {} : { body: a.body }),
      signal: AbortSignal.timeout(a.timeoutMs),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${a.timeoutMs} ms` : `could not connect: ${e.cause?.code ?? e.message}`;
    return { ok: false, failure: { ok: false, status: null, reason } };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok)
    return {
      ok: false,
      failure: { ok: false, status: res.status, reason: `${a.method} ${new URL(a.url).pathname} answered ${res.status} ${text.slice(0, 200)}`.trim() },
    };
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { ok: true, status: res.status, json };
}
