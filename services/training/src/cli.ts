// Training from the command line: a CSV file or a dataops snapshot → a trained model (ONNX), its
// model card (Markdown + JSON) and the TS model for explanations in --out; a progress bar on stderr
// while the worker thread trains, then a metrics table, the top features and the file paths.
//
//   npx tsx services/training/src/cli.ts --csv ../shared/datasets/ai4i2020/ai4i2020.csv \
//     --target "Machine failure" --features type,air_temperature_k,torque_nm,power_w --model gbdt --seed 42 --out out/
//   npx tsx services/training/src/cli.ts --snapshot data/snapshots/<id>.manifest.json --target machine_failure
//
// Exit codes: 0 trained, 1 training failed, 2 bad usage or input (the message names the flag).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createDataopsSnapshotSource, loadSnapshotFile } from './adapters/snapshots/dataops.ts';
import { createWorkerTrainer } from './adapters/worker/trainer.ts';
import { readCsvColumns } from './csv-table.ts';
import { toTrainingTable, type RawColumn } from './domain/dataset.ts';
import { InvalidTrainingRequestError, TrainingError } from './domain/errors.ts';
import { coerceParam, resolveSpec, type TrainingSpecInput } from './domain/spec.ts';
import type { TrainOutput } from './ports.ts';
import type { OrderedSpec } from '@industrial/ml';
import { trainHelp } from './cli-help.ts';
import { AnomalyUsageError, runAnomalyTraining } from './anomaly-cli.ts';
import { RemoteError, snapshotFromDataops } from './score-remote.ts';

const USAGE = `usage: train (--csv <file> | --snapshot <path|id> [--snapshot-dir <dir>] [--dataops <host:port>]) --target <column>
             [--features a,b,c] [--model gbdt|logistic|autoencoder] [--imbalance none|class-weights|oversample|smote]
             [--imputation none|median|mean|constant] [--seed <n>] [--param name=value …] [--order-by <column>]
             [--cost missed,falseAlarm,inspection] [--task classification|regression|anomaly] [--out <dir>]
       train --help lists every flag and model parameter with its default and allowed values`;

const SNAPSHOT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`${flag}: ${message}`);
    this.name = 'UsageError';
    this.flag = flag;
  }
}

/** A request field (spec.features[2], snapshot_id, …) as the flag the user typed. */
function flagOf(field: string): string {
  if (field.startsWith('spec.features')) return '--features';
  if (field === 'spec.target') return '--target';
  if (field === 'spec.model_type') return '--model';
  if (field === 'spec.imbalance') return '--imbalance';
  if (field === 'spec.imputation') return '--imputation';
  if (field === 'spec.seed') return '--seed';
  if (field.startsWith('spec.hyperparameters')) return '--param';
  if (field.startsWith('spec.cost_model')) return '--cost';
  if (field === 'snapshot_id') return '--snapshot/--csv (rows and split)';
  return field;
}

interface Loaded {
  columns: Readonly<Record<string, RawColumn>>;
  rowCount: number;
  resolveName: (name: string) => string;
  split:
    | { kind: 'indices'; train: Int32Array; validation: Int32Array; test: Int32Array }
    | { kind: 'chronological'; orderBy?: string; train: number; validation: number; test: number };
  defaultFeatures: string[];
  source: string;
  ordered: OrderedSpec | null;
}

async function load(v: Record<string, string | boolean | string[] | undefined>): Promise<Loaded> {
  const csv = v.csv as string | undefined,
    snapshot = v.snapshot as string | undefined;
  if ((csv === undefined) === (snapshot === undefined)) throw new UsageError('--csv/--snapshot', 'give exactly one data source');
  if (csv !== undefined) {
    let t;
    try {
      t = readCsvColumns(resolve(csv), typeof v.delimiter === 'string' ? { delimiter: v.delimiter } : {});
    } catch (e) {
      throw new UsageError('--csv', `cannot read ${csv}: ${(e as Error).message}`);
    }
    const resolveName = (n: string) => t.names.get(n) ?? n;
    const orderBy = v['order-by'] === undefined ? undefined : resolveName(v['order-by'] as string);
    if (orderBy !== undefined && !(orderBy in t.columns)) throw new UsageError('--order-by', `no column "${v['order-by'] as string}" in ${csv}`);
    const target = resolveName((v.target as string | undefined) ?? '');
    return {
      columns: t.columns,
      rowCount: t.rowCount,
      resolveName,
      split: { kind: 'chronological', ...(orderBy === undefined ? {} : { orderBy }), train: 0.7, validation: 0.15, test: 0.15 },
      defaultFeatures: Object.keys(t.columns).filter((c) => c !== target && c !== orderBy),
      source: resolve(csv),
      ordered: null,
    };
  }
  // A manifest or data file by path (the operator's own files), else an id in --snapshot-dir.
  const snapshotDir = (v['snapshot-dir'] as string | undefined) ?? process.env.SNAPSHOT_DIR ?? './data/snapshots';
  const source = createDataopsSnapshotSource(snapshotDir);
  let s;
  let where = '';
  try {
    if (/\.(arrow|csv|manifest\.json)$/.test(snapshot!)) s = loadSnapshotFile(snapshot!);
    else if (!existsSync(join(resolve(snapshotDir), `${snapshot!}.manifest.json`)) && SNAPSHOT_ID.test(snapshot!)) {
      // not in the local directory: dataops says where it keeps it (and checks its integrity)
      const manifest = await snapshotFromDataops(snapshot!, v as Record<string, string | boolean | undefined>, process.env);
      s = loadSnapshotFile(manifest);
      where = `, from dataops at ${manifest}`;
    } else s = await source.load(snapshot!);
  } catch (e) {
    if (e instanceof RemoteError) throw e;
    throw new UsageError('--snapshot', (e as Error).message);
  }
  const range = (r: { start: number; end: number }) => Int32Array.from({ length: Math.max(0, r.end - r.start) }, (_, i) => r.start + i);
  return {
    columns: s.columns,
    rowCount: s.rowCount,
    resolveName: (n) => n,
    split: { kind: 'indices', train: range(s.splits.train), validation: range(s.splits.validation), test: range(s.splits.test) },
    defaultFeatures: [...s.featureColumns],
    source: `snapshot ${s.snapshotId} (sha256 ${s.contentHash}${where})`,
    ordered: s.ordered ?? null,
  };
}

