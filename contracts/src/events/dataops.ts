// DataOps events (owner: dataops): dataset snapshots, labels and data-quality issues.
import { z } from 'zod';
import { Service, StreamFamily, defineContract } from '../contract.ts';
import { IsoDateTime, Ratio, Sha256Hex, Severity, TimeRange, UnsAssetPath, UnsToken, Uuid, ArtifactUri, text } from '../primitives.ts';

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
      assetPaths: z.array(UnsAssetPath).min(1),
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
  streamFamily: StreamFamily.Asset,
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
  streamFamily: StreamFamily.Source,
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
  streamFamily: StreamFamily.Source,
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
