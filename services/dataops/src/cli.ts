// The dataops path from a shell, as a client of dataops' gRPC API (the one `npm start` and `npm run
// cluster` serve): import a delimited file (delimiter detected or --delimiter, header or --columns,
// sorted and de-duplicated here, then streamed to ImportCsv: dataops parses and stores it, all or
// nothing), create snapshots of ordered per-unit features with a derived target
// (CreateDatasetSnapshot: dataops writes the files and records DatasetSnapshotCreated through its
// kernel), list and show them. Progress on stderr; results on stdout. Nothing is sent before the
// file reads as asked, and dataops writes nothing for a refused request.
//
//   npm run dataops -- import train.txt --name engines --columns unit,cycle,s1,s2 --sort-by unit,cycle --dedupe unit,cycle
//   npm run dataops -- snapshot create --import <import id> --entity unit --order cycle --windows 5,20 --stats mean,slope \
//       --target rul --run-to-failure all --cap 125 --test-units 1,2,3
//   npm run dataops -- snapshot list | snapshot show <id>
//
// Exit codes: 0 done, 2 bad usage or a file/request dataops refused (the message says why),
// 3 the token was refused, 1 dataops failed or cannot be reached.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { uuidFromKey } from '@industrial/contracts/ids';
import { ORDERED_STATISTICS } from '@industrial/ml';
import type { dataopsV1 } from '@industrial/grpc';
import { CONNECTION_HELP, UsageError, connect, describeCallError, type Connection } from './cli-client.ts';
import { importPlan } from './cli-import.ts';
import { FileShapeError, delimiterName, readDelimited, sortAndDedupe } from './domain/delimited.ts';

export const DATAOPS_CLI_USAGE = `usage:
  dataops import <file> --name <name> [--delimiter auto|comma|semicolon|tab|pipe|whitespace|<char>] (default auto)
                 [--columns a,b,c (names of a headerless file's columns) | --no-header (columns col_1, col_2, …)]
                 [--sort-by a,b] [--dedupe a,b (keeps the last row of each key)]
                 [--entity <unit column>] [--order <cycle or time column>] (default: from --sort-by, the last column orders,
                 the one before it is the unit) [--dataset <uuid> (register the import as a dataset in the catalog)]
  dataops snapshot create --import <import id> --order <column> [--entity <column>] [--step <n>] [--allow-gaps]
                 [--columns s1,s2 (default: every numeric column)] --windows 5,20
                 [--stats ${ORDERED_STATISTICS.join(',')} (default mean,std,slope)] [--ewma 10] [--lags 1] [--deltas 5]
                 [--target <name> (--run-to-failure all|<unit,unit>|column:<col> [--cap <n>] | --labels <col> --horizon <n>)]
                 [--test-units 1,2,3 (default: none held out; the last part of every unit validates)] [--validation-tail 0.2]
                 [--dataset <uuid> (default: one per import)] [--use-case <uuid> (default: an exploration id per import, not a charter use case)]
  dataops snapshot list [--dataset <uuid>] [--limit 100]
  dataops snapshot show <id>
${CONNECTION_HELP}
  --help                  this text`;

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;
const numbers = (v: unknown, flag: string): number[] => {
  const l = list(v) ?? [];
  const n = l.map(Number);
  if (n.some((x) => !Number.isFinite(x))) throw new UsageError(`${flag}: expected numbers separated by commas (got "${String(v)}")`);
  return n;
};
const steps = (v: unknown, flag: string): number[] => {
  const n = numbers(v, flag);
  if (n.some((x) => !Number.isInteger(x) || x < 1)) throw new UsageError(`${flag}: expected whole numbers of steps > 0 (got "${String(v)}")`);
  return n;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidFlag = (v: unknown, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !UUID.test(v)) throw new UsageError(`${flag}: expected a UUID (got "${String(v)}")`);
  return v;
};

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
type Values = Record<string, string | boolean | undefined>;

