// The Tracing port on OpenTelemetry (@industrial/telemetry/api): an active span per scored window,
// and an always-recorded span per raised prompt whose W3C ids go into the event. Without an SDK the
// global tracer is a no-op and the ids are null. Issue 20: in a trace head-sampled out upstream (the
// message's parent valid, not sampled) the window span would be dropped anyway (parent-based
// sampling, not important), so the window is scored in that context without one; the prompt's
// important span still joins the trace.
import { importantSpanOptions, sampledOut, trace } from '@industrial/telemetry/api';
import type { SpanHandle, Tracing } from '../../features/ports.ts';

const NO_TRACE = '0'.repeat(32);

export function otelTracing(name = 'inference'): Tracing {
  const tracer = trace.getTracer(name);
  return {
    active: (spanName, fn) =>
      sampledOut()
        ? fn()
        : tracer.startActiveSpan(spanName, async (span) => {
            try {
              return await fn();
            } finally {
              span.end();
            }
          }),
    important(spanName, attributes): SpanHandle {
      const span = tracer.startSpan(spanName, importantSpanOptions({ attributes }));
      const sc = span.spanContext();
      const traceId = /^[0-9a-f]{32}$/.test(sc.traceId) && sc.traceId !== NO_TRACE ? sc.traceId : null;
      return { traceId, traceparent: traceId === null ? null : `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`, end: () => span.end() };
    },
  };
}
