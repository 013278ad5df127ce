// DataOpsService snapshot methods: CreateDatasetSnapshot (exactly one source: an import, historian
// series or historian window features; a split; edge names of every field) and GetDatasetSnapshot
// (restricted snapshots need data.read_restricted; the read is recorded).
import { Permission } from '@industrial/access';
import { type dataopsV1, fromSchema, unary } from '@industrial/grpc';
import { z } from 'zod';
import type { DataopsApp } from '../../features/api.ts';
import type { SnapshotSource } from '../../features/snapshots.ts';
import type { SnapshotManifest, WindowSpec } from '../../ports.ts';
import { ASSET_PATH, TAG, UUID, accessLevel, aggregation, assetPath, causeOfCtx, edge, epochMs, optionalUuid, toProtoColumn, uuid, viaOf } from './common.ts';

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
      if ([r.importId, r.historian, r.historianWindows].filter((x) => x !== undefined).length !== 1)
        ctx.addIssue({ code: 'custom', path: ['importId'], message: 'give exactly one source: import_id, historian or historian_windows' });
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
        r.splitKind === 'chronological'
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
              split,
              ...(r.format === '' ? {} : { format: r.format }),
              ...(r.featureSetVersion === '' ? {} : { featureSetVersion: r.featureSetVersion }),
              ...(r.accessLevel === undefined ? {} : { accessLevel: r.accessLevel }),
              ...(r.assetPath === '' ? {} : { assetPath: r.assetPath }),
            },
            causeOfCtx(ctx),
          ),
        r.historianWindows === undefined
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
