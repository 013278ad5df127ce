// The dataops path from a shell, on local files (no server, no token): import a delimited file
// (delimiter detected or --delimiter, header or --columns, sort and de-duplicate), then create,
// list and show snapshots of ordered per-unit features with a derived target — in the snapshot
// format the training service and `npm run train -- --snapshot <id>` read (same directory,
// SNAPSHOT_DIR, default ./data/snapshots). Progress on stderr; results on stdout.
//
//   npm run dataops -- import train.txt --name engines --columns unit,cycle,s1,s2 --sort-by unit,cycle --dedupe unit,cycle
//   npm run dataops -- snapshot create --import engines --entity unit --order cycle --windows 5,20 --stats mean,slope \
//       --target rul --run-to-failure all --cap 125 --test-units 1,2,3
//   npm run dataops -- snapshot list | snapshot show <id>
//
// Exit codes: 0 done, 2 bad usage or a file that cannot be read as asked (the message says why).
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MlValidationError, ORDERED_STATISTICS, type OrderedStatistic } from '@industrial/ml';
import { contentHashOf, loadSnapshot, writeSnapshotFiles } from './adapters/files/snapshot-files.ts';
import { buildOrderedSnapshot, type OrderedSnapshotRequest } from './adapters/ml/ordered-snapshot.ts';
import { FileShapeError, delimiterName, readDelimited, sortAndDedupe, toCsvText } from './domain/delimited.ts';
import type { SnapshotHeader, SnapshotManifest } from './ports.ts';

export const DATAOPS_CLI_USAGE = `usage:
  dataops import <file> --name <name> [--delimiter auto|comma|semicolon|tab|pipe|whitespace|<char>] (default auto)
                 [--columns a,b,c (headerless file) | --no-header] [--sort-by a,b] [--dedupe a,b] [--imports-dir ./data/imports]
  dataops snapshot create --import <name> --order <column> [--entity <column>] [--step <n>] [--allow-gaps]
                 [--columns s1,s2 (default: every numeric column)] --windows 5,20 [--stats mean,std,min,max,last,slope (default mean,std,slope)]
                 [--ewma 10] [--lags 1] [--deltas 5]
                 [--target <name> (--run-to-failure all|<unit,unit>|column:<col> [--cap <n>] | --labels <col> --horizon <n>)]
                 [--test-units 1,2,3] [--validation-tail 0.2] [--imports-dir …] [--snapshot-dir ./data/snapshots]
  dataops snapshot list [--snapshot-dir …]
  dataops snapshot show <id> [--snapshot-dir …]`;

class UsageError extends Error {}

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;
const numbers = (v: unknown, flag: string): number[] | undefined => {
  const l = list(v);
  if (l === undefined) return undefined;
  const n = l.map(Number);
  if (n.some((x) => !Number.isFinite(x))) throw new UsageError(`${flag}: expected numbers separated by commas (got "${String(v)}")`);
  return n;
};

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };

