// The content-addressed artifact store on the filesystem, and the S3 interface without a client.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsArtifactStore, createS3ArtifactStore } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the filesystem artifact store', () => {
  const store = createFsArtifactStore(dir);
  const bytes = new TextEncoder().encode('onnx bytes');
  const sha = createHash('sha256').update(bytes).digest('hex');

  it('stores bytes under sha256/<hash> and returns a file URI; a second put is the same artifact', async () => {
    const a = await store.put(bytes);
    expect(a).toEqual({ sha256: sha, uri: `file://${join(dir, 'sha256', sha)}` });
    expect(await store.put(bytes)).toEqual(a);
    expect(fileURLToPath(a.uri)).toBe(store.pathOf(sha));
    expect(await store.get(sha)).toEqual(bytes);
    expect(await store.has(sha)).toBe(true);
  });
  it('refuses a file whose bytes no longer match its name', async () => {
    writeFileSync(store.pathOf(sha), 'tampered');
    await expect(store.get(sha)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });
  it('answers NOT_FOUND for an unknown hash and INVALID_ARGUMENT for a malformed one', async () => {
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.get('../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('the S3-compatible artifact store without a client', () => {
  it('names its keys sha256/<hash> and fails every call as not configured (UNAVAILABLE)', async () => {
    const s3 = createS3ArtifactStore({ endpoint: 'https://s3.example', bucket: 'models', prefix: 'training' });
    expect(s3.uriOf('a'.repeat(64))).toBe(`s3://models/training/sha256/${'a'.repeat(64)}`);
    await expect(s3.put(new Uint8Array([1]))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/not configured/) });
    await expect(s3.get('a'.repeat(64))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
