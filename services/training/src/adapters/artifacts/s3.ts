// S3-compatible artifact store: the interface a deployment plugs an object-store client into
// (bucket + prefix, keys `sha256/<hash>`). No client is bundled yet, so without one every call
// fails with "not configured" (UNAVAILABLE) rather than pretending to store anything. Errors name
// the artifact (`sha256/<hash>`), never the endpoint, bucket or prefix: they reach callers.
import { createHash } from 'node:crypto';
import { quoteValue } from '@industrial/grpc';
import { NotConfiguredError, TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
import type { ArtifactStore } from '../../ports.ts';

/** The few object-store calls the store needs (any S3-compatible SDK can be wrapped into this). */
export interface S3ObjectClient {
  putObject(input: { bucket: string; key: string; body: Uint8Array; contentSha256: string }): Promise<void>;
  getObject(input: { bucket: string; key: string }): Promise<Uint8Array | null>;
  headObject(input: { bucket: string; key: string }): Promise<boolean>;
}

export interface S3ArtifactStoreOptions {
  endpoint: string;
  bucket: string;
  prefix?: string;
  /** Absent: the store is declared but not configured. */
  client?: S3ObjectClient;
}

export function createS3ArtifactStore(options: S3ArtifactStoreOptions): ArtifactStore {
  const prefix = options.prefix === undefined || options.prefix === '' ? '' : `${options.prefix.replace(/\/+$/, '')}/`;
  const key = (h: string) => {
    if (!/^[0-9a-f]{64}$/.test(h)) throw new TrainingError(TrainingErrorCode.InvalidArgument, 'sha256', `${quoteValue(h)} is not a sha256 hex digest`);
    return `${prefix}sha256/${h}`;
  };
  const client = (): S3ObjectClient => {
    if (options.client === undefined) throw new NotConfiguredError('S3 artifact store (no object-store client)');
    return options.client;
  };
  return {
    kind: 's3',
    uriOf: (h) => `s3://${options.bucket}/${key(h)}`,
    async put(bytes) {
      const h = createHash('sha256').update(bytes).digest('hex');
      const c = client();
      if (!(await c.headObject({ bucket: options.bucket, key: key(h) })))
        await c.putObject({ bucket: options.bucket, key: key(h), body: bytes, contentSha256: h });
      return { sha256: h, uri: `s3://${options.bucket}/${key(h)}` };
    },
    async get(h) {
      const bytes = await client().getObject({ bucket: options.bucket, key: key(h) });
      if (bytes === null) throw new TrainingError(TrainingErrorCode.NotFound, 'sha256', `artifact sha256/${h} was not found`);
      if (createHash('sha256').update(bytes).digest('hex') !== h)
        throw new TrainingError(TrainingErrorCode.FailedPrecondition, 'sha256', `artifact sha256/${h} is corrupt: its bytes no longer hash to its name`);
      return bytes;
    },
    async has(h) {
      return client().headObject({ bucket: options.bucket, key: key(h) });
    },
  };
}
