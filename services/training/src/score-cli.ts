// Batch scoring from a shell: a trained model (model.json — the TS model carries the pipeline, the
// ordered per-unit spec and the explainer) on new rows, written as CSV with predictions and the
// strongest contributions of each row.
//
//   npm run score -- --model training-out/model.json --csv test.txt --last-per unit
//   npm run score -- --model <sha256 of the model artifact> --snapshot <id> --out scores.csv
//   npm run score -- --model <registry version id> [--use-case <id>] --snapshot <dataops snapshot id> --last-per unit
//
// A registry version id is resolved through governance's gRPC API to its artifacts, whose sha256 are
// checked; a snapshot id not in the local snapshot directory is asked of dataops' gRPC API
// (score-remote.ts). Token, TLS and addresses as the dataops CLI: flags over the environment.
//
// A model with an ordered spec gets its features computed from the raw columns by the same
// function training used (partial windows allowed: a unit's first rows are marked, not dropped);
// `--last-per <column>` keeps the last row (in order) of each unit. Anomaly models add the alarm
// state after their onset rule. Exit codes: 0 scored, 2 bad usage or input, 1 failure.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  alarmEpisodes,
  computeOrderedFeatures,
  createDataset,
  encodeCategory,
  explain,
  lastRowPerUnit,
  MlValidationError,
  parseModel,
  rowMajor,
  scoreRaw,
  type Dataset,
  type Model,
} from '@industrial/ml';
import { FileShapeError, UsageError as DataopsUsageError } from '@industrial/dataops';
import { loadSnapshotFile } from './adapters/snapshots/dataops.ts';
import { readCsvColumns } from './csv-table.ts';
import { RemoteError, modelFromRegistry, snapshotFromDataops } from './score-remote.ts';

export const SCORE_USAGE = `usage: score --model <model.json | training output dir | sha256 of a model artifact | registry version id (with --use-case)>
             (--csv <file> | --snapshot <id | manifest path>)
             [--use-case <uuid> (the use case whose registry holds --model's version id; default: every use case in the charter is searched)]
             [--last-per <unit column>] [--out <file.csv>] [--top <n contributions, default 3>]
             [--delimiter comma|semicolon|tab|pipe|whitespace] [--columns a,b,c (headerless file)]
             [--snapshot-dir ./data/snapshots (a snapshot id not there is asked of dataops)] [--artifact-dir ./data/artifacts]
  on a running platform (flags win over the environment):
             [--governance <host:port> (env GOVERNANCE_ADDRESS; default 127.0.0.1:50051)]
             [--dataops <host:port> (env DATAOPS_ADDRESS; default 127.0.0.1:50053)]
             [--charter <host:port> (env CHARTER_ADDRESS; default 127.0.0.1:50055)]
             [--token <jwt> (env GOVERNANCE_TOKEN / DATAOPS_TOKEN, else PLATFORM_TOKEN; npm start prints an engineer token)]
             [--ca <file> (env GRPC_TLS_CA_FILE; default .data/tls/ca.crt when it exists)] [--plaintext (PLATFORM_TLS=0)]
             [--help]`;

class UsageError extends Error {}

const VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseModelText(text: string, ref: string): Model {
  try {
    return parseModel(text);
  } catch (e) {
    throw new UsageError(`--model: ${ref} is not a model.json (${(e as Error).message}); the ONNX file alone cannot explain — use the model.json beside it`);
  }
}

async function loadModel(ref: string, v: Record<string, string | boolean | undefined>, io: Io): Promise<Model> {
  if (VERSION_ID.test(ref) && !existsSync(resolve(ref))) {
    const useCase = v['use-case'];
    if (useCase !== undefined && (typeof useCase !== 'string' || !VERSION_ID.test(useCase)))
      throw new UsageError(`--use-case: expected the use case id (a UUID) whose registry holds the version (got "${String(useCase)}")`);
    const m = await modelFromRegistry(ref, useCase, v, process.env);
    io.stderr.write(`model: ${m.said}\n`);
    return parseModelText(m.text, `version ${ref}`);
  }
  const artifactDir = typeof v['artifact-dir'] === 'string' ? v['artifact-dir'] : (process.env.TRAINING_ARTIFACT_DIR ?? './data/artifacts');
  let path = resolve(ref);
  if (/^[0-9a-f]{64}$/.test(ref)) path = join(resolve(artifactDir), 'sha256', ref);
  else if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'model.json');
  if (!existsSync(path))
    throw new UsageError(
      `--model: no model at ${ref} (give model.json, the training output directory, a model artifact's sha256, or a registry version id with --use-case)`,
    );
  return parseModelText(readFileSync(path, 'utf8'), ref);
}

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

