// Snapshot files: a data file (Arrow IPC or CSV) plus a manifest (schema, lineage, splits,
// content hash, file hash), named by the snapshot id. Written once (exclusive create), so a
// snapshot is immutable; `loadSnapshot` refuses a file whose bytes no longer match.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  Float64,
  Int32,
  Table as ArrowTable,
  Uint8,
  Utf8,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  Field,
  Schema,
  type Vector,
} from 'apache-arrow';
import { parse as parseSync } from 'csv-parse/sync';
import { SnapshotIntegrityError, NotFoundError } from '../../domain/errors.ts';
import { canonicalChunks } from '../../domain/snapshot.ts';
import { emptyColumn, type ColumnData, type ColumnSpec, type Table } from '../../domain/table.ts';
import type { LoadedSnapshot, LoadSnapshotOptions, SnapshotFiles, SnapshotHeader, SnapshotManifest, WrittenSnapshot } from '../../ports.ts';

export type { LoadedSnapshot, LoadSnapshotOptions, SnapshotFormat, SnapshotHeader, SnapshotLineage, SnapshotManifest, WrittenSnapshot } from '../../ports.ts';

export function contentHashOf(header: SnapshotHeader, table: Table): string {
  const h = createHash('sha256');
  for (const chunk of canonicalChunks(header, table)) h.update(chunk);
  return h.digest('hex');
}

function toArrow(table: Table): ArrowTable {
  const fields: Field[] = [];
  const vectors: Record<string, Vector> = {};
  for (const c of table.columns) {
    const data = table.data[c.name] as ColumnData;
    const meta = new Map([
      ['industrial.type', c.type],
      ['industrial.role', c.role],
      ...(c.unit === undefined ? [] : [['industrial.unit', c.unit] as [string, string]]),
    ]);
    let v: Vector;
    switch (c.type) {
      case 'float64':
      case 'timestamp':
        v = makeVector(data as Float64Array);
        fields.push(new Field(c.name, new Float64(), false, meta));
        break;
      case 'int32':
        v = makeVector(data as Int32Array);
        fields.push(new Field(c.name, new Int32(), false, meta));
        break;
      case 'bool':
        v = makeVector(data as Uint8Array);
        fields.push(new Field(c.name, new Uint8(), false, meta));
        break;
      case 'utf8':
        v = vectorFromArray(data as string[], new Utf8());
        fields.push(new Field(c.name, new Utf8(), false, meta));
        break;
    }
    vectors[c.name] = v;
  }
  return new ArrowTable(new Schema(fields), vectors);
}

function fromArrow(bytes: Uint8Array, schema: ColumnSpec[], rows: number): Record<string, ColumnData> {
  const t = tableFromIPC(bytes);
  const data: Record<string, ColumnData> = {};
  for (const c of schema) {
    const child = t.getChild(c.name);
    if (child === null) throw new SnapshotIntegrityError(`snapshot file has no column "${c.name}"`);
    const out = emptyColumn(c.type, rows);
    if (Array.isArray(out)) {
      for (let i = 0; i < rows; i++) out[i] = String(child.get(i) ?? '');
    } else (out as Float64Array | Int32Array | Uint8Array).set(child.toArray() as ArrayLike<number>);
    data[c.name] = out;
  }
  return data;
}

const csvCell = (v: string | number): string => {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : String(v);
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
};

function toCsv(table: Table): Uint8Array {
  const lines = [table.columns.map((c) => csvCell(c.name)).join(',')];
  for (let i = 0; i < table.rowCount; i++) lines.push(table.columns.map((c) => csvCell((table.data[c.name] as ColumnData)[i] as string | number)).join(','));
  return Buffer.from(`${lines.join('\n')}\n`);
}

function fromCsv(bytes: Uint8Array, schema: ColumnSpec[], rows: number): Record<string, ColumnData> {
  const records = parseSync(Buffer.from(bytes), { from_line: 2, relax_column_count: false }) as string[][];
  if (records.length !== rows) throw new SnapshotIntegrityError(`snapshot file has ${records.length} rows, the manifest says ${rows}`);
  const data: Record<string, ColumnData> = {};
  schema.forEach((c, j) => {
    const out = emptyColumn(c.type, rows);
    for (let i = 0; i < rows; i++) {
      const cell = (records[i] as string[])[j] ?? '';
      (out as { [k: number]: unknown })[i] = c.type === 'utf8' ? cell : cell === '' ? Number.NaN : Number(cell);
    }
    data[c.name] = out;
  });
  return data;
}

