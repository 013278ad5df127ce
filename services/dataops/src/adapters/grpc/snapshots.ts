// DataOpsService snapshot methods: CreateDatasetSnapshot (exactly one source: an import, historian
// series or historian window features; a split; edge names of every field) and GetDatasetSnapshot
// (restricted snapshots need data.read_restricted; the read is recorded).
import { Permission } from '@industrial/access';
import { type dataopsV1, fromSchema, unary } from '@industrial/grpc';
import { z } from 'zod';
import type { DataopsApp } from '../../features/api.ts';
import type { SnapshotSource } from '../../features/snapshots.ts';
import { ORDERED_STATISTICS } from '@industrial/ml';
import type { SnapshotManifest, WindowSpec } from '../../ports.ts';
import { ASSET_PATH, TAG, UUID, accessLevel, aggregation, assetPath, causeOfCtx, edge, epochMs, optionalUuid, toProtoColumn, uuid, viaOf } from './common.ts';

const fraction = z.number().min(0).lt(1, 'must be below 1');
const steps = z.array(z.number().int().min(1, 'must be whole steps > 0'));
const ordered = z
  .object({
    importId: uuid,
    entity: z.string(),
    order: z.string().min(1, 'is required (the column ordering each unit: a cycle number or a time)'),
    step: z.number().min(0, 'must be > 0 (or 0: from the data)'),
    allowGaps: z.boolean(),
    columns: z.array(z.string().min(1)),
    windows: steps.min(1, 'give one or more window lengths in steps, e.g. 5, 20'),
    statistics: z.array(z.enum(ORDERED_STATISTICS, { message: `must be one of ${ORDERED_STATISTICS.join(', ')}` })),
    ewma: steps,
    lags: steps,
    deltas: steps,
    target: z
      .object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a column name (letters, digits, "_")'),
        kind: z.enum(['remaining', 'within'], { message: 'must be "remaining" (steps to the end of the run) or "within" (a failure within a horizon)' }),
        runToFailure: z.string(),
        cap: z.number().min(0, 'must be > 0 (or 0: no cap)'),
        labels: z.string(),
        horizon: z.number().min(0),
      })
      .superRefine((t, ctx) => {
        if (t.kind === 'remaining' && !/^(all|column:.+|-?\d+(\.\d+)?(,-?\d+(\.\d+)?)*)$/.test(t.runToFailure))
          ctx.addIssue({
            code: 'custom',
            path: ['runToFailure'],
            message: 'say which units ran to failure: "all", unit numbers "1,2,3" or "column:<failure column>"',
          });
        if (t.kind === 'within' && t.labels === '')
          ctx.addIssue({ code: 'custom', path: ['labels'], message: 'is required: the label column (non-zero = failure)' });
        if (t.kind === 'within' && !(t.horizon > 0)) ctx.addIssue({ code: 'custom', path: ['horizon'], message: 'must be > 0 steps of the order column' });
      })
      .optional(),
    testUnits: z.array(z.number()),
    validationTail: fraction,
  })
  .optional();
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
          windowSpecJson: z
            .string()
            .min(1, 'is required (an industrial-ml/window-spec/v1 JSON document)')
            .transform((v, ctx) => {
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
      ordered,
      splitStratifyBy: z.string(),
      splitKind: z.enum(['', 'chronological', 'group'], { message: 'must be chronological or group' }),
      splitBy: z.string(),
      splitOrderBy: z.string(),
      trainFraction: fraction,
      validationFraction: fraction,
      format: z.enum(['', 'arrow', 'csv'], { message: 'must be arrow or csv (or empty = arrow)' }),
      featureSetVersion: z.string().refine((v) => v === '' || /^\d+\.\d+\.\d+$/.test(v), 'must be a semantic version such as "1.4.0" (or empty)'),
      accessLevel,
      assetPath: z.string().refine((v) => v === '' || ASSET_PATH.test(v), 'must be an asset path "enterprise.site.area.line.asset" (or empty)'),
    })
    .superRefine((r, ctx) => {
      if ([r.importId, r.historian, r.historianWindows, r.ordered].filter((x) => x !== undefined).length !== 1)
        ctx.addIssue({ code: 'custom', path: ['importId'], message: 'give exactly one source: import_id, historian, historian_windows or ordered' });
      if (r.ordered !== undefined) return; // split by its named test units: the split fields are not used
      if (r.splitKind === '') ctx.addIssue({ code: 'custom', path: ['splitKind'], message: 'must be chronological or group' });
      if (r.splitBy === '') ctx.addIssue({ code: 'custom', path: ['splitBy'], message: 'is required (the time/order column, or the group column)' });
      if (!(r.trainFraction > 0)) ctx.addIssue({ code: 'custom', path: ['trainFraction'], message: 'must be above 0' });
      if (r.splitStratifyBy !== '' && r.splitKind !== 'group')
        ctx.addIssue({ code: 'custom', path: ['splitStratifyBy'], message: 'only a group split can be stratified' });
      if (r.trainFraction + r.validationFraction >= 1)
        ctx.addIssue({ code: 'custom', path: ['validationFraction'], message: 'train_fraction + validation_fraction must leave a test split (< 1)' });
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

export const createDatasetSnapshotMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DatasetCreate,
    input: snapshotInput,
    async handle(r, ctx): Promise<dataopsV1.CreateDatasetSnapshotResponse> {
      let source: SnapshotSource;
      if (r.ordered !== undefined) source = orderedSource(r.ordered);
      else if (r.importId !== undefined) source = { kind: 'import', importId: r.importId };
      else if (r.historianWindows !== undefined) {
        const w = r.historianWindows;
        source = {
          kind: 'historian-windows',
          assetPaths: w.assetPaths,
          from: new Date(w.fromMs).toISOString(),
          to: new Date(w.toMs).toISOString(),
          window: w.windowSpecJson as WindowSpec,
          strideMinutes: w.strideMinutes,
          ...(w.targetLabel === ''
            ? {}
            : {
                target: {
                  label: w.targetLabel,
                  horizonMinutes: w.targetHorizonMinutes,
                  ...(w.targetColumn === '' ? {} : { column: w.targetColumn }),
                  ...(w.targetKind === 'time-to' ? { kind: 'time-to' as const } : {}),
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
        r.ordered !== undefined
          ? undefined
          : r.splitKind === 'chronological'
            ? { kind: 'chronological' as const, by: r.splitBy, train: r.trainFraction, validation: r.validationFraction }
            : {
                kind: 'group' as const,
                by: r.splitBy,
                train: r.trainFraction,
                validation: r.validationFraction,
                ...(r.splitOrderBy === '' ? {} : { orderBy: r.splitOrderBy }),
                ...(r.splitStratifyBy === '' ? {} : { stratifyBy: r.splitStratifyBy }),
              };
      const m = await edge(
        () =>
          app.createSnapshot(
            {
              datasetId: r.datasetId,
              useCaseId: r.useCaseId,
              source,
              ...(split === undefined ? {} : { split }),
              ...(r.format === '' ? {} : { format: r.format }),
              ...(r.featureSetVersion === '' ? {} : { featureSetVersion: r.featureSetVersion }),
              ...(r.accessLevel === undefined ? {} : { accessLevel: r.accessLevel }),
              ...(r.assetPath === '' ? {} : { assetPath: r.assetPath }),
            },
            causeOfCtx(ctx),
          ),
        r.ordered !== undefined
          ? { 'source.importId': 'ordered.import_id' }
          : r.historianWindows === undefined
            ? { 'source.importId': 'import_id', from: 'historian.from_ms', to: 'historian.to_ms', assetPaths: 'historian.asset_paths' }
            : {
                from: 'historian_windows.from_ms',
                to: 'historian_windows.to_ms',
                'source.assetPaths': 'historian_windows.asset_paths',
                'source.window': 'historian_windows.window_spec_json',
                'source.strideMinutes': 'historian_windows.stride_minutes',
                'source.target.label': 'historian_windows.target_label',
                'source.target.horizonMinutes': 'historian_windows.target_horizon_minutes',
                'source.target.column': 'historian_windows.target_column',
                'source.target.kind': 'historian_windows.target_kind',
                'split.stratifyBy': 'split_stratify_by',
              },
      );
      return { snapshot: toProtoSnapshot(m, m.location) };
    },
  });

const getInput = fromSchema(
  z.object({ snapshotId: z.string().refine((v) => UUID.test(v) || /^[0-9a-f]{64}$/.test(v), 'must be a snapshot id (UUID) or a content hash (sha256 hex)') }),
);

export const getDatasetSnapshotMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: getInput,
    async handle(q, ctx): Promise<dataopsV1.GetDatasetSnapshotResponse> {
      // Restricted snapshots also need data.read_restricted; the read is recorded (app.getSnapshot).
      const s = await edge(() => app.getSnapshot(q.snapshotId, ctx.principal, viaOf(ctx)), { snapshotId: 'snapshot_id', snapshot: 'snapshot_id' });
      return { snapshot: toProtoSnapshot(s.manifest, fileUri(s.path)) };
    },
  });

type OrderedInput = NonNullable<ReturnType<typeof snapshotInput>['ordered']>;

/** The request's ordered source as the use case's (empty fields: the defaults). */
function orderedSource(o: OrderedInput): SnapshotSource {
  const t = o.target;
  const target =
    t === undefined
      ? undefined
      : t.kind === 'within'
        ? { kind: 'within' as const, name: t.name, labels: t.labels, horizon: t.horizon }
        : {
            kind: 'remaining' as const,
            name: t.name,
            runToFailure:
              t.runToFailure === 'all'
                ? ('all' as const)
                : t.runToFailure.startsWith('column:')
                  ? { column: t.runToFailure.slice(7) }
                  : t.runToFailure.split(',').map(Number),
            ...(t.cap > 0 ? { cap: t.cap } : {}),
          };
  return {
    kind: 'ordered',
    importId: o.importId,
    ...(o.entity === '' ? {} : { entity: o.entity }),
    order: o.order,
    ...(o.step > 0 ? { step: o.step } : {}),
    ...(o.allowGaps ? { gaps: 'allow' as const } : {}),
    ...(o.columns.length > 0 ? { columns: o.columns } : {}),
    windows: o.windows,
    statistics: o.statistics.length > 0 ? o.statistics : ['mean', 'std', 'slope'],
    ...(o.ewma.length > 0 ? { ewma: o.ewma } : {}),
    ...(o.lags.length > 0 ? { lags: o.lags } : {}),
    ...(o.deltas.length > 0 ? { deltas: o.deltas } : {}),
    ...(target === undefined ? {} : { target }),
    ...(o.testUnits.length > 0 ? { testUnits: o.testUnits } : {}),
    validationTail: o.validationTail > 0 ? o.validationTail : 0.2,
  };
}

const listInput = fromSchema(
  z.object({
    datasetId: z.string().refine((v) => v === '' || UUID.test(v), 'must be a dataset id (UUID) or empty'),
    limit: z.number().int().max(1000, 'must be at most 1000'),
  }),
);

export const listDatasetSnapshotsMethod = (app: DataopsApp) =>
  unary({
    permission: Permission.DataRead,
    input: listInput,
    async handle(q, ctx): Promise<dataopsV1.ListDatasetSnapshotsResponse> {
      const list = await app.listSnapshots({ ...(q.datasetId === '' ? {} : { datasetId: q.datasetId }), limit: q.limit === 0 ? 100 : q.limit }, ctx.principal);
      return { snapshots: list.map((m) => toProtoSnapshot(m, m.location)) };
    },
  });
