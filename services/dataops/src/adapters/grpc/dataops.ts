// gRPC adapter of dataops (industrial.dataops.v1.DataOpsService): edge validation of each request
// (INVALID_ARGUMENT naming the proto field), the permission each method needs, and the mapping
// between the app's results and the proto messages. The use cases live in app.ts.
import { Permission, type Resource } from '@industrial/access';
import { InvalidRequestError, clientStream, dataopsV1, defineService, fromSchema, protoFieldName, unary, type CallContext } from '@industrial/grpc';
import { z } from 'zod';
import type { WindowSpec } from '@industrial/ml';
import type { Actor, DataopsApp, SeriesResult, SnapshotSource } from '../../app.ts';
import type { CatalogHit, DatasetMetadata, TagMetadata } from '../../domain/catalog.ts';
import { DataopsError } from '../../domain/errors.ts';
import type { Aggregation } from '../../domain/resample.ts';
import type { ColumnSpec } from '../../domain/table.ts';
import type { SnapshotManifest } from '../files/snapshot-files.ts';

const { DataOpsServiceService, Aggregation: ProtoAggregation } = dataopsV1;

export const DATAOPS_SERVICE = 'industrial.dataops.v1.DataOpsService';

const ASSET_PATH = /^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/;
const TAG = /^[a-z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CATALOG_HITS = 1000;

const assetPath = z.string().regex(ASSET_PATH, 'must be an asset path "enterprise.site.area.line.asset"');
const uuid = z.string().regex(UUID, 'must be a UUID');
const optionalUuid = z.string().refine((v) => v === '' || UUID.test(v), 'must be a UUID (or empty)').transform((v) => (v === '' ? undefined : v));
const epochMs = z.number().int('must be an integer (epoch ms)').min(0, 'must be ≥ 0 (epoch ms)');
const accessLevel = z
  .string()
  .refine((v) => v === '' || v === 'public' || v === 'internal' || v === 'restricted', 'must be public, internal or restricted (or empty)')
  .transform((v) => (v === '' ? undefined : (v as 'public' | 'internal' | 'restricted')));

const AGG_FROM_PROTO: Record<number, Aggregation | undefined> = {
  [ProtoAggregation.AGGREGATION_MEAN]: 'mean',
  [ProtoAggregation.AGGREGATION_MIN]: 'min',
  [ProtoAggregation.AGGREGATION_MAX]: 'max',
  [ProtoAggregation.AGGREGATION_SUM]: 'sum',
  [ProtoAggregation.AGGREGATION_COUNT]: 'count',
  [ProtoAggregation.AGGREGATION_LAST]: 'last',
};
const AGG_TO_PROTO: Record<Aggregation, dataopsV1.Aggregation> = {
  mean: ProtoAggregation.AGGREGATION_MEAN,
  min: ProtoAggregation.AGGREGATION_MIN,
  max: ProtoAggregation.AGGREGATION_MAX,
  sum: ProtoAggregation.AGGREGATION_SUM,
  count: ProtoAggregation.AGGREGATION_COUNT,
  last: ProtoAggregation.AGGREGATION_LAST,
};
/** Unspecified → undefined (the tag's declared aggregation); an unknown number is refused. */
const aggregation = z.number().transform((a, ctx) => {
  if (a === ProtoAggregation.AGGREGATION_UNSPECIFIED) return undefined;
  const agg = AGG_FROM_PROTO[a];
  if (agg === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be one of AGGREGATION_MEAN, _MIN, _MAX, _SUM, _COUNT, _LAST (or unspecified)' });
    return z.NEVER;
  }
  return agg;
});

/** Plant location of an asset path (for location-scoped permissions). */
export function resourceOf(path: string): Resource {
  const [, site, area, line] = path.split('.');
  return { ...(site === undefined || site === '' ? {} : { site }), ...(area === undefined ? {} : { area }), ...(line === undefined ? {} : { line }) };
}

function actorOf(ctx: CallContext): Actor {
  return { subject: ctx.principal.subject, role: ctx.principal.roles[0] ?? 'none', correlationId: ctx.correlationId, traceparent: ctx.traceparent, method: ctx.method, transport: 'grpc' };
}

/** The app names fields in camelCase (`source.importId`); callers see proto names (`source.import_id`). */
async function edge<T>(work: () => Promise<T>, fieldMap: Record<string, string> = {}): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DataopsError && error.field !== null) {
      const mapped = fieldMap[error.field] ?? error.field.split('.').map(protoFieldName).join('.');
      if (mapped !== error.field) {
        const renamed = new DataopsError(error.code, error.message.startsWith(`${error.field}:`) ? `${mapped}:${error.message.slice(error.field.length + 1)}` : error.message, { field: mapped, cause: error });
        throw renamed;
      }
    }
    throw error;
  }
}