async function importFile(file: string, v: Values, io: Io, c: () => Connection): Promise<string> {
  if (typeof v.name !== 'string' || v.name.trim() === '') throw new UsageError('--name: give the import a name');
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`cannot read ${file}: no such file`);
  const bytes = readFileSync(path);
  io.stderr.write(`reading ${file} (${(bytes.length / 1024).toFixed(1)} KiB)\n`);
  const t = readDelimited(bytes.toString('utf8'), {
    ...(typeof v.delimiter === 'string' ? { delimiter: v.delimiter } : {}),
    ...(list(v.columns) ? { columns: list(v.columns)! } : {}),
    ...(v['no-header'] === true ? { header: false } : {}),
  });
  io.stderr.write(`${t.rows.length} rows × ${t.names.length} columns, ${delimiterName(t.delimiter)}-separated, ${t.header ? 'with a header' : 'no header'}\n`);
  const sortBy = list(v['sort-by']) ?? [];
  const { table, removed } = sortAndDedupe(t, sortBy, list(v.dedupe) ?? []);
  if (removed > 0 || sortBy.length > 0) io.stderr.write(`sorted by ${sortBy.join(', ') || '(file order)'}; ${removed} duplicate rows removed\n`);
  const plan = importPlan(table, {
    ...(typeof v.entity === 'string' ? { entity: v.entity } : {}),
    ...(typeof v.order === 'string' ? { order: v.order } : {}),
    sortBy,
  });
  const conn = c();
  const datasetId = uuidFlag(v.dataset, '--dataset');
  io.stderr.write(`sending ${table.rows.length} rows to dataops at ${conn.address} (${conn.tls})\n`);
  const r = await new Promise<dataopsV1.ImportCsvResponse>((done, fail) => {
    const call = conn.client.importCsv((e, res) => (e ? fail(e) : done(res)));
    call.write({
      header: {
        name: v.name as string,
        mappingJson: JSON.stringify(plan.mapping),
        datasetId: datasetId ?? '',
        accessLevel: '',
        description: `imported from ${file} by the dataops CLI`,
      },
    });
    const body = Buffer.from(plan.csv, 'utf8');
    const CHUNK = 256 * 1024;
    let sent = 0;
    for (let i = 0; i < body.length; i += CHUNK) {
      call.write({ chunk: body.subarray(i, i + CHUNK) });
      sent = Math.min(body.length, i + CHUNK);
      if (body.length > 4 * CHUNK && (i / CHUNK) % 8 === 0) io.stderr.write(`  sent ${(sent / 1024).toFixed(0)} of ${(body.length / 1024).toFixed(0)} KiB\n`);
    }
    call.end();
  });
  return [
    `import ${r.importId}`,
    `rows     ${r.rowCount} (${removed} duplicates removed here); file sha256 ${r.fileSha256}`,
    `columns  ${r.columns.map((x) => `${x.name} (${x.role})`).join(', ')}`,
    `next     npm run dataops -- snapshot create --import ${r.importId} ${plan.entity === undefined ? '' : `--entity ${plan.entity} `}--order ${plan.order} --windows …`,
    '',
  ].join('\n');
}

function orderedRequest(v: Values): dataopsV1.OrderedSource {
  if (typeof v.import !== 'string' || !UUID.test(v.import)) throw new UsageError('--import: give the import id that `dataops import` printed (import <uuid>)');
  if (typeof v.order !== 'string') throw new UsageError('--order: name the column that orders each unit (a cycle number or a time)');
  const windows = steps(v.windows, '--windows');
  if (windows.length === 0) throw new UsageError('--windows: give one or more window lengths in steps, e.g. 5,20');
  const stats = list(v.stats) ?? [];
  for (const s of stats)
    if (!(ORDERED_STATISTICS as readonly string[]).includes(s))
      throw new UsageError(`--stats: unknown statistic "${s}"; allowed: ${ORDERED_STATISTICS.join(', ')}`);
  let target: dataopsV1.OrderedTarget | undefined;
  if (typeof v.target === 'string') {
    if (typeof v.labels === 'string') {
      const horizon = Number(v.horizon);
      if (!(horizon > 0)) throw new UsageError('--horizon: give the horizon in steps of the order column (> 0)');
      target = { name: v.target, kind: 'within', runToFailure: '', cap: 0, labels: v.labels, horizon };
    } else {
      if (typeof v['run-to-failure'] !== 'string')
        throw new UsageError('--run-to-failure: say which units ran to failure: all, a list of units, or column:<failure column> (or --labels/--horizon)');
      const cap = v.cap === undefined ? 0 : Number(v.cap);
      if (!(cap >= 0) || (v.cap !== undefined && cap === 0)) throw new UsageError('--cap: must be a number > 0');
      target = { name: v.target, kind: 'remaining', runToFailure: v['run-to-failure'], cap, labels: '', horizon: 0 };
    }
  } else if (v['run-to-failure'] !== undefined || v.labels !== undefined) throw new UsageError('--target: name the target column to derive');
  const tail = v['validation-tail'] === undefined ? 0.2 : Number(v['validation-tail']);
  if (!(tail > 0 && tail < 1)) throw new UsageError('--validation-tail: a share between 0 and 1, e.g. 0.2');
  const step = v.step === undefined ? 0 : Number(v.step);
  if (!(step > 0) && v.step !== undefined) throw new UsageError('--step: must be a number > 0');
  return {
    importId: v.import,
    entity: typeof v.entity === 'string' ? v.entity : '',
    order: v.order,
    step,
    allowGaps: v['allow-gaps'] === true,
    columns: list(v.columns) ?? [],
    windows,
    statistics: stats,
    ewma: steps(v.ewma, '--ewma'),
    lags: steps(v.lags, '--lags'),
    deltas: steps(v.deltas, '--deltas'),
    target,
    testUnits: numbers(v['test-units'], '--test-units'),
    validationTail: tail,
  };
}

