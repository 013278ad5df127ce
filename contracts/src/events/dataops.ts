// DataOps events (owner: dataops): dataset snapshots, labels, data-quality issues and reads of
// restricted data.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Ratio, Role, Sha256Hex, Severity, Subject, TimeRange, UnsAssetPath, UnsToken, Uuid, ArtifactUri, text } from '../primitives.ts';
import { AccessTransport } from './access.ts';

export const datasetSnapshotCreated = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Dataset,
  description: 'An immutable, hashed snapshot of refined data and labels was created for training.',
  versions: [
    z.strictObject({
      datasetId: Uuid,
      snapshotId: Uuid,
      useCaseId: Uuid,
      timeRange: TimeRange,
      /**
       * Assets the rows come from. Empty for an offline file import that names no asset (an
       * external data set such as AI4I): no asset path is made up. (v1 edited in place before
       * any production record: it required at least one.)
       */
      assetPaths: z.array(UnsAssetPath),
      tags: z.array(UnsToken).min(1),
      rowCount: z.int().nonnegative(),
      labelCount: z.int().nonnegative(),
      /** Version of the feature code; inference must use the same one. */
      featureSetVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as "1.4.0"'),
      format: z.enum(['parquet', 'csv', 'arrow']),
      location: ArtifactUri,
      /** sha256 of the snapshot content; training records it so a model traces to exact data. */
      contentHash: Sha256Hex,
    }),
  ],
  upcasters: [],
});

export const labelRecorded = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Label,
  description: 'A label (what state the asset was in over a time window) was recorded.',
  versions: [
    z.strictObject({
      labelId: Uuid,
      assetPath: UnsAssetPath,
      useCaseId: Uuid.nullable(),
      /** Label class, e.g. `bearing-wear`, `normal`, `clogged-nozzle`. */
      label: UnsToken,
      window: TimeRange,
      source: z.enum(['operator', 'engineer', 'maintenance-record', 'simulator']),
      confidence: Ratio,
      note: text(1000).optional(),
    }),
  ],
  upcasters: [],
});

export const DataQualityIssueKind = z.enum(['stale', 'flatline', 'out-of-range', 'bad-quality', 'gap', 'spike', 'clock-skew']);

export const dataQualityIssueRaised = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Quality,
  description: 'A data-quality problem was detected on a tag (stale, flatline, out of range, …).',
  versions: [
    z.strictObject({
      issueId: Uuid,
      sourceId: Uuid,
      assetPath: UnsAssetPath,
      tag: UnsToken,
      kind: DataQualityIssueKind,
      severity: Severity,
      detectedAt: IsoDateTime,
      /** Plain-English detail for the engineer ("no new value for 12 min, expected every 1 s"). */
      detail: text(1000),
      /** Observed value that triggered the rule, when numeric. */
      observed: z.number().nullable(),
    }),
  ],
  upcasters: [],
});

export const dataQualityIssueCleared = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Quality,
  description: 'A data-quality issue was cleared (recovered by itself, fixed, or accepted).',
  versions: [
    z.strictObject({
      issueId: Uuid,
      sourceId: Uuid,
      clearedAt: IsoDateTime,
      resolution: z.enum(['recovered', 'fixed', 'accepted']),
      note: text(1000).optional(),
    }),
  ],
  upcasters: [],
});

/** Where in the plant the restricted data belongs; absent levels mean "none named". */
const ReadScope = z.strictObject({ site: UnsToken.optional(), area: UnsToken.optional(), line: UnsToken.optional() });

/**
 * Stream family: `access-<UTC date>` (StreamFamily.Access), next to AccessDenied. A restricted read
 * is an access decision that was allowed: auditors review who read what per day in one place
 * (replaying the `access-` prefix), tag reads have no dataset to attach to, and `dataset-<id>`
 * streams keep the dataset's lifecycle (snapshots) rather than every read of it.
 */
export const restrictedDataRead = defineContract({
  service: Service.DataOps,
  streamFamily: StreamFamily.Access,
  description: 'Restricted data (a restricted tag or dataset snapshot) was read by a caller holding data.read_restricted.',
  versions: [
    z.strictObject({
      actor: Subject,
      /** Every role of the caller (at least one grants data.read_restricted). */
      roles: z.array(Role).min(1),
      /** What was read: a tag's samples, or a dataset snapshot. */
      kind: z.enum(['tag', 'dataset-snapshot']),
      /** `<assetPath>.<tag>` for a tag, the snapshot id for a snapshot. */
      target: text(300),
      /** The dataset of a snapshot read; null for a tag. */
      datasetId: Uuid.nullable(),
      resource: ReadScope,
      /** gRPC full method (`/industrial.dataops.v1.DataOpsService/QueryTimeSeries`) or `in-process`. */
      method: text(200),
      transport: AccessTransport,
      readAt: IsoDateTime,
    }),
  ],
  upcasters: [],
});