function importFile(file: string, v: Record<string, unknown>, io: Io): string {
  if (typeof v.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(v.name))
    throw new UsageError('--name: give the import a name (letters, digits, "_" and "-")');
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
  const { table, removed } = sortAndDedupe(t, list(v['sort-by']) ?? [], list(v.dedupe) ?? []);
  const dir = resolve(typeof v['imports-dir'] === 'string' ? v['imports-dir'] : './data/imports');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${v.name}.csv`);
  writeFileSync(out, toCsvText(table));
  const info = {
    name: v.name,
    source: basename(path),
    sourceSha256: createHash('sha256').update(bytes).digest('hex'),
    delimiter: delimiterName(t.delimiter),
    header: t.header,
    columns: table.names,
    rows: table.rows.length,
    duplicatesRemoved: removed,
    sortedBy: list(v['sort-by']) ?? [],
    importedAt: new Date().toISOString(),
  };
  writeFileSync(join(dir, `${v.name}.json`), JSON.stringify(info, null, 2));
  return `imported ${info.rows} rows (${removed} duplicates removed) as "${v.name}"\ncolumns  ${table.names.join(', ')}\nfile     ${out}\n`;
}

function snapshotCreate(v: Record<string, unknown>, io: Io): string {
  if (typeof v.import !== 'string') throw new UsageError('--import: name the import to snapshot (see `dataops import`)');
  if (typeof v.order !== 'string') throw new UsageError('--order: name the column that orders each unit (a cycle number or a time)');
  const windows = numbers(v.windows, '--windows');
  if (windows === undefined) throw new UsageError('--windows: give one or more window lengths in steps, e.g. 5,20');
  const stats = (list(v.stats) ?? ['mean', 'std', 'slope']) as OrderedStatistic[];
  for (const s of stats)
    if (!(ORDERED_STATISTICS as readonly string[]).includes(s))
      throw new UsageError(`--stats: unknown statistic "${s}"; allowed: ${ORDERED_STATISTICS.join(', ')}`);
  const dir = resolve(typeof v['imports-dir'] === 'string' ? v['imports-dir'] : './data/imports');
  const csv = join(dir, `${v.import}.csv`);
  if (!existsSync(csv)) throw new UsageError(`--import: no import "${v.import}" in ${dir} (run \`dataops import <file> --name ${v.import}\` first)`);
  const info = JSON.parse(readFileSync(join(dir, `${v.import}.json`), 'utf8')) as { sourceSha256: string; delimiter: string };
  const table = readDelimited(readFileSync(csv, 'utf8'), { delimiter: ',', header: true });
  let target: OrderedSnapshotRequest['target'];
  if (typeof v.target === 'string') {
    if (typeof v.labels === 'string') {
      const horizon = Number(v.horizon);
      if (!(horizon > 0)) throw new UsageError('--horizon: give the horizon in steps of the order column (> 0)');
      target = { kind: 'within', name: v.target, labels: v.labels, horizon };
    } else {
      const r = v['run-to-failure'];
      if (typeof r !== 'string') throw new UsageError('--run-to-failure: say which units ran to failure: all, a list of units, or column:<failure column>');
      const runToFailure = r === 'all' ? ('all' as const) : r.startsWith('column:') ? { column: r.slice(7) } : numbers(r, '--run-to-failure')!;
      const cap = v.cap === undefined ? undefined : Number(v.cap);
      if (cap !== undefined && !(cap > 0)) throw new UsageError('--cap: must be a number > 0');
      target = { kind: 'remaining', name: v.target, runToFailure, ...(cap === undefined ? {} : { cap }) };
    }
  }
  const tail = v['validation-tail'] === undefined ? 0.2 : Number(v['validation-tail']);
  const t0 = Date.now();
  const snap = buildOrderedSnapshot(
    {
      table,
      order: v.order,
      ...(typeof v.entity === 'string' ? { entity: v.entity } : {}),
      ...(v.step === undefined ? {} : { step: Number(v.step) }),
      ...(v['allow-gaps'] === true ? { gaps: 'allow' as const } : {}),
      ...(list(v.columns) ? { columns: list(v.columns)! } : {}),
      windows,
      statistics: stats,
      ...(numbers(v.ewma, '--ewma') ? { ewma: numbers(v.ewma, '--ewma')! } : {}),
      ...(numbers(v.lags, '--lags') ? { lags: numbers(v.lags, '--lags')! } : {}),
      ...(numbers(v.deltas, '--deltas') ? { deltas: numbers(v.deltas, '--deltas')! } : {}),
      ...(target ? { target } : {}),
      ...(numbers(v['test-units'], '--test-units') ? { testUnits: numbers(v['test-units'], '--test-units')! } : {}),
      validationTail: tail,
    },
    (stage) => io.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${stage}\n`),
  );
  const header: SnapshotHeader = {
    formatVersion: 1,
    rowCount: snap.table.rowCount,
    schema: snap.table.columns,
    lineage: {
      source: { kind: 'import', name: v.import, fileSha256: info.sourceSha256, mapping: { delimiter: info.delimiter } },
      timeRange: null,
      transformations: snap.transformations,
      labels: { count: 0, ids: [] },
      codeVersion: 'dataops-cli',
      featureSetVersion: snap.spec.version,
      ordered: snap.spec,
    },
    splits: snap.splits,
  };
  io.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] writing the snapshot\n`);
  const snapshotId = randomUUID();
  const manifest: Omit<SnapshotManifest, 'file' | 'fileSha256'> = {
    ...header,
    snapshotId,
    datasetId: randomUUID(),
    contentHash: contentHashOf(header, snap.table),
    format: 'arrow',
    createdAt: new Date().toISOString(),
    createdBy: 'dataops-cli',
  };
  const sdir = resolve(typeof v['snapshot-dir'] === 'string' ? v['snapshot-dir'] : (process.env.SNAPSHOT_DIR ?? './data/snapshots'));
  const w = writeSnapshotFiles(sdir, manifest, snap.table);
  const s = snap.splits;
  return [
    `snapshot ${snapshotId}`,
    `rows      ${snap.table.rowCount} of ${snap.units} units; train ${s.train.end - s.train.start}, validation ${s.validation.end - s.validation.start}, test ${s.test.end - s.test.start} (test units: ${s.groups?.test.join(', ')})`,
    `features  ${snap.table.columns.filter((c) => c.role === 'feature').length}`,
    ...snap.transformations.map((x) => `          ${x}`),
    `manifest  ${w.manifestPath}`,
    `train it  npm run train -- --snapshot ${snapshotId}${target ? ` --target ${target.name}` : ''}${target?.kind === 'remaining' ? ' --param task=regression' : ''}`,
    '',
  ].join('\n');
}

