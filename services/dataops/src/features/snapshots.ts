// Use case: dataset snapshots — immutable, content-addressed tables for training, with lineage
// (where the rows came from, what was done to them, which labels) and a deterministic split.
// Three sources: a CSV import; historian series resampled onto a grid and contextualised (asset
// hierarchy, context tags, label windows: buildModelTable); or window features computed by the
// shared @industrial/ml function with an optional target from labels (historian-windows). The
// files are written first (SnapshotFiles port), then the registry and catalog entries, then
// DatasetSnapshotCreated in `dataset-<id>` (through the kernel; the same content gives the same
// ids, so a retry records nothing new). Loading verifies the hashes; a restricted dataset needs
// data.read_restricted and its read is recorded.
import { streamFor } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import { resourceOfAssetPath, type Cause, type Kernel } from '@industrial/kernel';
import type { DatasetMetadata } from '../domain/catalog.ts';
import { contextualise, type AssetSeries } from '../domain/context.ts';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.ts';
import { bucketStart, type Aggregation, type ResampledPoint } from '../domain/resample.ts';
import { applySplits, SplitSpecSchema, type SplitSpec } from '../domain/snapshot.ts';
import type { Table } from '../domain/table.ts';
import { toMs } from '../domain/time.ts';
import { describeTarget, targetColumnName, type WindowSample, type WindowTarget } from '../domain/window-target.ts';
import type {
  Historian,
  LoadedSnapshot,
  MetaStore,
  SnapshotFiles,
  SnapshotHeader,
  SnapshotLineage,
  SnapshotManifest,
  OrderedFeatures,
  WindowFeatures,
  WindowSpec,
} from '../ports.ts';
import { buildFromOrdered, type OrderedSource } from './ordered-snapshots.ts';
import type { Catalog } from './catalog.ts';
import type { ReadCall, RestrictedReads } from './restricted-reads.ts';
import type { QueryTimeSeries } from './time-series.ts';

export type SnapshotSource =
  | { kind: 'import'; importId: string }
  | { kind: 'historian'; assetPaths: string[]; tags: string[]; from: string; to: string; intervalMs: number; aggregation?: Aggregation }
  /**
   * Window features from raw historian samples (the @industrial/ml window spec, the same function
   * inference runs live), a row per asset every `strideMinutes`, with an optional target from labels.
   */
  | { kind: 'historian-windows'; assetPaths: string[]; from: string; to: string; window: WindowSpec; strideMinutes: number; target?: WindowTarget }
  /** Ordered per-unit features of an import with a derived target; its split names the test units (`split` is not used). */
  | OrderedSource;

export interface CreateSnapshotInput {
  datasetId: string;
  /** The use case the dataset serves (DatasetSnapshotCreated records it). */
  useCaseId: string;
  source: SnapshotSource;
  /** Required for every source but `ordered` (which splits by its named test units). */
  split?: SplitSpec;
  format?: 'arrow' | 'csv';
  featureSetVersion?: string;
  accessLevel?: 'public' | 'internal' | 'restricted';
  name?: string;
  description?: string;
  /** Asset the rows of an import come from, when its mapping names none; absent → no asset (empty assetPaths). */
  assetPath?: string;
}

export interface ModelTableQuery {
  assetPaths: string[];
  tags: string[];
  from: string;
  to: string;
  intervalMs: number;
  aggregation?: Aggregation;
}

export interface Snapshots {
  buildModelTable(q: ModelTableQuery): Promise<Table>;
  /** The manifest plus where the data file was written. */
  createSnapshot(input: CreateSnapshotInput, cause: Cause): Promise<SnapshotManifest & { location: string }>;
  /** Loads a snapshot, checking integrity; restricted datasets need data.read_restricted and the read is recorded. */
  getSnapshot(id: string, call?: ReadCall): Promise<LoadedSnapshot>;
  /** Snapshot manifests, newest first; restricted ones only when `withRestricted`. */
  listSnapshots(q: { datasetId?: string; limit: number; withRestricted: boolean }): Promise<Array<SnapshotManifest & { location: string }>>;
}

export interface SnapshotsDeps {
  kernel: Kernel;
  meta: MetaStore;
  historian: Historian;
  catalog: Catalog;
  queryTimeSeries: QueryTimeSeries;
  restricted: RestrictedReads;
  files: SnapshotFiles;
  windows: WindowFeatures;
  /** Ordered per-unit features (the `ordered` source); absent: that source is refused. */
  ordered?: OrderedFeatures;
  snapshotDir: string;
  codeVersion: string;
  now: () => Date;
}

/** What a source yields before the split: the rows and how they were made. */
interface Built {
  table: Table;
  lineage: SnapshotLineage;
  assetPaths: string[];
  timeRange: { from: string; to: string };
  labelIds: string[];
}

