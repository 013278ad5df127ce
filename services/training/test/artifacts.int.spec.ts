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
  it('names only the artifact in a NOT_FOUND, never the directory it is stored in (the message reaches callers)', async () => {
    const missing = '0'.repeat(64);
    const err = (await store.get(missing).catch((e: unknown) => e)) as Error & { code: string; field: string };
    expect(err).toMatchObject({ code: 'NOT_FOUND', field: 'sha256', message: `artifact sha256/${missing} was not found` });
    expect(err.message).not.toContain(dir);
    expect(err.message).not.toContain(tmpdir());
  });
  it('quotes at most 64 characters of a malformed hash, control characters escaped', async () => {
    const err = (await store.get(`\u0000${'x'.repeat(100_000)}`).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'sha256' });
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain('(100001 characters)');
    expect(err.message).not.toContain('\u0000');
  });
});

describe('the S3-compatible artifact store without a client', () => {
  it('names its keys sha256/<hash> and fails every call as not configured (UNAVAILABLE)', async () => {
    const s3 = createS3ArtifactStore({ endpoint: 'https://s3.example', bucket: 'models', prefix: 'training' });
    expect(s3.uriOf('a'.repeat(64))).toBe(`s3://models/training/sha256/${'a'.repeat(64)}`);
    await expect(s3.put(new Uint8Array([1]))).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/not configured/) });
    await expect(s3.get('a'.repeat(64))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const err = (await s3.put(new Uint8Array([1])).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toMatch(/s3\.example|models/);
  });
  it('with a client: a missing artifact is NOT_FOUND naming only sha256/<hash>, never the bucket or the prefix', async () => {
    const client = { putObject: async () => {}, getObject: async () => null, headObject: async () => false };
    const s3 = createS3ArtifactStore({ endpoint: 'https://s3.internal.example', bucket: 'models-bucket', prefix: 'deploy-7', client });
    const err = (await s3.get('b'.repeat(64)).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: `artifact sha256/${'b'.repeat(64)} was not found` });
    expect(err.message).not.toMatch(/models-bucket|deploy-7|s3\.internal/);
    await expect(s3.get('../x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'sha256' });
  });
});