const range = (r: dataopsV1.RowRange | undefined) => (r === undefined ? 0 : r.end - r.start);
const pathOf = (location: string) => (location.startsWith('file://') ? fileURLToPath(location) : location);

async function snapshotCreate(v: Values, io: Io, c: () => Connection): Promise<string> {
  const ordered = orderedRequest(v);
  const datasetId = uuidFlag(v.dataset, '--dataset') ?? uuidFromKey(`dataops-cli:dataset:${ordered.importId}`);
  const useCaseId = uuidFlag(v['use-case'], '--use-case') ?? uuidFromKey(`dataops-cli:exploration:${ordered.importId}`);
  const conn = c();
  const t0 = Date.now();
  const said = () => `[${((Date.now() - t0) / 1000).toFixed(1)} s]`;
  io.stderr.write(
    `${said()} dataops at ${conn.address} builds the snapshot: ordered features over ${ordered.windows.join('/')} steps${ordered.target ? `, target ${ordered.target.name}` : ''}\n`,
  );
  const tick = setInterval(() => io.stderr.write(`${said()} still building\n`), 5000);
  let r: dataopsV1.CreateDatasetSnapshotResponse;
  try {
    r = await new Promise((done, fail) =>
      conn.client.createDatasetSnapshot(
        {
          datasetId,
          useCaseId,
          ordered,
          splitKind: '',
          splitBy: '',
          splitOrderBy: '',
          splitStratifyBy: '',
          trainFraction: 0,
          validationFraction: 0,
          format: '',
          featureSetVersion: '',
          accessLevel: '',
          assetPath: '',
        },
        (e, res) => (e ? fail(e) : done(res)),
      ),
    );
  } finally {
    clearInterval(tick);
  }
  io.stderr.write(`${said()} recorded (DatasetSnapshotCreated)\n`);
  const s = r.snapshot!;
  const lineage = JSON.parse(s.lineageJson) as { transformations: string[] };
  const data = pathOf(s.location);
  const target = ordered.target;
  return [
    `snapshot ${s.snapshotId}`,
    `dataset   ${s.datasetId}`,
    `use case  ${useCaseId}${v['use-case'] === undefined ? ' (an exploration id of this import, not a charter use case; --use-case names one)' : ''}`,
    `rows      ${s.rowCount}; train ${range(s.train)}, validation ${range(s.validation)}, test ${range(s.test)}`,
    `features  ${s.schema.filter((x) => x.role === 'feature').length}`,
    ...lineage.transformations.map((x) => `          ${x}`),
    `data      ${data} (content sha256 ${s.contentHash})`,
    ...(target === undefined
      ? [
          `score it  npm run score -- --model <model> --snapshot ${s.snapshotId}`,
          // a time-ordered snapshot without a target: an unsupervised detector can be fitted on it
          ...(s.schema.some((x) => x.name === ordered.order && x.role === 'time')
            ? [`or train  npm run train -- --task anomaly --snapshot ${s.snapshotId} --probation <from>..<to> (a normal period, ISO times)`]
            : []),
        ]
      : [
          `train it  npm run train -- --snapshot ${s.snapshotId} --snapshot-dir ${dirname(data)} --target ${target.name}${target.kind === 'remaining' ? ' --task regression' : ''}`,
        ]),
    '',
  ].join('\n');
}