export function createSnapshots(deps: SnapshotsDeps): Snapshots {
  const { kernel, meta, historian, catalog, files, windows, now } = deps;
  const config = { snapshotDir: deps.snapshotDir, codeVersion: deps.codeVersion };

  async function buildModelTable(q: ModelTableQuery): Promise<Table> {
    const from = toMs('from', q.from);
    const to = toMs('to', q.to);
    if (to <= from) throw new InvalidArgumentError('to', 'must be after from');
    if (q.assetPaths.length === 0) throw new InvalidArgumentError('assetPaths', 'name at least one asset');
    const grid: number[] = [];
    for (let t = bucketStart(from, q.intervalMs); t < to; t += q.intervalMs) grid.push(t);
    const assets: AssetSeries[] = [];
    for (const assetPath of q.assetPaths) {
      const series = await historian.listSeries(assetPath);
      const numeric = new Map<string, ResampledPoint[]>();
      const context = new Map<string, Array<{ ts: number; value: string }>>();
      for (const tag of q.tags) {
        if (!series.some((s) => s.assetPath === assetPath && s.tag === tag)) continue; // missing tag → NaN column, not invented
        const tagMeta = await catalog.tag(assetPath, tag);
        if (tagMeta !== null && tagMeta.dataType === 'string') {
          const raw = await historian.readRaw({ assetPath, tag, from: from - 86_400_000, to });
          const changes: Array<{ ts: number; value: string }> = [];
          for (const s of raw) if (s.severity !== 'Bad' && s.text !== null && changes.at(-1)?.value !== s.text) changes.push({ ts: s.ts, value: s.text });
          context.set(tag, changes);
          continue;
        }
        const [r] = await deps.queryTimeSeries({
          assetPath,
          tags: [tag],
          from,
          to,
          intervalMs: q.intervalMs,
          ...(q.aggregation === undefined ? {} : { aggregation: q.aggregation }),
        });
        numeric.set(tag, r?.points ?? []);
      }
      for (const tag of q.tags) if (!numeric.has(tag) && !context.has(tag)) numeric.set(tag, []);
      assets.push({ assetPath, numeric, context });
    }
    const labels = (await Promise.all(q.assetPaths.map((a) => meta.listLabels({ assetPath: a, from, to })))).flat();
    return contextualise({ grid, intervalMs: q.intervalMs, assets, labels });
  }

  async function fromImport(input: CreateSnapshotInput, source: { importId: string }, split: SplitSpec, featureSetVersion: string): Promise<Built> {
    const imp = await meta.getImport(source.importId);
    if (imp === null) throw new NotFoundError('source.importId', `import ${source.importId}`);
    const table = imp.table;
    // An offline file names no asset unless its mapping or the caller does: none is made up.
    const asset = (imp.record.mapping as { assetPath?: string }).assetPath ?? input.assetPath;
    const timeCol = table.columns.find((c) => c.role === 'time');
    let timeRange: { from: string; to: string };
    if (timeCol !== undefined && table.rowCount > 0) {
      const t = table.data[timeCol.name] as Float64Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of t) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      timeRange = { from: new Date(lo).toISOString(), to: new Date(hi + 1).toISOString() };
    } else {
      // Order-only data (UDI, cycle) has no plant time: record the import time as the range.
      timeRange = { from: imp.record.importedAt, to: new Date(Date.parse(imp.record.importedAt) + 1).toISOString() };
    }
    const lineage: SnapshotLineage = {
      // Content, not ids: the same file with the same mapping gives the same hash whichever import holds it.
      source: { kind: 'import', name: imp.record.name, fileSha256: imp.record.fileSha256, mapping: imp.record.mapping },
      timeRange: timeCol === undefined ? null : timeRange,
      transformations: [`csv-import(mapping)`, `split(${split.kind} by ${split.by})`],
      labels: { count: 0, ids: [] },
      codeVersion: config.codeVersion,
      featureSetVersion,
    };
    return { table, lineage, assetPaths: asset === undefined ? [] : [asset], timeRange, labelIds: [] };
  }

  async function fromWindows(
    s: Extract<SnapshotSource, { kind: 'historian-windows' }>,
    split: SplitSpec,
    featureSetVersion: string | undefined,
  ): Promise<Built> {
    const spec = windows.check(s.window, s.strideMinutes, s.target);
    if (s.assetPaths.length === 0) throw new InvalidArgumentError('source.assetPaths', 'name at least one asset');
    const from = toMs('from', s.from);
    const to = toMs('to', s.to);
    if (!(to > from)) throw new InvalidArgumentError('to', 'must be after from');
    // Samples from one window before `from`: the first window ending in range is complete.
    const lookbackMs = spec.windowMinutes * 60_000;
    const tags = [...new Set(spec.features.map((f) => f.tag))];
    const assets = await Promise.all(
      [...new Set(s.assetPaths)].map(async (assetPath) => {
        const samples = new Map<string, WindowSample[]>();
        for (const tag of tags) {
          const raw = await historian.readRaw({ assetPath, tag, from: from - lookbackMs, to });
          samples.set(
            tag,
            raw.filter((r) => r.value !== null).map((r) => ({ timestampMs: r.ts, value: r.value as number, quality: r.severity === 'Good' ? 'good' : 'bad' })),
          );
        }
        return { assetPath, samples };
      }),
    );
    const horizonMs = (s.target?.horizonMinutes ?? 0) * 60_000;
    const labels = (await Promise.all(assets.map((a) => meta.listLabels({ assetPath: a.assetPath, from: from - lookbackMs, to: to + horizonMs })))).flat();
    const table = windows.table({ spec, strideMinutes: s.strideMinutes, from, to, assets, labels, ...(s.target === undefined ? {} : { target: s.target }) });
    if (table.rowCount === 0)
      throw new InvalidArgumentError('from', `no complete ${spec.windowMinutes}-minute window ends between from and to for these assets`);
    const labelIds = labels
      .filter((l) => s.target === undefined || l.label === s.target.label)
      .map((l) => l.labelId)
      .sort();
    const assetPaths = assets.map((a) => a.assetPath).sort();
    const timeRange = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const target =
      s.target === undefined
        ? null
        : {
            label: s.target.label,
            horizonMinutes: s.target.horizonMinutes,
            column: targetColumnName(s.target),
            ...(s.target.kind === 'time-to' ? { kind: 'time-to' as const } : {}),
          };
    const lineage: SnapshotLineage = {
      source: { kind: 'historian-windows', assetPaths, tags: [...tags].sort(), strideMinutes: s.strideMinutes, target },
      timeRange,
      transformations: [
        `window features (${spec.format} ${spec.version}: ${spec.windowMinutes} min on a ${spec.gridMinutes}-min grid, every ${s.strideMinutes} min, Bad samples excluded)`,
        ...(s.target === undefined ? [] : [describeTarget(s.target)]),
        `split(${split.kind} by ${split.by})`,
      ],
      labels: { count: labelIds.length, ids: labelIds },
      codeVersion: config.codeVersion,
      featureSetVersion: featureSetVersion ?? spec.version,
      window: spec,
    };
    return { table, lineage, assetPaths, timeRange, labelIds };
  }

  async function fromHistorian(s: Extract<SnapshotSource, { kind: 'historian' }>, split: SplitSpec, featureSetVersion: string): Promise<Built> {
    const aggregation = s.aggregation ?? 'mean';
    const table = await buildModelTable({ assetPaths: s.assetPaths, tags: s.tags, from: s.from, to: s.to, intervalMs: s.intervalMs, aggregation });
    const labels = (await Promise.all(s.assetPaths.map((a) => meta.listLabels({ assetPath: a, from: toMs('from', s.from), to: toMs('to', s.to) })))).flat();
    const labelIds = labels.map((l) => l.labelId).sort();
    const assetPaths = [...s.assetPaths].sort();
    const timeRange = { from: new Date(toMs('from', s.from)).toISOString(), to: new Date(toMs('to', s.to)).toISOString() };
    const lineage: SnapshotLineage = {
      source: { kind: 'historian', assetPaths, tags: [...s.tags].sort(), intervalMs: s.intervalMs, aggregation },
      timeRange,
      transformations: [
        `resample(${s.intervalMs} ms, ${aggregation}, gaps as NaN)`,
        'contextualise(asset hierarchy, context tags, label windows)',
        `split(${split.kind} by ${split.by})`,
      ],
      labels: { count: labelIds.length, ids: labelIds },
      codeVersion: config.codeVersion,
      featureSetVersion,
    };
    return { table, lineage, assetPaths, timeRange, labelIds };
  }

  async function createSnapshot(input: CreateSnapshotInput, cause: Cause): Promise<SnapshotManifest & { location: string }> {
    const format = input.format ?? 'arrow';
    const featureSetVersion = input.featureSetVersion ?? '1.0.0';
    const s = input.source;
    let built: Built;
    let ordered: Table;
    let splits: SnapshotHeader['splits'];
    if (s.kind === 'ordered') {
      if (deps.ordered === undefined) throw new InvalidArgumentError('source', 'ordered snapshots are not served here');
      const o = await buildFromOrdered({ meta, ordered: deps.ordered, codeVersion: config.codeVersion }, s, featureSetVersion);
      const at = o.importedAt;
      built = {
        table: o.built.table,
        lineage: o.lineage,
        assetPaths: input.assetPath === undefined ? [] : [input.assetPath],
        timeRange: { from: at, to: new Date(Date.parse(at) + 1).toISOString() },
        labelIds: [],
      };
      ordered = o.built.table;
      splits = o.built.splits;
    } else {
      const parsedSplit = SplitSpecSchema.safeParse(input.split);
      if (!parsedSplit.success)
        throw new InvalidArgumentError(`split.${parsedSplit.error.issues[0]?.path.join('.') ?? ''}`, parsedSplit.error.issues[0]?.message ?? 'invalid');
      const split = parsedSplit.data;
      built =
        s.kind === 'import'
          ? await fromImport(input, s, split, featureSetVersion)
          : s.kind === 'historian-windows'
            ? await fromWindows(s, split, input.featureSetVersion)
            : await fromHistorian(s, split, featureSetVersion);
      ({ table: ordered, splits } = applySplits(built.table, split));
    }
    const header: SnapshotHeader = { formatVersion: 1, rowCount: ordered.rowCount, schema: ordered.columns, lineage: built.lineage, splits };
    const contentHash = files.contentHashOf(header, ordered);
    const snapshotId = uuidFromKey(`snapshot:${contentHash}:${format}`);
    const written = files.write(
      config.snapshotDir,
      { ...header, snapshotId, datasetId: input.datasetId, contentHash, format, createdAt: now().toISOString(), createdBy: cause.actor },
      ordered,
    );
    const accessLevel = input.accessLevel ?? (await meta.getDataset(input.datasetId))?.accessLevel ?? 'internal';
    await meta.putSnapshot({
      snapshotId,
      datasetId: input.datasetId,
      contentHash,
      location: written.dataPath,
      format,
      rowCount: ordered.rowCount,
      accessLevel,
      createdAt: written.manifest.createdAt,
      manifest: written.manifest,
    });
    const existing = await meta.getDataset(input.datasetId);
    const dataset: DatasetMetadata = {
      datasetId: input.datasetId,
      name: input.name ?? existing?.name ?? input.datasetId,
      description: input.description ?? existing?.description ?? '',
      owner: existing?.owner ?? cause.actor,
      accessLevel,
      source: built.assetPaths.length > 0 ? built.assetPaths.join(',') : `import:${s.kind === 'import' || s.kind === 'ordered' ? s.importId : ''}`,
      updatedAt: now().toISOString(),
    };
    await meta.upsertDataset(dataset);
    const location = `file://${written.dataPath.startsWith('/') ? '' : '/'}${written.dataPath}`;
    const tags = ordered.columns
      .filter((c) => c.role === 'feature')
      .map((c) =>
        c.name
          .toLowerCase()
          .replace(/[^a-z0-9_-]+/g, '_')
          .slice(0, 64),
      );
    const data = {
      datasetId: input.datasetId,
      snapshotId,
      useCaseId: input.useCaseId,
      timeRange: built.timeRange,
      assetPaths: built.assetPaths,
      tags: tags.length > 0 ? tags : ['none'],
      rowCount: ordered.rowCount,
      labelCount: built.labelIds.length,
      featureSetVersion,
      format,
      location,
      contentHash,
    };
    const id = uuidFromKey(`snapshot-event:${input.datasetId}:${snapshotId}`);
    await kernel.append(streamFor('DatasetSnapshotCreated', input.datasetId), [{ type: 'DatasetSnapshotCreated', data, id }], cause);
    return { ...written.manifest, location };
  }

  async function getSnapshot(id: string, call?: ReadCall): Promise<LoadedSnapshot> {
    const record = await meta.getSnapshot(id);
    if (record === null) throw new NotFoundError('snapshotId', `snapshot ${id}`);
    if (record.accessLevel === 'restricted') {
      const source = (record.manifest as SnapshotManifest).lineage.source;
      const first = source.kind === 'historian' ? source.assetPaths[0] : undefined;
      await deps.restricted.authorize(
        call,
        { kind: 'dataset-snapshot', target: record.snapshotId, datasetId: record.datasetId },
        first === undefined ? undefined : resourceOfAssetPath(first),
      );
    }
    return files.load(record.snapshotId, { dir: config.snapshotDir, expectedHash: record.contentHash });
  }

  async function listSnapshots(q: { datasetId?: string; limit: number; withRestricted: boolean }) {
    const records = await meta.listSnapshots({ ...(q.datasetId === undefined ? {} : { datasetId: q.datasetId }), limit: q.limit });
    return records
      .filter((r) => q.withRestricted || r.accessLevel !== 'restricted')
      .map((r) => ({ ...(r.manifest as SnapshotManifest), location: `file://${r.location.startsWith('/') ? '' : '/'}${r.location}` }));
  }

  return { buildModelTable, createSnapshot, getSnapshot, listSnapshots };
}
