// Models at an edge site (issue #21): a ModelLoader in front of the usual one (ml/loader.ts,
// vision/visual-loader.ts) that takes a registered version's artifacts — the ONNX model (its
// registered artifactHash) and the explainer and reference sidecars (their registered sha256) —
// from the JetStream object store the centre fills (nats-objects.ts), never from the registered
// file:// URI, which names a file on the centre's machine. Each artifact is checked against the
// hash the registry event recorded before it is kept: bytes that differ are refused (ModelRefusedError
// check `integrity`, both hashes and the model version named) and never cached. Kept artifacts are
// cached on the site's disk under `<cacheDir>/sha256/<hash>` (written to a temporary name, then
// renamed), so a restart while the uplink is down loads from the cache; a cached file is hashed
// again when read and fetched again if it no longer matches. A missing object, or a store that
// cannot be reached, is waited for (retried) up to `waitMs`, then the load fails with an error
// naming the model version, the artifact and why. close() (the service stopping) ends every wait
// and pending read at once: those loads fail saying the site is stopping, not that the artifact is bad.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { ArtifactRef, RegisteredModel } from '../../domain/deployments.ts';
import { ModelRefusedError } from '../../domain/errors.ts';
import type { LoadedModel, ModelLoader } from '../../features/ports.ts';
import { sha256Of as sha256 } from '../artifacts/files.ts';
import { artifactObjectName, type ModelObjects } from './nats-objects.ts';

export interface ObjectStoreModelsOptions {
  readonly objects: ModelObjects;
  /** The site's cache of artifacts taken from the store. */
  readonly cacheDir: string;
  /** How long a missing or unreachable artifact is waited for before the load fails (default 60 s). */
  readonly waitMs?: number;
  /** Pause between tries while waiting (default 2 s). */
  readonly retryEveryMs?: number;
  readonly log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

const HASH = /^[0-9a-f]{64}$/;
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

type Kind = 'ONNX model' | 'explainer' | 'reference profile';

export interface ObjectStoreModelLoader extends ModelLoader {
  /** The service is stopping: waits and reads in progress end now (their loads fail), later loads fail at once. */
  close(): void;
}

export function objectStoreModels(inner: ModelLoader, options: ObjectStoreModelsOptions): ObjectStoreModelLoader {
  const closing = new AbortController();
  const cacheDir = join(resolve(options.cacheDir), 'sha256');
  const waitMs = options.waitMs ?? 60_000;
  const retryEveryMs = options.retryEveryMs ?? 2_000;
  const { objects } = options;

  /** The cached file of `hash` when it is there and still hashes to its name. */
  async function fromCache(hash: string): Promise<string | null> {
    const path = join(cacheDir, hash);
    if (!existsSync(path)) return null;
    if (sha256(await readFile(path)) === hash) return path;
    await rm(path, { force: true });
    options.log?.warn({ sha256: hash }, 'a cached model artifact no longer matches its hash; fetching it again');
    return null;
  }

  /** The artifact's local file: from the cache, or fetched from the store, checked and cached. */
  async function artifact(reg: RegisteredModel, kind: Kind, hash: string): Promise<string> {
    const what = `model version ${reg.modelVersionId} (use case ${reg.useCaseId}, version ${reg.version})`;
    if (!HASH.test(hash)) throw new ModelRefusedError('integrity', `${what}: its ${kind} is registered with ${JSON.stringify(hash)}, not a sha256`);
    const cached = await fromCache(hash);
    if (cached !== null) return cached;
    const name = artifactObjectName(hash);
    const stopping = (): Error => new Error(`${what}: its ${kind} ${name} was not loaded: the site's inference is stopping`);
    const deadline = Date.now() + waitMs;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        if (closing.signal.aborted) throw stopping();
        const bytes = await objects.get(name, closing.signal);
        if (bytes !== null) {
          const actual = sha256(bytes);
          if (actual !== hash)
            throw new ModelRefusedError(
              'integrity',
              `${what}: its ${kind} ${name} in the object store (${objects.where}) hashes to ${actual}, not the registered ${hash}; refused`,
              { expected: hash, actual },
            );
          await mkdir(cacheDir, { recursive: true });
          const path = join(cacheDir, hash);
          const tmp = `${path}.${randomUUID()}.tmp`;
          await writeFile(tmp, bytes);
          await rename(tmp, path);
          options.log?.info({ modelVersionId: reg.modelVersionId, artifact: name, bytes: bytes.byteLength }, `${kind} taken from the object store and cached`);
          return path;
        }
        problem = `is not in the object store (${objects.where})`;
      } catch (e) {
        if (e instanceof ModelRefusedError) throw e;
        if (closing.signal.aborted) throw stopping();
        problem = `could not be read from the object store (${objects.where}): ${messageOf(e)}`;
      }
      if (Date.now() + retryEveryMs > deadline)
        throw new Error(`${what}: its ${kind} ${name} ${problem}, and the site's cache does not hold it (${attempt} tries in ${Math.round(waitMs / 1000)} s)`);
      if (attempt === 1) options.log?.warn({ modelVersionId: reg.modelVersionId, artifact: name, problem }, `${kind} not available yet; waiting for it`);
      await sleep(retryEveryMs, undefined, { signal: closing.signal }).catch(() => {
        throw stopping();
      });
    }
  }

  const local = (path: string, hash: string): ArtifactRef => ({ uri: pathToFileURL(path).href, sha256: hash });

  return {
    close() {
      closing.abort(new Error('the site is stopping'));
    },
    async load(reg: RegisteredModel): Promise<LoadedModel> {
      const explainer = reg.sidecars?.explainer;
      const reference = reg.sidecars?.reference;
      if (explainer === undefined || reference === undefined)
        throw new ModelRefusedError(
          'load',
          `model version ${reg.modelVersionId} (use case ${reg.useCaseId}, version ${reg.version}) registers no content-addressed explainer and reference: the object store holds only content-addressed artifacts`,
        );
      const [onnx, explainerPath, referencePath] = await Promise.all([
        artifact(reg, 'ONNX model', reg.artifactHash),
        artifact(reg, 'explainer', explainer.sha256),
        artifact(reg, 'reference profile', reference.sha256),
      ]);
      const loaded = await inner.load({
        ...reg,
        artifactUri: pathToFileURL(onnx).href,
        sidecars: { explainer: local(explainerPath, explainer.sha256), reference: local(referencePath, reference.sha256) },
      });
      // What serves is the registered version as the registry recorded it (its URI included).
      return { ...loaded, registered: reg };
    },
  };
}