function parseCost(text: string | undefined): TrainingSpecInput['costModel'] {
  if (text === undefined) return null;
  const parts = text.split(',').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0))
    throw new UsageError('--cost', 'expected three numbers ≥ 0: missedFailure,falseAlarm,inspection');
  return { source: 'inline', missedFailure: parts[0]!, falseAlarm: parts[1]!, inspection: parts[2]! };
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(4));

function report(out: TrainOutput, files: Record<string, string>): string {
  const L: string[] = [];
  const keys = out.task === 'regression' ? ['rows', 'rmse', 'mae'] : ['rows', 'positives', 'precision', 'recall', 'f1', 'pr_auc', 'roc_auc', 'brier'];
  L.push('', `metric        validation        test`, `------------  ----------  ----------`);
  for (const k of keys) L.push(`${k.padEnd(12)}  ${fmt(out.validationMetrics[k]).padStart(10)}  ${fmt(out.metrics[k]).padStart(10)}`);
  if (out.threshold !== null) L.push(`${'threshold'.padEnd(12)}  ${fmt(out.threshold).padStart(10)}`);
  L.push('', 'top features (permutation importance on the test part):');
  for (const i of [...out.importance].sort((a, b) => b.drop - a.drop).slice(0, 5))
    L.push(`  ${i.feature.padEnd(28)} ${fmt(i.drop).padStart(8)} ± ${fmt(i.std)}`);
  L.push(
    '',
    `onnx        ${files.onnx}`,
    `            sha256 ${out.onnxSha256}`,
    `model card  ${files.card}`,
    `card json   ${files.cardJson}`,
    `ts model    ${files.model}`,
    '',
  );
  return L.join('\n');
}

