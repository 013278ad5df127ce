// Live board prompts, proxied like /api/feed: the browser's EventSource talks to this route and
// this route holds the bearer token towards the gateway's inspection feed.
import { inspections } from '#lib/server/inspections.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ locals, request }) => {
  const s = locals.session;
  if (s === null) return new Response('signed out', { status: 401 });
  const abort = new AbortController();
  request.signal.addEventListener('abort', () => abort.abort(), { once: true });
  let upstream: Response;
  try {
    upstream = await inspections(s.token).feed(abort.signal);
  } catch {
    return new Response('gateway not reachable', { status: 502 });
  }
  if (!upstream.ok || upstream.body === null) {
    abort.abort();
    return new Response('feed refused', { status: 502 });
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
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' } });
};
