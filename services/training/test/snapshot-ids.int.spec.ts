// Snapshot ids, never paths (issue 18): StartTraining over gRPC, the app's start use case (what the
// launchers and retraining call) and the snapshot source itself refuse a path, `..`, a separator or
// anything that is not a snapshot id as INVALID_ARGUMENT naming `snapshot_id` — before any file is
// read and before anything is recorded — even when the path points at a valid snapshot outside the
// snapshot directory. A missing snapshot is NOT_FOUND naming the id only, never a directory.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import type * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, type trainingV1, unaryCall } from '@industrial/grpc';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDataopsSnapshotSource } from '../src/index.ts';
import { sqliteStore, startTraining, syntheticCsv, type Running, type StoreFixture } from './fixture.ts';

const spec: trainingV1.TrainingSpec = {
  target: 'machine_failure',
  features: ['torque', 'tool_wear'],
  modelType: 'gbdt',
  hyperparameters: { max_iter: '5' },
  imbalance: 'none',
  imputation: '',
  costModel: { useCaseId: undefined, inline: { missedFailure: 1000, falseAlarm: 50, inspection: 20 } },
  seed: 1,
};

// Every path node:fs is asked to read or probe while `watching` (the CommonJS fs object, whose
// changes syncBuiltinESMExports carries to the `node:fs` named imports dataops uses).
const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
const touched: string[] = [];
function watchFs(): () => void {
  const originals = { readFileSync: cjsFs.readFileSync, existsSync: cjsFs.existsSync };
  cjsFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    touched.push(String(p));
    return (originals.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readFileSync;
  cjsFs.existsSync = ((p: fs.PathLike) => {
    touched.push(String(p));
    return originals.existsSync(p);
  }) as typeof fs.existsSync;
  syncBuiltinESMExports();
  return () => {
    Object.assign(cjsFs, originals);
    syncBuiltinESMExports();
  };
}

describe('snapshot ids, never paths', () => {
  let fx: StoreFixture;
  let t: Running;
  let engineer: trainingV1.TrainingServiceClient;
  let snapshotId: string;
  const useCaseId = randomUUID();
  // A valid copy of the snapshot outside the snapshot directory: a path to it must not be trained on.
  const outside = mkdtempSync(join(tmpdir(), 'training-outside-'));
  let unwatch: (() => void) | null = null;

  beforeAll(async () => {
    fx = await sqliteStore();
    t = await startTraining(fx.store);
    ({ snapshotId } = await t.snapshot(useCaseId, syntheticCsv(200)));
    for (const f of [`${snapshotId}.manifest.json`, `${snapshotId}.arrow`]) copyFileSync(join(t.snapshotDir, f), join(outside, f));
    engineer = t.client(await t.token('engineer'));
  });
  afterEach(() => {
    unwatch?.();
    unwatch = null;
    touched.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await fx?.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });

  const paths = (): [string, string][] => [
    ['an absolute path to a valid manifest outside the snapshot directory', join(outside, `${snapshotId}.manifest.json`)],
    ['an absolute path to its data file', join(outside, `${snapshotId}.arrow`)],
    ['a relative path out of the snapshot directory', join(relative(t.snapshotDir, outside), snapshotId)],
    ['`..` and separators', `../../../../../../etc/passwd`],
    ['a path to a file that does not exist', join(outside, 'missing.manifest.json')],
    ['the id with a separator', `${snapshotId}/x`],
    ['the id with a NUL', `${snapshotId}\u0000`],
  ];

  it('StartTraining refuses each as INVALID_ARGUMENT naming snapshot_id and records nothing', async () => {
    for (const [name, snapshot] of paths()) {
      const before = await fx.store.headPosition();
      const err = (await unaryCall(engineer, engineer.startTraining, { snapshotId: snapshot, useCaseId, spec, runId: '' }).catch(
        (e: unknown) => e,
      )) as grpc.ServiceError;
      expect(grpc.status[err.code], name).toBe('INVALID_ARGUMENT');
      expect(err.metadata.get(FIELD_TRAILER), name).toEqual(['snapshot_id']);
      expect(err.details, name).not.toContain(outside);
      expect(await fx.store.headPosition(), name).toBe(before);
    }
  });

  it('the start use case (launchers, retraining) refuses each the same way, before any file is read or anything recorded', async () => {
    for (const [name, snapshot] of paths()) {
      const before = await fx.store.headPosition();
      unwatch = watchFs();
      const err = (await t.app.runs
        .start({ snapshotId: snapshot, useCaseId, spec: { ...specInput() } }, { subject: 'erin', role: 'engineer' })
        .catch((e: unknown) => e)) as Error & { code?: string; field?: string };
      unwatch();
      unwatch = null;
      expect(err, name).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'snapshot_id' });
      // The caller's own value is quoted (at most 64 characters of it); the server's directory never appears.
      expect(err.message, name).not.toContain(t.snapshotDir);
      expect(err.message.length, name).toBeLessThan(300);
      expect(
        touched.filter((p) => p.includes(outside) || p.includes('passwd') || p.includes(snapshotId)),
        name,
      ).toEqual([]);
      touched.length = 0;
      expect(await fx.store.headPosition(), name).toBe(before);
    }
  });

  it('the watch sees reads: the same id in the snapshot directory is read and loads (the assertion above can fail)', async () => {
    unwatch = watchFs();
    const s = await createDataopsSnapshotSource(t.snapshotDir).load(snapshotId);
    expect(s.snapshotId).toBe(snapshotId);
    expect(touched).toContain(join(t.snapshotDir, `${snapshotId}.manifest.json`));
  });

  it('the snapshot source reads only <dir>/<id>.manifest.json: a missing id is NOT_FOUND naming the id, never the directory', async () => {
    const missing = randomUUID();
    const err = (await createDataopsSnapshotSource(t.snapshotDir)
      .load(missing)
      .catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'NOT_FOUND', field: 'snapshot_id' });
    expect(err.message).toContain(missing);
    expect(err.message).not.toContain(t.snapshotDir);
    const long = (await createDataopsSnapshotSource(t.snapshotDir)
      .load('/'.repeat(10_000))
      .catch((e: unknown) => e)) as Error;
    expect(long).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'snapshot_id' });
    expect(long.message.length).toBeLessThan(300);
  });
});

function specInput() {
  return {
    target: spec.target,
    features: spec.features,
    modelType: spec.modelType,
    hyperparameters: { max_iter: 5 },
    imbalance: spec.imbalance,
    imputation: '',
    costModel: { source: 'inline' as const, missedFailure: 1000, falseAlarm: 50, inspection: 20 },
    seed: 1,
  };
}