export async function runCli(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        csv: { type: 'string' },
        snapshot: { type: 'string' },
        'snapshot-dir': { type: 'string' },
        target: { type: 'string' },
        features: { type: 'string' },
        model: { type: 'string', default: 'gbdt' },
        imbalance: { type: 'string', default: 'none' },
        imputation: { type: 'string', default: 'none' },
        seed: { type: 'string', default: '42' },
        param: { type: 'string', multiple: true },
        'order-by': { type: 'string' },
        cost: { type: 'string' },
        out: { type: 'string', default: './training-out' },
        help: { type: 'boolean', short: 'h' },
        task: { type: 'string' },
        delimiter: { type: 'string' },
        // --task anomaly
        time: { type: 'string' },
        columns: { type: 'string' },
        windows: { type: 'string' },
        stats: { type: 'string' },
        probation: { type: 'string' },
        budget: { type: 'string' },
        quantile: { type: 'string' },
        consecutive: { type: 'string' },
        hysteresis: { type: 'string' },
        detector: { type: 'string' },
        incidents: { type: 'string' },
        // a snapshot id not in --snapshot-dir is asked of dataops (as `npm run score` does)
        dataops: { type: 'string' },
        token: { type: 'string' },
        ca: { type: 'string' },
        plaintext: { type: 'boolean' },
      },
    }));
  } catch (e) {
    io.stderr.write(`train: ${(e as Error).message.replace(/^Unknown option '([^']+)'.*/s, 'unknown flag $1')}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(trainHelp());
    return 0;
  }
  const task = (values.task as string | undefined) ?? 'classification';
  if (!['classification', 'regression', 'anomaly'].includes(task)) {
    io.stderr.write(`train: --task: unknown task "${task}"; allowed: classification, regression, anomaly\n`);
    return 2;
  }
  if (task === 'anomaly') {
    try {
      return await runAnomalyTraining(values, io);
    } catch (e) {
      if (e instanceof RemoteError) {
        io.stderr.write(`train: ${e.message}\n`);
        return e.exitCode;
      }
      const user =
        e instanceof AnomalyUsageError || ((e as { name?: string }).name?.endsWith('Error') === true && (e as { field?: unknown }).field !== undefined);
      io.stderr.write(`train: ${user ? '' : 'training failed: '}${e instanceof Error ? e.message : String(e)}\n`);
      return user || (e as { name?: string }).name === 'FileShapeError' ? 2 : 1;
    }
  }
  let bar: cliProgress.SingleBar | null = null;
  try {
    if (values.target === undefined) throw new UsageError('--target', 'is required (the label column)');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed', `must be a non-negative integer (got "${values.seed as string}")`);
    const hyperparameters: Record<string, number | boolean | string> = {};
    for (const p of (values.param as string[] | undefined) ?? []) {
      const m = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(p);
      if (!m) throw new UsageError('--param', `expected name=value (got "${p}")`);
      hyperparameters[m[1]!] = coerceParam(m[2]!);
    }
    if (task === 'regression') hyperparameters.task = 'regression';
    bar = new cliProgress.SingleBar(
      {
        format: 'training [{bar}] {percentage}% | {stage} | {elapsed}s',
        stream: io.stderr,
        hideCursor: true,
        clearOnComplete: false,
        noTTYOutput: true,
        notTTYSchedule: 1000,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = Date.now();
    let stage = 'loading data';
    bar.start(5, 0, { stage, elapsed: '0.0' });
    const tick = setInterval(() => bar?.update({ stage, elapsed: ((Date.now() - t0) / 1000).toFixed(1) }), 250);
    const step = (n: number, s: string) => {
      stage = s;
      bar?.update(n, { stage, elapsed: ((Date.now() - t0) / 1000).toFixed(1) });
    };
    try {
      const data = await load(values);
      step(1, 'validating');
      const table = toTrainingTable(data.columns);
      const target = data.resolveName(values.target as string);
      const features =
        values.features === undefined
          ? []
          : (values.features as string)
              .split(',')
              .map((f) => data.resolveName(f.trim()))
              .filter((f) => f !== '');
      const resolved = resolveSpec(
        {
          target,
          features,
          modelType: values.model as string,
          hyperparameters,
          imbalance: values.imbalance as string,
          imputation: values.imputation as string,
          costModel: parseCost(values.cost as string | undefined),
          seed,
        },
        {
          table,
          split: data.split,
          costModel: (() => {
            const c = parseCost(values.cost as string | undefined);
            return c === null || c.source !== 'inline' ? null : { missedFailure: c.missedFailure, falseAlarm: c.falseAlarm, inspection: c.inspection };
          })(),
          defaultFeatures: data.defaultFeatures,
          ordered: data.ordered,
          card: { name: `${values.model as string}-${target}`, version: '0.0.0' },
        },
      );
      const columns: Record<string, Float64Array> = {};
      for (const n of new Set([
        target,
        ...resolved.features.flatMap((f) => f.inputs),
        ...(data.split.kind === 'chronological' && data.split.orderBy ? [data.split.orderBy] : []),
      ]))
        columns[n] = table.dataset.columns[n]!;
      step(2, `training ${resolved.algorithm} on ${data.rowCount} rows`);
      const out = await createWorkerTrainer().train({ spec: resolved.trainSpec, columns });
      step(4, 'writing files');
      const dir = resolve(values.out as string);
      mkdirSync(dir, { recursive: true });
      const files = { onnx: join(dir, 'model.onnx'), card: join(dir, 'model-card.md'), cardJson: join(dir, 'model-card.json'), model: join(dir, 'model.json') };
      writeFileSync(files.onnx, out.onnx);
      writeFileSync(files.card, out.cardMarkdown);
      writeFileSync(files.cardJson, out.cardJson);
      writeFileSync(files.model, out.modelJson);
      step(5, 'done');
      clearInterval(tick);
      bar.stop();
      bar = null;
      io.stdout.write(`trained on ${data.source}\n${report(out, files)}`);
      return 0;
    } finally {
      clearInterval(tick);
    }
  } catch (e) {
    bar?.stop();
    if (e instanceof UsageError) {
      io.stderr.write(`train: ${e.message}\n`);
      return 2;
    }
    if (e instanceof RemoteError) {
      io.stderr.write(`train: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof InvalidTrainingRequestError || (e instanceof TrainingError && e.code === 'INVALID_ARGUMENT')) {
      io.stderr.write(`train: ${flagOf(e.field)}: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`train: training failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}` || process.argv[1]?.endsWith('/training/src/cli.ts')) {
  process.exitCode = await runCli(process.argv.slice(2));
}