/** Writes data + manifest under `dir`. An existing snapshot with the same id is left as is (same content). */
export function writeSnapshotFiles(dir: string, manifest: Omit<SnapshotManifest, 'file' | 'fileSha256'>, table: Table): WrittenSnapshot {
  mkdirSync(dir, { recursive: true });
  const file = `${manifest.snapshotId}.${manifest.format}`;
  const dataPath = join(dir, file);
  const manifestPath = join(dir, `${manifest.snapshotId}.manifest.json`);
  if (existsSync(manifestPath)) {
    return { manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as SnapshotManifest, dataPath, manifestPath };
  }
  const bytes = manifest.format === 'arrow' ? tableToIPC(toArrow(table), 'file') : toCsv(table);
  const full: SnapshotManifest = { ...manifest, file, fileSha256: createHash('sha256').update(bytes).digest('hex') };
  // Write to a temp name and rename: a crash never leaves a half-written snapshot under its id.
  writeFileSync(`${dataPath}.tmp`, bytes, { flag: 'w' });
  renameSync(`${dataPath}.tmp`, dataPath);
  writeFileSync(`${manifestPath}.tmp`, JSON.stringify(full, null, 2));
  renameSync(`${manifestPath}.tmp`, manifestPath);
  return { manifest: full, dataPath, manifestPath };
}

/**
 * Loads a snapshot by id (with `dir`) or by the path of its data file or manifest, verifying the
 * file hash and recomputing the content hash. Throws SnapshotIntegrityError when anything differs.
 */
export function loadSnapshot(idOrPath: string, options: LoadSnapshotOptions = {}): LoadedSnapshot {
  let manifestPath: string;
  if (/\.(arrow|csv)$/.test(idOrPath)) manifestPath = idOrPath.replace(/\.(arrow|csv)$/, '.manifest.json');
  else if (idOrPath.endsWith('.manifest.json')) manifestPath = idOrPath;
  else manifestPath = join(options.dir ?? '.', `${idOrPath}.manifest.json`);
  // Messages name files, never directories: they reach callers (GetDatasetSnapshot, training's StartRun).
  if (!existsSync(manifestPath)) throw new NotFoundError('snapshot', `snapshot manifest ${basename(manifestPath)}`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SnapshotManifest;
  const dataPath = join(dirname(manifestPath), basename(manifest.file));
  if (!existsSync(dataPath)) throw new NotFoundError('snapshot', `snapshot data file ${basename(dataPath)}`);
  const bytes = readFileSync(dataPath);
  const fileSha = createHash('sha256').update(bytes).digest('hex');
  if (fileSha !== manifest.fileSha256) {
    throw new SnapshotIntegrityError(
      `snapshot ${manifest.snapshotId}: ${basename(dataPath)} has sha256 ${fileSha}, but the snapshot was recorded with ${manifest.fileSha256}; the file was modified — refusing to load it`,
    );
  }
  const columns = manifest.format === 'arrow' ? fromArrow(bytes, manifest.schema, manifest.rowCount) : fromCsv(bytes, manifest.schema, manifest.rowCount);
  const header: SnapshotHeader = {
    formatVersion: manifest.formatVersion,
    rowCount: manifest.rowCount,
    schema: manifest.schema,
    lineage: manifest.lineage,
    splits: manifest.splits,
  };
  const recomputed = contentHashOf(header, { columns: manifest.schema, data: columns, rowCount: manifest.rowCount });
  if (recomputed !== manifest.contentHash) {
    throw new SnapshotIntegrityError(
      `snapshot ${manifest.snapshotId}: content hash is ${recomputed}, but the manifest records ${manifest.contentHash}; data or manifest was modified — refusing to load it`,
    );
  }
  if (options.expectedHash !== undefined && options.expectedHash !== manifest.contentHash) {
    throw new SnapshotIntegrityError(
      `snapshot ${manifest.snapshotId}: content hash is ${manifest.contentHash}, expected ${options.expectedHash} (as recorded in DatasetSnapshotCreated)`,
    );
  }
  return {
    snapshotId: manifest.snapshotId,
    datasetId: manifest.datasetId,
    contentHash: manifest.contentHash,
    rowCount: manifest.rowCount,
    columns,
    schema: manifest.schema,
    lineage: manifest.lineage,
    splits: manifest.splits,
    format: manifest.format,
    path: dataPath,
    manifest,
  };
}

/** The SnapshotFiles port on the local file system. */
export const snapshotFiles: SnapshotFiles = { contentHashOf, write: writeSnapshotFiles, load: loadSnapshot };