interface Rows {
  ds: Dataset;
  /** Unit names as in the file, when the unit column held text. */
  unitNames: Map<number, string> | null;
}

async function loadRows(v: Record<string, string | boolean | undefined>, model: Model, io: Io): Promise<Rows> {
  if ((v.csv === undefined) === (v.snapshot === undefined)) throw new UsageError('--csv/--snapshot: give exactly one data source');
  if (typeof v.snapshot === 'string') {
    const dir = typeof v['snapshot-dir'] === 'string' ? v['snapshot-dir'] : (process.env.SNAPSHOT_DIR ?? './data/snapshots');
    let manifest = /[\\/]|\.json$|\.arrow$/.test(v.snapshot) ? v.snapshot : join(dir, `${v.snapshot}.manifest.json`);
    if (!existsSync(manifest) && VERSION_ID.test(v.snapshot)) {
      manifest = await snapshotFromDataops(v.snapshot, v, process.env);
      io.stderr.write(`snapshot ${v.snapshot}: from dataops, at ${manifest}\n`);
    }
    const s = loadSnapshotFile(manifest);
    const cols: Record<string, Float64Array> = {};
    for (const [k, c] of Object.entries(s.columns)) if (!Array.isArray(c)) cols[k] = Float64Array.from(c as ArrayLike<number>);
    // A stream snapshotted without --entity is one unit (dataops adds a constant unit column): not worth a column of output.
    const entity = model.ordered?.entity;
    if (entity !== undefined && entity !== v['last-per'] && cols[entity] !== undefined && cols[entity].every((x) => x === cols[entity]![0]))
      delete cols[entity];
    return { ds: createDataset(cols), unitNames: null };
  }
  const t = readCsvColumns(resolve(v.csv as string), {
    ...(typeof v.delimiter === 'string' ? { delimiter: v.delimiter } : {}),
    ...(typeof v.columns === 'string' ? { columns: v.columns.split(',').map((s) => s.trim()) } : {}),
  });
  const cols: Record<string, Float64Array> = {};
  let unitNames: Map<number, string> | null = null;
  const unitCol = model.ordered?.entity ?? (typeof v['last-per'] === 'string' ? v['last-per'] : undefined);
  for (const [k, c] of Object.entries(t.columns)) {
    if (c instanceof Float64Array) cols[k] = c;
    else if (c instanceof Int32Array || c instanceof Uint8Array) cols[k] = Float64Array.from(c);
    else if (k === unitCol) {
      const e = encodeCategory(c);
      cols[k] = e.codes;
      unitNames = new Map(e.levels.map((l, i) => [i, l]));
    }
  }
  return { ds: createDataset(cols), unitNames };
}

const fmt = (x: number): string => (Number.isNaN(x) ? '' : Number.isInteger(x) ? String(x) : x.toPrecision(6));
const q = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

