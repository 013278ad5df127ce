// Dataset snapshots through @industrial/dataops' loadSnapshot (file hash and content hash checked).
// Maps its typed columns and split ranges to what the trainer needs; a missing snapshot is NOT_FOUND,
// a tampered one is refused (FAILED_PRECONDITION) — never trained on.
import { loadSnapshot, isDataopsError, type LoadedSnapshot } from '@industrial/dataops';
import { SnapshotNotFoundError, TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
import type { SnapshotData, SnapshotSource } from '../../ports.ts';

export function snapshotDataOf(s: LoadedSnapshot): SnapshotData {
  const units: Record<string, string> = {};
  for (const c of s.schema) if (c.unit !== undefined) units[c.name] = c.unit;
  return {
    snapshotId: s.snapshotId,
    datasetId: s.datasetId,
    contentHash: s.contentHash,
    featureSetVersion: s.lineage.featureSetVersion,
    rowCount: s.rowCount,
    columns: s.columns,
    featureColumns: s.schema.filter((c) => c.role === 'feature').map((c) => c.name),
    splits: { kind: s.splits.kind, by: s.splits.by, train: s.splits.train, validation: s.splits.validation, test: s.splits.test },
    window: s.lineage.window ?? null,
    windowSeconds: s.lineage.window === undefined ? null : s.lineage.window.windowMinutes * 60,
    units,
  };
}

/** Snapshots by id from a dataops snapshot directory, or by the path of a manifest / data file. */
export function createDataopsSnapshotSource(dir: string): SnapshotSource {
  return {
    async load(idOrPath, options = {}) {
      try {
        return snapshotDataOf(loadSnapshot(idOrPath, { dir, ...(options.expectedHash === undefined ? {} : { expectedHash: options.expectedHash }) }));
      } catch (e) {
        if (isDataopsError(e) && e.code === 'NOT_FOUND') throw new SnapshotNotFoundError(idOrPath, { cause: e });
        if (isDataopsError(e)) throw new TrainingError(TrainingErrorCode.FailedPrecondition, 'snapshot_id', e.message, { cause: e });
        throw e;
      }
    },
  };
}
