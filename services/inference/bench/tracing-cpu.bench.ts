// Tracing cost in CPU time (issue 20), for a loaded machine where wall-clock A/B is noise: the NATS
// part of inference.bench.ts (8 pumps, one plant minute per step, publish → JetStream → consumer →
// window → ONNX → prompt decision, publisher in this process) with BENCH_TRACING=0 or 1, measuring
// this process's CPU time (user + system, process.cpuUsage) per scored window over the measured
// steps, and the event loop's utilisation. Run it under `--cpu-prof` to see where the time goes.
// Last line is JSON: {"bench":"tracing-cpu","tracing":…,"windows":…,"cpu_us_per_window":…,"elu":…}
import { benchTracing } from '@industrial/telemetry/bench';
import { startHarness, until } from '../test/fixture.ts';
import { buildPumpModel } from '../test/pump-data.ts';
import { plantFeed } from './plant-feed.ts';

const tracing = await benchTracing('inference');
const STEPS = Number(process.env.BENCH_STEPS ?? 120);
const model = buildPumpModel(7, 60);
const h = await startHarness({ monitor: { minSamples: 1_000_000 } });
const v1 = await h.register(model.bundle, { threshold: model.threshold });
await h.promote(v1, 'production');
const feed = plantFeed(h);
const stepMinute = () => feed.stepMinute();
// Warm-up: windows fill, code paths are compiled (and, with tracing, the first export has run).
for (let m = 0; m < 35; m++) await stepMinute();
await until(() => h.app.pipeline.counters().batches >= feed.sent, 60_000);
await new Promise((r) => setTimeout(r, 5_500));
const latStart = h.app.pipeline.latencies().length;
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();
for (let m = 0; m < STEPS; m++) await stepMinute();
await until(() => h.app.pipeline.counters().batches >= feed.sent, 60_000);
const cpu = process.cpuUsage(cpu0);
const elu = performance.eventLoopUtilization(elu0);
const windows = h.app.pipeline.latencies().length - latStart;
await h.close();
await tracing.stop();
console.log(
  JSON.stringify({
    bench: 'tracing-cpu',
    tracing: tracing.on,
    ratio: tracing.ratio,
    windows,
    batches: STEPS * 8,
    cpu_us_per_window: Math.round((cpu.user + cpu.system) / windows),
    elu: Math.round(elu.utilization * 1000) / 1000,
  }),
);