function snapshotDir(v: Record<string, unknown>): string {
  return resolve(typeof v['snapshot-dir'] === 'string' ? v['snapshot-dir'] : (process.env.SNAPSHOT_DIR ?? './data/snapshots'));
}

function snapshotList(v: Record<string, unknown>): string {
  const dir = snapshotDir(v);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.manifest.json')) : [];
  const rows = files
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SnapshotManifest)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map(
      (m) =>
        `${m.snapshotId}  ${m.createdAt}  ${String(m.rowCount).padStart(8)} rows  ${m.lineage.source.kind}${'name' in m.lineage.source ? ` ${m.lineage.source.name}` : ''}`,
    );
  return rows.length === 0 ? `no snapshots in ${dir}\n` : `${rows.join('\n')}\n`;
}

function snapshotShow(id: string, v: Record<string, unknown>): string {
  const dir = snapshotDir(v);
  const s = loadSnapshot(join(dir, `${id}.manifest.json`));
  const m = s.manifest;
  const L = [
    `snapshot  ${m.snapshotId} (content sha256 ${m.contentHash}, verified)`,
    `created   ${m.createdAt} by ${m.createdBy}`,
    `rows      ${m.rowCount}; split ${m.splits.kind} by ${m.splits.by}: train ${m.splits.train.end - m.splits.train.start}, validation ${m.splits.validation.end - m.splits.validation.start}, test ${m.splits.test.end - m.splits.test.start}`,
    `source    ${JSON.stringify(m.lineage.source)}`,
    ...m.lineage.transformations.map((t) => `          ${t}`),
    'columns',
    ...m.schema.map((c) => `  ${c.name.padEnd(28)} ${c.type.padEnd(9)} ${c.role}`),
  ];
  if (statSync(s.path).size > 0) L.push(`data      ${s.path}`);
  return `${L.join('\n')}\n`;
}

const STRING_FLAGS = [
  'name',
  'delimiter',
  'columns',
  'sort-by',
  'dedupe',
  'imports-dir',
  'import',
  'order',
  'entity',
  'step',
  'windows',
  'stats',
  'ewma',
  'lags',
  'deltas',
  'target',
  'run-to-failure',
  'cap',
  'labels',
  'horizon',
  'test-units',
  'validation-tail',
  'snapshot-dir',
];
const CLI_OPTIONS: Record<string, { type: 'string' } | { type: 'boolean' }> = {
  ...Object.fromEntries(STRING_FLAGS.map((k) => [k, { type: 'string' as const }])),
  'no-header': { type: 'boolean' },
  'allow-gaps': { type: 'boolean' },
  help: { type: 'boolean' },
};

export function runDataopsCli(argv: readonly string[], io: Io = process): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: CLI_OPTIONS,
    });
  } catch (e) {
    io.stderr.write(`dataops: ${(e as Error).message.replace(/^Unknown option '([^']+)'.*/s, 'unknown flag $1')}\n${DATAOPS_CLI_USAGE}\n`);
    return 2;
  }
  const v: Record<string, string | boolean | undefined> = parsed.values as Record<string, string | boolean | undefined>;
  const p = parsed.positionals;
  if (v.help === true || p.length === 0) {
    (v.help === true ? io.stdout : io.stderr).write(`${DATAOPS_CLI_USAGE}\n`);
    return v.help === true ? 0 : 2;
  }
  try {
    let out: string;
    if (p[0] === 'import' && p[1] !== undefined) out = importFile(p[1], v, io);
    else if (p[0] === 'snapshot' && p[1] === 'create') out = snapshotCreate(v, io);
    else if (p[0] === 'snapshot' && p[1] === 'list') out = snapshotList(v);
    else if (p[0] === 'snapshot' && p[1] === 'show' && p[2] !== undefined) out = snapshotShow(p[2], v);
    else throw new UsageError(`unknown command "${p.join(' ')}"\n${DATAOPS_CLI_USAGE}`);
    io.stdout.write(out);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof FileShapeError || e instanceof MlValidationError || (e as { code?: string }).code === 'NOT_FOUND') {
      io.stderr.write(`dataops: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr.write(`dataops: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('/dataops/src/cli.ts')) process.exitCode = runDataopsCli(process.argv.slice(2));