export async function runScoreCli(argv: readonly string[], io: Io = process): Promise<number> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        model: { type: 'string' },
        csv: { type: 'string' },
        snapshot: { type: 'string' },
        'snapshot-dir': { type: 'string' },
        'artifact-dir': { type: 'string' },
        'last-per': { type: 'string' },
        out: { type: 'string' },
        top: { type: 'string', default: '3' },
        delimiter: { type: 'string' },
        columns: { type: 'string' },
        'use-case': { type: 'string' },
        governance: { type: 'string' },
        dataops: { type: 'string' },
        charter: { type: 'string' },
        token: { type: 'string' },
        ca: { type: 'string' },
        plaintext: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    io.stderr.write(`score: ${(e as Error).message.replace(/^Unknown option '([^']+)'.*/s, 'unknown flag $1')}\n${SCORE_USAGE}\n`);
    return 2;
  }
  if (v.help === true) {
    io.stdout.write(`${SCORE_USAGE}\n`);
    return 0;
  }
  try {
    if (typeof v.model !== 'string') throw new UsageError('--model: required');
    const model = await loadModel(v.model, v, io);
    const { ds: raw, unitNames } = await loadRows(v, model, io);
    let ds = raw;
    const unit = typeof v['last-per'] === 'string' ? v['last-per'] : undefined;
    let order: string | undefined;
    const o = model.ordered;
    if (o !== undefined && raw.columns[o.columns[0]!] !== undefined && raw.columns[`${o.columns[0]}_${o.statistics[0]}_${o.windows[0]}`] === undefined) {
      // Raw rows: compute the model's ordered features (a stream without a unit column is one unit).
      const withUnit = raw.columns[o.entity] ? raw : createDataset({ ...raw.columns, [o.entity]: new Float64Array(raw.nRows) });
      ds = computeOrderedFeatures(o, withUnit, [], { allowShortUnits: true }).dataset;
    }
    if (o !== undefined) order = o.order;
    for (const inp of model.pipeline.inputs)
      if (!ds.columns[inp])
        throw new UsageError(`the data has no column "${inp}", which the model reads (columns: ${Object.keys(ds.columns).slice(0, 20).join(', ')})`);
    if (unit !== undefined && !ds.columns[unit]) throw new UsageError(`--last-per: the data has no column "${unit}"`);
    const all = Int32Array.from({ length: ds.nRows }, (_, i) => i);
    const orderCol = order !== undefined && ds.columns[order] ? ds.columns[order]! : Float64Array.from(all);
    const scores = scoreRaw(model, rowMajor(ds, model.pipeline.inputs), ds.nRows);
    const alarmActive = new Uint8Array(ds.nRows);
    if (model.alarm) for (const e of alarmEpisodes(scores, model.alarm)) for (let i = e.onset; i <= e.end; i++) alarmActive[i] = 1;
    const rows = unit !== undefined ? lastRowPerUnit(ds.columns[unit]!, orderCol) : all;
    const top = Math.max(0, Number(v.top) || 0);
    const head = [
      ...(unit !== undefined ? [unit] : o !== undefined && ds.columns[o.entity] && raw.columns[o.entity] ? [o.entity] : []),
      ...(order !== undefined && ds.columns[order] ? [order] : []),
      model.task === 'regression' ? `predicted_${model.target}` : 'score',
      ...(model.threshold !== null ? ['alarm'] : []),
      ...(top > 0 ? ['explanation'] : []),
    ];
    const lines = [head.map(q).join(',')];
    for (const i of rows) {
      const cells: string[] = [];
      for (const h of head.slice(0, head.indexOf(model.task === 'regression' ? `predicted_${model.target}` : 'score'))) {
        const x = ds.columns[h]![i]!;
        cells.push(h === unit && unitNames ? (unitNames.get(x) ?? fmt(x)) : h === order && x > 1e11 ? new Date(x).toISOString() : fmt(x));
      }
      cells.push(fmt(scores[i]!));
      if (model.threshold !== null) cells.push(String(model.alarm ? alarmActive[i] : scores[i]! >= model.threshold ? 1 : 0));
      if (top > 0) {
        const row: Record<string, number> = {};
        for (const inp of model.pipeline.inputs) row[inp] = ds.columns[inp]![i]!;
        const ex = explain(model, row);
        cells.push(
          [...ex.contributions]
            .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
            .slice(0, top)
            .map((c) => `${c.feature} ${c.contribution >= 0 ? '+' : ''}${c.contribution.toPrecision(3)}`)
            .join('; '),
        );
      }
      lines.push(cells.map(q).join(','));
    }
    const text = `${lines.join('\n')}\n`;
    if (typeof v.out === 'string') {
      writeFileSync(resolve(v.out), text);
      io.stdout.write(`scored ${rows.length} rows${unit !== undefined ? ` (the last of each ${unit})` : ''} → ${resolve(v.out)}\n`);
    } else io.stdout.write(text);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof FileShapeError || e instanceof MlValidationError || e instanceof DataopsUsageError) {
      io.stderr.write(`score: ${e.message}\n`);
      return 2;
    }
    if (e instanceof RemoteError) {
      io.stderr.write(`score: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`score: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('/training/src/score-cli.ts')) process.exitCode = await runScoreCli(process.argv.slice(2));