// ---- QueryTimeSeries ----------------------------------------------------------------------------

const queryInput = fromSchema(
  z
    .object({
      assetPath,
      tags: z.array(z.string().regex(TAG, 'must use lowercase letters, digits, "_" and "-" only')).min(1, 'name at least one tag').max(100, 'at most 100 tags'),
      fromMs: epochMs,
      toMs: epochMs,
      intervalMs: z.number().int().min(0),
      aggregation,
    })
    .refine((q) => q.toMs > q.fromMs, { message: 'must be after from_ms (the range is half-open [from_ms, to_ms))', path: ['toMs'] }),
);

function toProtoSeries(s: SeriesResult): dataopsV1.Series {
  return {
    tag: s.tag,
    unit: s.unit ?? '',
    aggregation: s.aggregation === null ? ProtoAggregation.AGGREGATION_UNSPECIFIED : AGG_TO_PROTO[s.aggregation],
    layer: s.layer,
    points: s.points.map((p) => ({ tMs: p.t, value: p.value ?? undefined, count: p.count, gap: p.gap })),
    raw: s.raw.map((r) => ({
      tsMs: r.ts,
      serverTsMs: r.serverTs,
      value: r.value ?? undefined,
      text: r.text ?? undefined,
      unit: r.unit ?? '',
      qualityCode: r.qualityCode,
      severity: r.severity,
    })),
  };
}

// ---- ImportCsv ----------------------------------------------------------------------------------

const HeaderSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  mappingJson: z.string().min(1, 'is required (the column mapping as JSON)').transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `is not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
      return z.NEVER;
    }
  }),
  datasetId: optionalUuid,
  accessLevel,
  description: z.string().max(1000, 'must be at most 1000 characters'),
});
type ImportHeader = z.output<typeof HeaderSchema>;
type ImportPart = { kind: 'header'; header: ImportHeader } | { kind: 'chunk'; bytes: Buffer };

const headerInput = fromSchema(HeaderSchema);

function importPart(m: dataopsV1.ImportCsvRequest, index: number): ImportPart {
  if (index === 0) {
    if (m.header === undefined) throw new InvalidRequestError('header', 'the first message must carry the header (name, mapping_json)');
    try {
      return { kind: 'header', header: headerInput(m.header) };
    } catch (e) {
      if (e instanceof InvalidRequestError) throw new InvalidRequestError(`header.${e.field}`, e.reason);
      throw e;
    }
  }
  if (m.header !== undefined) throw new InvalidRequestError('header', 'only the first message carries the header; the following ones carry chunks');
  if (m.chunk === undefined) throw new InvalidRequestError('chunk', 'is required after the header');
  return { kind: 'chunk', bytes: m.chunk };
}

const toProtoColumn = (c: ColumnSpec): dataopsV1.ColumnSpec => ({ name: c.name, type: c.type, role: c.role, unit: c.unit ?? '' });

// ---- Catalog ------------------------------------------------------------------------------------

function toProtoTag(t: TagMetadata): dataopsV1.TagMetadata {
  return {
    assetPath: t.assetPath,
    tag: t.tag,
    description: t.description,
    unit: t.unit ?? '',
    dataType: t.dataType,
    source: t.source,
    samplingIntervalMs: t.samplingIntervalMs ?? 0,
    owner: t.owner,
    accessLevel: t.accessLevel,
    rangeLow: t.range?.low,
    rangeHigh: t.range?.high,
    aggregation: AGG_TO_PROTO[t.aggregation],
  };
}

const toProtoDataset = (d: DatasetMetadata): dataopsV1.DatasetMetadata => ({
  datasetId: d.datasetId,
  name: d.name,
  description: d.description,
  owner: d.owner,
  accessLevel: d.accessLevel,
  source: d.source,
});

const toProtoHit = (h: CatalogHit): dataopsV1.CatalogHit =>
  h.kind === 'tag' ? { path: h.path, tag: toProtoTag(h.tag), dataset: undefined } : { path: h.path, tag: undefined, dataset: toProtoDataset(h.dataset) };

const searchInput = fromSchema(
  z.object({
    text: z.string().max(500),
    pathPrefix: z.string().max(300),
    limit: z.number().int().min(0).max(MAX_CATALOG_HITS, `must be at most ${MAX_CATALOG_HITS} (0 = 100)`),
  }),
);

/** Proto metadata → the app's patch: empty strings, 0 and unspecified mean "keep". */
function tagPatchInput(r: dataopsV1.UpsertTagMetadataRequest): Record<string, unknown> & { assetPath: string; tag: string } {
  const t = r.tag;
  if (t === undefined) throw new InvalidRequestError('tag', 'is required');
  if (!ASSET_PATH.test(t.assetPath)) throw new InvalidRequestError('tag.asset_path', 'must be an asset path "enterprise.site.area.line.asset"');
  if (!TAG.test(t.tag)) throw new InvalidRequestError('tag.tag', 'must use lowercase letters, digits, "_" and "-" only');
  if ((t.rangeLow === undefined) !== (t.rangeHigh === undefined)) throw new InvalidRequestError(t.rangeLow === undefined ? 'tag.range_low' : 'tag.range_high', 'give range_low and range_high together');
  if (t.rangeLow !== undefined && t.rangeHigh !== undefined && !(t.rangeHigh > t.rangeLow)) throw new InvalidRequestError('tag.range_high', 'must be above range_low');
  let agg: Aggregation | undefined;
  if (t.aggregation !== ProtoAggregation.AGGREGATION_UNSPECIFIED) {
    agg = AGG_FROM_PROTO[t.aggregation];
    if (agg === undefined) throw new InvalidRequestError('tag.aggregation', 'is not a known aggregation');
  }
  const patch: Record<string, unknown> & { assetPath: string; tag: string } = { assetPath: t.assetPath, tag: t.tag };
  for (const k of ['description', 'unit', 'dataType', 'source', 'owner', 'accessLevel'] as const) if (t[k] !== '') patch[k] = t[k];
  if (t.samplingIntervalMs !== 0) patch.samplingIntervalMs = t.samplingIntervalMs;
  if (t.rangeLow !== undefined && t.rangeHigh !== undefined) patch.range = { low: t.rangeLow, high: t.rangeHigh };
  if (agg !== undefined) patch.aggregation = agg;
  return patch;
}

// ---- Labels -------------------------------------------------------------------------------------

const labelInput = fromSchema(
  z
    .object({
      assetPath,
      label: z.string().regex(TAG, 'must use lowercase letters, digits, "_" and "-" only (1 to 64)'),
      fromMs: epochMs,
      toMs: epochMs,
      source: z.enum(['operator', 'engineer', 'maintenance-record'], { message: 'must be operator, engineer or maintenance-record' }),
      confidence: z.number().min(0, 'must be within 0..1').max(1, 'must be within 0..1'),
      useCaseId: optionalUuid,
      note: z.string().max(1000, 'must be at most 1000 characters'),
      labelId: optionalUuid,
    })
    .refine((l) => l.toMs > l.fromMs, { message: 'must be after from_ms', path: ['toMs'] }),
);

// ---- Snapshots ----------------------------------------------------------------------------------

const fraction = z.number().min(0).lt(1, 'must be below 1');
const snapshotInput = fromSchema(
  z
    .object({
      datasetId: uuid,
      useCaseId: uuid,
      importId: optionalUuid.optional(),
      historian: z
        .object({
          assetPaths: z.array(assetPath).min(1, 'name at least one asset'),
          tags: z.array(z.string().regex(TAG, 'must use lowercase letters, digits, "_" and "-" only')).min(1, 'name at least one tag'),
          fromMs: epochMs,
          toMs: epochMs,
          intervalMs: z.number().int().min(1, 'must be a positive interval in ms'),
          aggregation,
        })
        .refine((h) => h.toMs > h.fromMs, { message: 'must be after from_ms', path: ['toMs'] })
        .optional(),
      historianWindows: z
        .object({
          assetPaths: z.array(assetPath).min(1, 'name at least one asset'),
          fromMs: epochMs,
          toMs: epochMs,
          windowSpecJson: z.string().min(1, 'is required (an industrial-ml/window-spec/v1 JSON document)').transform((v, ctx) => {
            try {
              return JSON.parse(v) as unknown;
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: `is not JSON: ${e instanceof Error ? e.message : String(e)}` });
              return z.NEVER;
            }
          }),
          strideMinutes: z.number().int().min(1, 'must be a positive whole number of minutes'),
          targetLabel: z.string(),
          targetHorizonMinutes: z.number().int(),
          targetColumn: z.string(),
          targetKind: z.enum(['', 'within', 'time-to'], { message: 'must be "within" or "time-to" (or empty = within)' }),
        })
        .refine((h) => h.toMs > h.fromMs, { message: 'must be after from_ms', path: ['toMs'] })
        .refine((h) => h.targetLabel === '' || h.targetHorizonMinutes > 0, { message: 'must be > 0 when target_label is set', path: ['targetHorizonMinutes'] })
        .optional(),
      splitStratifyBy: z.string(),
      splitKind: z.enum(['chronological', 'group'], { message: 'must be chronological or group' }),
      splitBy: z.string().min(1, 'is required (the time/order column, or the group column)'),
      splitOrderBy: z.string(),
      trainFraction: fraction.refine((f) => f > 0, 'must be above 0'),
      validationFraction: fraction,
      format: z.enum(['', 'arrow', 'csv'], { message: 'must be arrow or csv (or empty = arrow)' }),
      featureSetVersion: z.string().refine((v) => v === '' || /^\d+\.\d+\.\d+$/.test(v), 'must be a semantic version such as "1.4.0" (or empty)'),
      accessLevel,
      assetPath: z.string().refine((v) => v === '' || ASSET_PATH.test(v), 'must be an asset path "enterprise.site.area.line.asset" (or empty)'),
    })
    .superRefine((r, ctx) => {
      if ([r.importId, r.historian, r.historianWindows].filter((x) => x !== undefined).length !== 1) ctx.addIssue({ code: 'custom', path: ['importId'], message: 'give exactly one source: import_id, historian or historian_windows' });
      if (r.splitStratifyBy !== '' && r.splitKind !== 'group') ctx.addIssue({ code: 'custom', path: ['splitStratifyBy'], message: 'only a group split can be stratified' });
      if (r.trainFraction + r.validationFraction >= 1) ctx.addIssue({ code: 'custom', path: ['validationFraction'], message: 'train_fraction + validation_fraction must leave a test split (< 1)' });
    }),
);

function toProtoSnapshot(m: SnapshotManifest, location: string): dataopsV1.Snapshot {
  const range = (r: { start: number; end: number }) => ({ start: r.start, end: r.end });
  return {
    snapshotId: m.snapshotId,
    datasetId: m.datasetId,
    contentHash: m.contentHash,
    fileSha256: (m as SnapshotManifest & { fileSha256?: string }).fileSha256 ?? '',
    format: m.format,
    location,
    rowCount: m.rowCount,
    schema: m.schema.map(toProtoColumn),
    lineageJson: JSON.stringify(m.lineage),
    splitKind: m.splits.kind,
    train: range(m.splits.train),
    validation: range(m.splits.validation),
    test: range(m.splits.test),
    createdAtMs: Date.parse(m.createdAt),
    createdBy: m.createdBy,
  };
}

const fileUri = (path: string): string => `file://${path.startsWith('/') ? '' : '/'}${path}`;

