// Inference bench. Last line is JSON:
//   single_p50_us / single_p99_us  onnxruntime-node session.run, one row, warm session, in process
//   batch_rows_per_s               one session.run over 10 000 rows
//   sample_to_score_p99_ms         wall time from a UNS sample's server timestamp to its scored
//                                  window, over the real NATS at 127.0.0.1:4222 (publish → JetStream
//                                  → durable consumer → window → ONNX → prompt decision)
//   fault_to_prompt_s              PLANT seconds from injecting a bearing fault (20-minute
//                                  development) to the RecommendationRaised, the simulator's plant at 1-minute batches
//   drift_report_s                 PSI + KS for 100 features × 356 000 rows against a 356 000-row reference
import { createRng } from '@industrial/ml';
import { createOnnxScorer } from '../src/adapters/onnx/scorer.ts';
import { featureDrift, sortedFinite } from '../src/domain/drift.ts';
import { startHarness, until } from '../test/fixture.ts';
import { buildPumpModel } from '../test/pump-data.ts';
import { benchTracing } from '@industrial/telemetry/bench';
import { plantFeed } from './plant-feed.ts';

// BENCH_TRACING=1: the same run with tracing on (sampled, OTLP export), to measure what tracing costs.
const tracing = await benchTracing('inference');

const pct = (a: Float64Array, q: number) => {
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const model = buildPumpModel(7, 60);
const p = model.inputs.length;
const rows = model.bundle.reference.columns[0]!.length;
const raw = new Float32Array(rows * p);
for (let i = 0; i < rows; i++) for (let j = 0; j < p; j++) raw[i * p + j] = model.bundle.reference.columns[j]![i]!;

// 1. single row
const scorer = await createOnnxScorer(model.bundle.onnx, p);
const one = raw.slice(0, p);
for (let i = 0; i < 2000; i++) await scorer.score(one, 1);
const N = 20_000;
const single = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const row = raw.subarray((i % rows) * p, (i % rows) * p + p);
  const t0 = process.hrtime.bigint();
  await scorer.score(row, 1);
  single[i] = Number(process.hrtime.bigint() - t0) / 1000;
}

// 2. batch
const B = 10_000;
const batch = new Float32Array(B * p);
for (let i = 0; i < B; i++) batch.set(raw.subarray((i % rows) * p, (i % rows) * p + p), i * p);
await scorer.score(batch, B);
const reps = 30;
const tb = performance.now();
for (let r = 0; r < reps; r++) await scorer.score(batch, B);
const batchRowsPerS = (reps * B) / ((performance.now() - tb) / 1000);
await scorer.release();

// 3 + 4. over NATS with the plant
const h = await startHarness({ monitor: { minSamples: 1_000_000 } });
const v1 = await h.register(model.bundle, { threshold: model.threshold });
await h.promote(v1, 'production');
const feed = plantFeed(h);
const { plant } = feed;
let injectedAt = 0;
const stepMinute = () => feed.stepMinute();
for (let m = 0; m < 35; m++) await stepMinute();
await until(() => h.app.pipeline.counters().batches >= feed.sent, 60_000);
const latStart = h.app.pipeline.latencies().length;
plant.inject({ asset: 'pump-5', fault: 'bearing_wear', developMinutes: 20, severity: 1 }, 'api');
injectedAt = plant.nowMs;
let promptAtPlant = NaN;
for (let m = 0; m < 60 && Number.isNaN(promptAtPlant); m++) {
  await stepMinute();
  await until(() => h.app.pipeline.counters().batches >= feed.sent, 60_000);
  const raised = (await h.events('RecommendationRaised')).find((e) => String(e.data.assetPath).endsWith('pump-5'));
  if (raised) promptAtPlant = Date.parse((raised.data.featureWindow as { to: string }).to);
}
for (let m = 0; m < 30; m++) await stepMinute();
await until(() => h.app.pipeline.counters().batches >= feed.sent, 60_000);
const lat = h.app.pipeline.latencies().slice(latStart);
await h.close();

// 5. drift report
const FEATURES = 100,
  ROWS = 356_000;
const rng = createRng(1);
const refs: Float64Array[] = [],
  curs: Float64Array[] = [];
for (let f = 0; f < FEATURES; f++) {
  const r = new Float64Array(ROWS),
    c = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    r[i] = rng.normal();
    c[i] = rng.normal() + (f % 10 === 0 ? 0.6 : 0);
  }
  refs.push(r);
  curs.push(c);
}
// The reference is sorted once when a model is loaded (models.ts), not per report.
const sortedRefs = refs.map((r) => sortedFinite(r));
const td = performance.now();
const report = sortedRefs.map((r, f) => featureDrift(`f${f}`, r, curs[f]!));
const driftS = (performance.now() - td) / 1000;
if (report.filter((x) => x.band !== 'stable').length === 0) throw new Error('drift bench found no drift');

await tracing.stop();
console.log(
  JSON.stringify({
    bench: 'inference',
    single_p50_us: Math.round(pct(single, 0.5) * 10) / 10,
    single_p99_us: Math.round(pct(single, 0.99) * 10) / 10,
    batch_rows_per_s: Math.round(batchRowsPerS),
    sample_to_score_p99_ms: Math.round(pct(lat, 0.99) * 10) / 10,
    fault_to_prompt_s: Math.round((promptAtPlant - injectedAt) / 1000),
    drift_report_s: Math.round(driftS * 100) / 100,
  }),
);
