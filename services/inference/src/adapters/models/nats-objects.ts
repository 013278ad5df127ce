// The JetStream object store an edge site reads its models from (issue #21): a bucket of the
// centre's JetStream domain (`hub` in `npm run central`), reached across the site's leaf link,
// holding the training service's content-addressed artifacts under `sha256/<hash>` (the ONNX model,
// its explainer and reference sidecars, its card). Only reads: the centre puts them (the launcher's
// artifact mirror, scripts/platform/edge-nats.ts). A missing bucket or object is `null`; a store
// that cannot be reached (the uplink is down) throws. A read that outlives its limit, or whose
// caller's signal aborts, is given up at once and its transfer cancelled (the object store's
// consumer stopped), so a cut link never leaves a read hanging.
import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

export interface ModelObjects {
  /** Where the objects are read from, for messages ("bucket models of JetStream domain hub"). */
  readonly where: string;
  /**
   * The object's bytes; null when the bucket or the object does not exist; throws when the store
   * cannot be reached, and at once (with the signal's reason) when `signal` aborts.
   */
  get(name: string, signal?: AbortSignal): Promise<Uint8Array | null>;
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

  /** Reads the object's stream to its end; an abort cancels the transfer (its consumer stops). */
  async function read(name: string, signal: AbortSignal): Promise<Uint8Array | null> {
    let os: ObjectStore;
    try {
      os = await open();
    } catch (e) {
      if (notFound(e)) return null; // the bucket is not there (yet)
      throw e;
    }
    signal.throwIfAborted();
    const result = await os.get(name);
    if (result === null) return null;
    result.error.catch(() => undefined); // also reported by the stream's reader
    const reader = result.data.getReader();
    const cancel = (): void => void reader.cancel().catch(() => undefined);
    if (signal.aborted) cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const chunks: Uint8Array[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      signal.throwIfAborted(); // a cancelled stream ends early: its bytes are not the object
      const error = await result.error;
      if (error) throw error;
      return Buffer.concat(chunks);
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  return {
    where: `bucket ${options.bucket}${options.domain === null ? '' : ` of JetStream domain ${options.domain}`}`,
    async get(name, signal) {
      const given = new AbortController();
      const timer = setTimeout(() => given.abort(new Error(`no answer within ${limit / 1000} s`)), limit);
      const stop = (): void => given.abort(signal?.reason);
      if (signal?.aborted) stop();
      signal?.addEventListener('abort', stop, { once: true });
      const ended = new Promise<never>((_, reject) => {
        if (given.signal.aborted) reject(given.signal.reason);
        given.signal.addEventListener('abort', () => reject(given.signal.reason), { once: true });
      });
      try {
        return await Promise.race([read(name, given.signal), ended]);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        // A read still opening (no stream yet) is cancelled as soon as its stream exists.
        given.abort(new Error('the read ended'));
      }
    },
  };
}
