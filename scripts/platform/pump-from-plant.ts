// `npm run pump:from-plant`: trains the pump bearing-failure model from a live simulated plant —
// simulator → OPC UA → connectivity → UNS → dataops historian + labels → window snapshot →
// training service — and registers it as a candidate. Embedded defaults (SQLite event store,
// in-process bus); `--nats nats://127.0.0.1:4222` runs the UNS and events over NATS JetStream.
//
//   npm run pump:from-plant -- [--hours 8] [--pumps 12] [--acceleration 1000] [--seed 42]
//                              [--data-dir .data/pump-from-plant] [--nats <url>]
import { randomUUID } from 'node:crypto';
import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { connectNatsBus, createInProcBus, type Bus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { FileAnchorSink, openSqliteEventStore } from '@industrial/eventstore';
import { readUseCaseFile } from './usecases.ts';
import { createLogger } from '@industrial/telemetry';
import { devKeys } from './dev-keys.ts';
import { trainPumpModelFromPlant, type Progress } from './plant-pipeline.ts';

/** The use case the model is for: usecases/pump-bearing.json. */
const PUMP_BEARING = readUseCaseFile('pump-bearing');
const USAGE = 'usage: npm run pump:from-plant -- [--hours 8] [--pumps 12] [--acceleration 1000] [--seed 42] [--horizon-hours 2] [--data-dir DIR] [--nats URL]';

function intFlag(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`--${name}: must be a whole number from ${min} to ${max}, got "${v}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        hours: { type: 'string' },
        pumps: { type: 'string' },
        acceleration: { type: 'string' },
        seed: { type: 'string' },
        'horizon-hours': { type: 'string' },
        'data-dir': { type: 'string' },
        nats: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const hours = intFlag(values.hours as string | undefined, 'hours', 8, 3, 72);
  const pumps = intFlag(values.pumps as string | undefined, 'pumps', 12, 4, 200);
  const acceleration = intFlag(values.acceleration as string | undefined, 'acceleration', 1000, 1, 1000);
  const seed = intFlag(values.seed as string | undefined, 'seed', 42, 0, 2 ** 32 - 1);
  const horizonHours = intFlag(values['horizon-hours'] as string | undefined, 'horizon-hours', 2, 1, 24);
  const dataDir = resolve((values['data-dir'] as string | undefined) ?? '.data/pump-from-plant');
  const logger = createLogger('pump-from-plant', { level: (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn' });
  const keys = await devKeys(dataDir);
  const store = await openSqliteEventStore({
    path: join(dataDir, 'events.db'),
    ledgerKey: keys.ledgerKey,
    anchorSink: new FileAnchorSink(join(dataDir, 'anchors.jsonl')),
    validator: eventValidator,
  });
  const nats = values.nats as string | undefined;
  const bus: Bus = nats === undefined ? createInProcBus() : await connectNatsBus({ servers: nats, name: 'pump-from-plant' });
  const run = randomUUID().slice(0, 8);
  const bar = new cliProgress.SingleBar(
    { format: '{stage} [{bar}] {percentage}% | {message}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { stage: 'plant'.padEnd(8), message: 'starting the plant' });
  const onProgress = (p: Progress) => bar.update(Math.round(p.fraction * 100), { stage: p.stage.padEnd(8), message: p.message });
  process.stdout.write(
    `Recording ${hours} plant hours of ${pumps} pumps at ×${acceleration} (about ${Math.ceil((hours * 3600) / acceleration)} s), half of them with a developing bearing fault…\n`,
  );
  const startedAt = performance.now();
  try {
    const r = await trainPumpModelFromPlant({
      store,
      bus,
      keySet: keys.keySet,
      logger,
      dataDir,
      enterprise: `acme${run}`,
      pumps,
      hours,
      acceleration,
      seed,
      horizonHours,
      useCaseId: PUMP_BEARING.useCaseId,
      ...(nats === undefined ? {} : { events: { stream: `EVT_PLANT_${run}`, subjectPrefix: `evtplant${run}.v1` } }),
      onProgress,
    });
    bar.stop();
    const m = r.run.registered!.metrics;
    const fmt = (v: number | undefined) => (v === undefined ? '   –' : v.toFixed(3));
    process.stdout.write(
      [
        '',
        `Plant: ${r.pumpPaths.length} pumps, ${r.faulty.length} with a bearing fault, ${r.failures.length} failures labelled; ${r.historianSamples.toLocaleString('en')} historian samples`,
        `Snapshot ${r.snapshot.snapshotId} (sha256 ${r.snapshot.contentHash.slice(0, 12)}…): ${r.snapshot.rowCount} windows, ${r.snapshot.positives} within ${horizonHours} h of a failure, ${r.snapshot.labelCount} labels`,
        `Model ${r.modelVersionId} registered as a CANDIDATE for "${PUMP_BEARING.serving.name}" (promotion is a separate, human decision)`,
        `  held-out pumps   PR-AUC ${fmt(m.pr_auc)}  ROC-AUC ${fmt(m.roc_auc)}  precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  F1 ${fmt(m.f1)}  threshold ${fmt(r.run.registered!.decisionThreshold ?? undefined)}`,
        `  ONNX             ${r.run.registered!.artifactUri}`,
        `  model card       ${r.run.registered!.modelCard.markdown.uri}`,
        `Remaining-useful-life model ${r.rul.modelVersionId} (candidate, its own use case): ${r.rul.rowCount} run-to-failure windows of ${r.rul.pumps} pumps`,
        `  held-out pumps   RMSE ${fmt(r.rul.run.registered!.metrics.rmse)} h  MAE ${fmt(r.rul.run.registered!.metrics.mae)} h`,
        `  event store      ${join(dataDir, 'events.db')}`,
        '',
      ].join('\n'),
    );
    // Last line, machine-readable (README Performance).
    process.stdout.write(
      `${JSON.stringify({
        bench: 'pump-from-plant',
        bus: nats === undefined ? 'in-process' : 'nats',
        pumps,
        plant_hours: hours,
        acceleration,
        wall_s: Math.round((performance.now() - startedAt) / 100) / 10,
        historian_samples: r.historianSamples,
        failures: r.failures.length,
        windows: r.snapshot.rowCount,
        positives: r.snapshot.positives,
        pr_auc: m.pr_auc ?? null,
        roc_auc: m.roc_auc ?? null,
        f1: m.f1 ?? null,
        rul_rmse_h: r.rul.run.registered!.metrics.rmse ?? null,
        rul_mae_h: r.rul.run.registered!.metrics.mae ?? null,
      })}\n`,
    );
  } catch (e) {
    bar.stop();
    process.stderr.write(`pump-from-plant: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    await bus.drain().catch(() => undefined);
    await store.close();
  }
}

await main();
process.exit(process.exitCode ?? 0);
