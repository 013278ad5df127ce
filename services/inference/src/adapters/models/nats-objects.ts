// The JetStream object store an edge site reads its models from (issue #21): a bucket of the
// centre's JetStream domain (`hub` in `npm run central`), reached across the site's leaf link,
// holding the training service's content-addressed artifacts under `sha256/<hash>` (the ONNX model,
// its explainer and reference sidecars, its card). Only reads: the centre puts them (the launcher's
// artifact mirror, scripts/platform/edge-nats.ts). A missing bucket or object is `null`; a store
// that cannot be reached (the uplink is down) throws.
import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

export interface ModelObjects {
  /** Where the objects are read from, for messages ("bucket models of JetStream domain hub"). */
  readonly where: string;
  /** The object's bytes; null when the bucket or the object does not exist; throws when the store cannot be reached. */
  get(name: string): Promise<Uint8Array | null>;
}

/** The object name of a content-addressed artifact. */
export const artifactObjectName = (sha256: string): string => `sha256/${sha256}`;

export interface NatsModelObjectsOptions {
  readonly bucket: string;
  /** The JetStream domain holding the bucket (the centre's, across the leaf link); null: the local one. */
  readonly domain: string | null;
  /** One read's limit (a link cut mid-transfer leaves the object store's consumer waiting), default 60 s. */
  readonly readTimeoutMs?: number;
}

const notFound = (e: unknown): boolean => /not found/i.test(e instanceof Error ? e.message : String(e));

export function natsModelObjects(nc: NatsConnection, options: NatsModelObjectsOptions): ModelObjects {
  const js = jetstream(nc, options.domain === null ? { timeout: 10_000 } : { domain: options.domain, timeout: 10_000 });
  let opened: Promise<ObjectStore> | null = null;
  const open = (): Promise<ObjectStore> =>
    (opened ??= new Objm(js).open(options.bucket).catch((e: unknown) => {
      opened = null;
      throw e;
    }));
  const limit = options.readTimeoutMs ?? 60_000;
  return {
    where: `bucket ${options.bucket}${options.domain === null ? '' : ` of JetStream domain ${options.domain}`}`,
    async get(name) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${limit / 1000} s`)), limit);
      });
      try {
        const read = (async () => {
          let os: ObjectStore;
          try {
            os = await open();
          } catch (e) {
            if (notFound(e)) return null; // the bucket is not there (yet)
            throw e;
          }
          return os.getBlob(name);
        })();
        return await Promise.race([read, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
