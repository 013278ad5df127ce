// Dataset snapshots through @industrial/dataops' loadSnapshot (file hash and content hash checked).
// Maps its typed columns and split ranges to what the trainer needs; a missing snapshot is NOT_FOUND,
// a tampered one is refused (FAILED_PRECONDITION) — never trained on.
// The service's source reads by snapshot id only (a UUID, the contracts' id format), and only
// `<dir>/<id>.manifest.json` inside its snapshot directory: a path, `..`, a separator or anything
// else is INVALID_ARGUMENT naming `snapshot_id` before any file is touched. Reading a manifest or
// data file by path is the CLI's (loadSnapshotFile: the operator's own files), never a caller's.
import { dirname, join, resolve } from 'node:path';
import { Uuid } from '@industrial/contracts';
import { loadSnapshot, isDataopsError, type LoadedSnapshot } from '@industrial/dataops';
import { quoteValue } from '@industrial/grpc';
import { InvalidTrainingRequestError, SnapshotNotFoundError, TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
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
    splits: { kind: s.splits.kind, by: s.splits.by, train: s.splits.train, validation: s.splits.validation, test: s.splits.test, groups: s.splits.groups },
    source: (s.lineage.source as SnapshotData['source']) ?? null,
    window: s.lineage.window ?? null,
    ordered: s.lineage.ordered ?? null,
    windowSeconds: s.lineage.window === undefined ? null : s.lineage.window.windowMinutes * 60,
    units,
  };
}

/** dataops' errors as training's: a missing snapshot NOT_FOUND (`name` in the message), any other refusal FAILED_PRECONDITION. */
function load(manifestPath: string, name: string, expectedHash: string | undefined): SnapshotData {
  try {
    return snapshotDataOf(loadSnapshot(manifestPath, expectedHash === undefined ? {} : { expectedHash }));
  } catch (e) {
    if (isDataopsError(e) && e.code === 'NOT_FOUND') throw new SnapshotNotFoundError(name, { cause: e });
    if (isDataopsError(e)) throw new TrainingError(TrainingErrorCode.FailedPrecondition, 'snapshot_id', e.message, { cause: e });
    throw e;
  }
}

/** `<base>/<id>.manifest.json` for a snapshot id; INVALID_ARGUMENT (`snapshot_id`) for anything that is not one. */
export function manifestPathOf(base: string, snapshotId: string): string {
  const refuse = () =>
    new InvalidTrainingRequestError(
      'snapshot_id',
      `${quoteValue(snapshotId)} is not a snapshot id: expected a UUID (snapshots are read by id from the snapshot directory only)`,
      'invalid_snapshot_id',
    );
  if (!Uuid.safeParse(snapshotId).success) throw refuse();
  const path = join(base, `${snapshotId}.manifest.json`);
  // A UUID has no separator or dot, so this holds by construction; checked anyway (defence in depth).
  if (dirname(path) !== base) throw refuse();
  return path;
}

/** Snapshots by id from a dataops snapshot directory (the service's source; ids only, never paths). */
export function createDataopsSnapshotSource(dir: string): SnapshotSource {
  const base = resolve(dir);
  return {
    async load(snapshotId, options = {}) {
      const data = load(manifestPathOf(base, snapshotId), snapshotId, options.expectedHash);
      if (data.snapshotId.toLowerCase() !== snapshotId.toLowerCase())
        throw new TrainingError(
          TrainingErrorCode.FailedPrecondition,
          'snapshot_id',
          `the manifest stored under snapshot ${snapshotId} names snapshot ${data.snapshotId}`,
        );
      return data;
    },
  };
}

/** A snapshot by the path of its manifest or data file (the CLI: the operator's own files). */
export function loadSnapshotFile(path: string): SnapshotData {
  return load(path, path, undefined);
}
