// The live feed, proxied: the browser's EventSource talks to this route (same origin, cookie),
// and this route holds the bearer token towards the gateway's SSE feed, so the token never
// reaches browser JavaScript. Bytes are passed through unchanged.
import { gateway } from '#lib/server/inference.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, request }) => {
  const s = locals.session;
  if (s === null) return new Response('signed out', { status: 401 });
  const abort = new AbortController();
  request.signal.addEventListener('abort', () => abort.abort(), { once: true });
  let upstream: Response;
  try {
    upstream = await gateway(s.token).feed(abort.signal, request.headers.get('last-event-id'));
  } catch {
    return new Response('gateway not reachable', { status: 502 });
  }
  if (!upstream.ok || upstream.body === null) {
    abort.abort();
    return new Response(upstream.status === 401 ? 'signed out' : 'feed refused', { status: upstream.status === 401 ? 401 : 502 });
  }
  const reader = upstream.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' },
  });
};
