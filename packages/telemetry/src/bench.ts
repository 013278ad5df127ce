// Tracing cost in the benches (issue 20): BENCH_TRACING=1 sets the process's telemetry up as a
// service's would be with OTLP export — head sampling at OTEL_SAMPLE_RATIO (default 0.1), batched
// export over HTTP — to a receiver in this process that discards what it gets, so a bench run with
// and without it measures what tracing costs the hot path. Without BENCH_TRACING: nothing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTelemetry } from './init.ts';

/** Resolves to the function that flushes and stops it (a no-op when off). */
export async function benchTracing(serviceName: string): Promise<{ on: boolean; ratio: number; stop(): Promise<void> }> {
  if (process.env.BENCH_TRACING !== '1') return { on: false, ratio: 0, stop: async () => undefined };
  const ratio = Number(process.env.OTEL_SAMPLE_RATIO ?? 0.1);
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const telemetry = initTelemetry({
    serviceName,
    serviceVersion: 'bench',
    exporter: 'otlp',
    otlpEndpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
    sampleRatio: ratio,
    logLevel: 'silent',
  });
  return {
    on: true,
    ratio,
    async stop() {
      await telemetry.shutdown();
      sink.close();
    },
  };
}