/** The DataOpsService methods and the permission each needs (see the .proto). */
export function dataopsService(app: DataopsApp) {
  return defineService(DataOpsServiceService, {
    queryTimeSeries: unary({
      permission: Permission.DataRead,
      input: queryInput,
      resource: (q) => resourceOf(q.assetPath),
      async handle(q, ctx): Promise<dataopsV1.QueryTimeSeriesResponse> {
        const series = await edge(
          () =>
            app.queryTimeSeries(
              {
                assetPath: q.assetPath,
                tags: q.tags,
                from: q.fromMs,
                to: q.toMs,
                ...(q.intervalMs === 0 ? {} : { intervalMs: q.intervalMs }),
                ...(q.aggregation === undefined ? {} : { aggregation: q.aggregation }),
              },
              ctx.principal,
              actorOf(ctx),
            ),
          { from: 'from_ms', to: 'to_ms' },
        );
        return { series: series.map(toProtoSeries) };
      },
    }),

    importCsv: clientStream({
      permission: Permission.DataWrite,
      input: importPart,
      async handle(stream: AsyncIterable<ImportPart>, ctx): Promise<dataopsV1.ImportCsvResponse> {
        const started = Date.now();
        const iterator = stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        if (first.done === true || first.value.kind !== 'header') throw new InvalidRequestError('header', 'the stream is empty: the first message must carry the header');
        const header = first.value.header;
        let chunks = 0;
        async function* bytes(): AsyncGenerator<Buffer> {
          for (;;) {
            const next = await iterator.next();
            if (next.done === true) return;
            if (next.value.kind === 'chunk') {
              chunks += 1;
              yield next.value.bytes;
            }
          }
        }
        // Parsed completely before anything is written; one transaction afterwards (app.importCsv).
        const r = await edge(
          () =>
            app.importCsv(
              {
                name: header.name,
                mapping: header.mappingJson,
                source: bytes(),
                signal: ctx.signal,
                ...(header.datasetId === undefined ? {} : { datasetId: header.datasetId }),
                ...(header.accessLevel === undefined ? {} : { accessLevel: header.accessLevel }),
                ...(header.description === '' ? {} : { description: header.description }),
              },
              actorOf(ctx),
            ),
          { mapping: 'header.mapping_json' },
        );
        return {
          importId: r.importId,
          rowCount: r.rowCount,
          fileSha256: r.fileSha256,
          bytes: r.bytes,
          columns: r.columns.map(toProtoColumn),
          chunks,
          durationMs: Date.now() - started,
        };
      },
    }),

    getQualityReport: unary({
      permission: Permission.DataRead,
      input: fromSchema(z.object({ assetPath: z.string().refine((p) => p === '' || /^[a-z0-9_-]+(\.[a-z0-9_-]+){0,4}$/.test(p), 'must be an asset path or a prefix of one (or empty)') })),
      resource: (q) => (q.assetPath === '' ? undefined : resourceOf(q.assetPath)),
      async handle(q): Promise<dataopsV1.GetQualityReportResponse> {
        const report = app.qualityReport(q.assetPath === '' ? {} : { assetPath: q.assetPath });
        return {
          tags: report.tags.map((t) => ({
            assetPath: t.assetPath,
            tag: t.tag,
            score: t.score,
            samples: t.samples,
            badShare: t.badShare,
            activeIssues: t.activeIssues.map((i) => ({ rule: i.rule, kind: i.kind, severity: i.severity, raisedAtMs: i.raisedAt, detail: i.detail })),
          })),
          assets: report.assets.map((a) => ({ assetPath: a.assetPath, score: a.score, tags: a.tags })),
        };
      },
    }),

    searchCatalog: unary({
      permission: Permission.DataRead,
      input: searchInput,
      async handle(q): Promise<dataopsV1.SearchCatalogResponse> {
        const hits = await app.searchCatalog({
          ...(q.text === '' ? {} : { text: q.text }),
          ...(q.pathPrefix === '' ? {} : { pathPrefix: q.pathPrefix }),
          limit: q.limit === 0 ? 100 : q.limit,
        });
        return { hits: hits.map(toProtoHit) };
      },
    }),

    upsertTagMetadata: unary({
      permission: Permission.DataWrite,
      input: tagPatchInput,
      resource: (p) => resourceOf(p.assetPath),
      async handle(patch, ctx): Promise<dataopsV1.UpsertTagMetadataResponse> {
        const stored = await edge(() => app.upsertTagMetadata(patch, actorOf(ctx)), {
          range: 'tag.range_low',
          'range.high': 'tag.range_high',
          samplingIntervalMs: 'tag.sampling_interval_ms',
          dataType: 'tag.data_type',
          accessLevel: 'tag.access_level',
          unit: 'tag.unit',
          description: 'tag.description',
          source: 'tag.source',
          owner: 'tag.owner',
          aggregation: 'tag.aggregation',
        });
        return { tag: toProtoTag(stored) };
      },
    }),

    recordLabel: unary({
      permission: Permission.LabelWrite,
      input: labelInput,
      resource: (l) => resourceOf(l.assetPath),
      async handle(l, ctx): Promise<dataopsV1.RecordLabelResponse> {
        return edge(
          () =>
            app.recordLabel(
              {
                assetPath: l.assetPath,
                label: l.label,
                from: new Date(l.fromMs).toISOString(),
                to: new Date(l.toMs).toISOString(),
                source: l.source,
                confidence: l.confidence === 0 ? 1 : l.confidence,
                useCaseId: l.useCaseId ?? null,
                ...(l.note === '' ? {} : { note: l.note }),
                ...(l.labelId === undefined ? {} : { labelId: l.labelId }),
              },
              actorOf(ctx),
            ),
          { from: 'from_ms', to: 'to_ms' },
        );
      },
    }),

    createDatasetSnapshot: unary({
      permission: Permission.DatasetCreate,
      input: snapshotInput,
      async handle(r, ctx): Promise<dataopsV1.CreateDatasetSnapshotResponse> {
        let source: SnapshotSource;
        if (r.importId !== undefined) source = { kind: 'import', importId: r.importId };
        else if (r.historianWindows !== undefined) {
          const w = r.historianWindows;
          source = {
            kind: 'historian-windows',
            assetPaths: w.assetPaths,
            from: new Date(w.fromMs).toISOString(),
            to: new Date(w.toMs).toISOString(),
            window: w.windowSpecJson as WindowSpec,
            strideMinutes: w.strideMinutes,
            ...(w.targetLabel === '' ? {} : {
              target: {
                label: w.targetLabel, horizonMinutes: w.targetHorizonMinutes,
                ...(w.targetColumn === '' ? {} : { column: w.targetColumn }), ...(w.targetKind === 'time-to' ? { kind: 'time-to' as const } : {}),
              },
            }),
          };
        } else {
          const h = r.historian as NonNullable<typeof r.historian>;
          source = {
            kind: 'historian',
            assetPaths: h.assetPaths,
            tags: h.tags,
            from: new Date(h.fromMs).toISOString(),
            to: new Date(h.toMs).toISOString(),
            intervalMs: h.intervalMs,
            ...(h.aggregation === undefined ? {} : { aggregation: h.aggregation }),
          };
        }
        const split =
          r.splitKind === 'chronological'
            ? { kind: 'chronological' as const, by: r.splitBy, train: r.trainFraction, validation: r.validationFraction }
            : {
                kind: 'group' as const, by: r.splitBy, train: r.trainFraction, validation: r.validationFraction,
                ...(r.splitOrderBy === '' ? {} : { orderBy: r.splitOrderBy }), ...(r.splitStratifyBy === '' ? {} : { stratifyBy: r.splitStratifyBy }),
              };
        const m = await edge(
          () =>
            app.createSnapshot(
              {
                datasetId: r.datasetId,
                useCaseId: r.useCaseId,
                source,
                split,
                ...(r.format === '' ? {} : { format: r.format }),
                ...(r.featureSetVersion === '' ? {} : { featureSetVersion: r.featureSetVersion }),
                ...(r.accessLevel === undefined ? {} : { accessLevel: r.accessLevel }),
                ...(r.assetPath === '' ? {} : { assetPath: r.assetPath }),
              },
              actorOf(ctx),
            ),
          r.historianWindows === undefined
            ? { 'source.importId': 'import_id', from: 'historian.from_ms', to: 'historian.to_ms', assetPaths: 'historian.asset_paths' }
            : {
                from: 'historian_windows.from_ms', to: 'historian_windows.to_ms', 'source.assetPaths': 'historian_windows.asset_paths', 'source.window': 'historian_windows.window_spec_json',
                'source.strideMinutes': 'historian_windows.stride_minutes', 'source.target.label': 'historian_windows.target_label',
                'source.target.horizonMinutes': 'historian_windows.target_horizon_minutes', 'source.target.column': 'historian_windows.target_column', 'source.target.kind': 'historian_windows.target_kind', 'split.stratifyBy': 'split_stratify_by',
              },
        );
        return { snapshot: toProtoSnapshot(m, m.location) };
      },
    }),

    getDatasetSnapshot: unary({
      permission: Permission.DataRead,
      input: fromSchema(z.object({ snapshotId: z.string().refine((v) => UUID.test(v) || /^[0-9a-f]{64}$/.test(v), 'must be a snapshot id (UUID) or a content hash (sha256 hex)') })),
      async handle(q, ctx): Promise<dataopsV1.GetDatasetSnapshotResponse> {
        // Restricted snapshots also need data.read_restricted; the read is recorded (app.getSnapshot).
        const s = await edge(() => app.getSnapshot(q.snapshotId, ctx.principal, actorOf(ctx)), { snapshotId: 'snapshot_id', snapshot: 'snapshot_id' });
        return { snapshot: toProtoSnapshot(s.manifest, fileUri(s.path)) };
      },
    }),
  });
}