async function snapshotList(v: Values, c: () => Connection): Promise<string> {
  const limit = v.limit === undefined ? 0 : Number(v.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit: a whole number');
  const conn = c();
  const r = await new Promise<dataopsV1.ListDatasetSnapshotsResponse>((done, fail) =>
    conn.client.listDatasetSnapshots({ datasetId: uuidFlag(v.dataset, '--dataset') ?? '', limit }, (e, res) => (e ? fail(e) : done(res))),
  );
  const rows = r.snapshots.map((s) => {
    const src = (JSON.parse(s.lineageJson) as { source: { kind: string; name?: string } }).source;
    return `${s.snapshotId}  ${new Date(s.createdAtMs).toISOString()}  ${String(s.rowCount).padStart(8)} rows  ${src.kind}${src.name === undefined ? '' : ` ${src.name}`}  by ${s.createdBy}`;
  });
  return rows.length === 0 ? 'no snapshots\n' : `${rows.join('\n')}\n`;
}

async function snapshotShow(id: string, c: () => Connection): Promise<string> {
  const conn = c();
  const r = await new Promise<dataopsV1.GetDatasetSnapshotResponse>((done, fail) =>
    conn.client.getDatasetSnapshot({ snapshotId: id }, (e, res) => (e ? fail(e) : done(res))),
  );
  const s = r.snapshot!;
  const lineage = JSON.parse(s.lineageJson) as { source: unknown; transformations: string[] };
  return [
    `snapshot  ${s.snapshotId} (content sha256 ${s.contentHash}, verified by dataops)`,
    `dataset   ${s.datasetId}`,
    `created   ${new Date(s.createdAtMs).toISOString()} by ${s.createdBy}`,
    `rows      ${s.rowCount}; split ${s.splitKind}: train ${range(s.train)}, validation ${range(s.validation)}, test ${range(s.test)}`,
    `source    ${JSON.stringify(lineage.source)}`,
    ...lineage.transformations.map((t) => `          ${t}`),
    'columns',
    ...s.schema.map((x) => `  ${x.name.padEnd(28)} ${x.type.padEnd(9)} ${x.role}`),
    `data      ${pathOf(s.location)}`,
    '',
  ].join('\n');
}

const STRING_FLAGS = [
  ...['name', 'delimiter', 'columns', 'sort-by', 'dedupe', 'import', 'order', 'entity', 'step', 'windows', 'stats', 'ewma', 'lags', 'deltas'],
  ...['target', 'run-to-failure', 'cap', 'labels', 'horizon', 'test-units', 'validation-tail', 'dataset', 'use-case', 'limit'],
  ...['address', 'token', 'ca'],
];
const CLI_OPTIONS: Record<string, { type: 'string' } | { type: 'boolean' }> = {
  ...Object.fromEntries(STRING_FLAGS.map((k) => [k, { type: 'string' as const }])),
  'no-header': { type: 'boolean' },
  'allow-gaps': { type: 'boolean' },
  plaintext: { type: 'boolean' },
  help: { type: 'boolean' },
};

export async function runDataopsCli(argv: readonly string[], io: Io = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: CLI_OPTIONS });
  } catch (e) {
    io.stderr.write(`dataops: ${(e as Error).message.replace(/^Unknown option '([^']+)'.*/s, 'unknown flag $1')}\n${DATAOPS_CLI_USAGE}\n`);
    return 2;
  }
  const v = parsed.values as Values;
  const p = parsed.positionals;
  if (v.help === true || p.length === 0) {
    (v.help === true ? io.stdout : io.stderr).write(`${DATAOPS_CLI_USAGE}\n`);
    return v.help === true ? 0 : 2;
  }
  let conn: Connection | null = null;
  const c = () => (conn ??= connect(v, env));
  try {
    let out: string;
    if (p[0] === 'import' && p[1] !== undefined) out = await importFile(p[1], v, io, c);
    else if (p[0] === 'snapshot' && p[1] === 'create') out = await snapshotCreate(v, io, c);
    else if (p[0] === 'snapshot' && p[1] === 'list') out = await snapshotList(v, c);
    else if (p[0] === 'snapshot' && p[1] === 'show' && p[2] !== undefined) out = await snapshotShow(p[2], c);
    else throw new UsageError(`unknown command "${p.join(' ')}"\n${DATAOPS_CLI_USAGE}`);
    io.stdout.write(out);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof FileShapeError) {
      io.stderr.write(`dataops: ${e.message}\n`);
      return 2;
    }
    const d = describeCallError(e, conn ?? { address: '?', tls: '?' });
    io.stderr.write(`dataops: ${d.message}\n`);
    return d.code;
  } finally {
    (conn as Connection | null)?.client.close();
  }
}

if (process.argv[1]?.endsWith('/dataops/src/cli.ts')) process.exitCode = await runDataopsCli(process.argv.slice(2));
