// Where `npm run score` finds a model and rows on a running platform: a registry version id is
// resolved through governance's ModelRegistryService (ListModelVersions of its use case) to its
// artifacts — the ONNX file and the model.json (the registered explainer) — each read from its
// file:// URI and checked against the sha256 the registry recorded; a snapshot id unknown to the
// local snapshot directory is asked of dataops (GetDatasetSnapshot: dataops checks its integrity and
// says where it is). Refusals come back in the CLI's terms (RemoteError with an exit code).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeCallError, platformConnection, type PlatformConnection } from '@industrial/dataops';
import { charterV1, createClient, dataopsV1, governanceRegistryV1 } from '@industrial/grpc';

export class RemoteError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

type Values = Record<string, string | boolean | undefined>;

const SERVICES = {
  governance: { addressEnv: 'GOVERNANCE_ADDRESS', tokenEnv: 'GOVERNANCE_TOKEN', defaultAddress: '127.0.0.1:50051', permission: 'model.read' },
  dataops: { addressEnv: 'DATAOPS_ADDRESS', tokenEnv: 'DATAOPS_TOKEN', defaultAddress: '127.0.0.1:50053', permission: 'data.read' },
  charter: { addressEnv: 'CHARTER_ADDRESS', tokenEnv: 'CHARTER_TOKEN', defaultAddress: '127.0.0.1:50055', permission: 'usecase.read' },
} as const;

const connection = (v: Values, env: NodeJS.ProcessEnv, which: keyof typeof SERVICES): PlatformConnection => {
  const s = SERVICES[which];
  return platformConnection({ ...v, address: v[which] }, env, {
    name: which,
    addressEnv: s.addressEnv,
    tokenEnvs: [s.tokenEnv, 'PLATFORM_TOKEN'],
    defaultAddress: s.defaultAddress,
    tokenHint: `an engineer token (${s.permission}); \`npm start\` prints one`,
  });
};

/** The use cases the charter holds (to find which registry holds a version id). */
async function useCaseIds(v: Values, env: NodeJS.ProcessEnv): Promise<string[]> {
  const c = connection(v, env, 'charter');
  const client = createClient(charterV1.CharterServiceClient, c.address, { token: c.token, tls: c.tls, deadlineMs: 30_000 });
  try {
    return await call(c, 'charter', async () => {
      const r = await new Promise<charterV1.ListUseCasesResponse>((done, fail) =>
        client.listUseCases({ pageSize: 500 }, (e, res) => (e ? fail(e) : done(res))),
      );
      return r.useCases.map((u) => u.useCaseId);
    });
  } finally {
    client.close();
  }
}

/** The bytes at a file:// URI (or a path), refused unless their sha256 is the recorded one. */
function readVerified(uri: string, sha256: string, what: string): Buffer {
  if (!uri.startsWith('file://') && !uri.startsWith('/')) throw new RemoteError(`${what} is at ${uri}: only file:// artifacts can be read here`, 2);
  const path = uri.startsWith('file://') ? fileURLToPath(uri) : uri;
  if (!existsSync(path)) throw new RemoteError(`${what} is missing: no file at ${path}`, 2);
  const bytes = readFileSync(path);
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== sha256)
    throw new RemoteError(`${what} at ${path} has sha256 ${got}, the registry recorded ${sha256}: the file changed after it was registered; nothing scored`, 2);
  return bytes;
}

async function call<T>(c: PlatformConnection, service: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof RemoteError) throw e;
    const d = describeCallError(e, { address: c.address, tls: c.said }, service);
    throw new RemoteError(d.message, d.code);
  }
}

/**
 * A registered model version → its model.json text, both artifacts' sha256 checked. Without a use
 * case, the registries of every use case the charter holds are searched for the version id.
 */
export async function modelFromRegistry(
  versionId: string,
  useCaseId: string | undefined,
  v: Values,
  env: NodeJS.ProcessEnv,
): Promise<{ text: string; said: string }> {
  const candidates = useCaseId === undefined ? await useCaseIds(v, env) : [useCaseId];
  const c = connection(v, env, 'governance');
  const client = createClient(governanceRegistryV1.ModelRegistryServiceClient, c.address, { token: c.token, tls: c.tls, deadlineMs: 30_000 });
  try {
    return await call(c, 'governance', async () => {
      let mv: governanceRegistryV1.ModelVersion | undefined;
      let seen: governanceRegistryV1.ModelVersion[] = [];
      let inUseCase = '';
      for (const uc of candidates) {
        const r = await new Promise<governanceRegistryV1.ListModelVersionsResponse>((done, fail) =>
          client.listModelVersions({ useCaseId: uc }, (e, res) => (e ? fail(e) : done(res))),
        );
        seen = r.versions;
        mv = r.versions.find((x) => x.modelVersionId === versionId);
        inUseCase = uc;
        if (mv !== undefined) break;
      }
      if (mv === undefined)
        throw new RemoteError(
          useCaseId === undefined
            ? `--model: no use case in the charter (${candidates.length} searched) has model version ${versionId} in its registry; give --use-case when the use case is not in the charter`
            : `--model: the registry of use case ${useCaseId} has no version ${versionId}${seen.length === 0 ? ' (it has none)' : ` (it has ${seen.map((x) => `${x.version}: ${x.modelVersionId}`).join(', ')})`}`,
          2,
        );
      const useCase = inUseCase;
      readVerified(mv.artifactUri, mv.artifactHash, `the ONNX artifact of version ${mv.version}`);
      const reg = JSON.parse(mv.registrationJson) as { explainer?: { uri: string; sha256: string } };
      if (reg.explainer === undefined)
        throw new RemoteError(`--model: version ${mv.version} was registered without its model.json (the explainer artifact), which scoring reads`, 2);
      const text = readVerified(reg.explainer.uri, reg.explainer.sha256, `the model.json of version ${mv.version}`).toString('utf8');
      return { text, said: `version ${mv.version} (${mv.modelVersionId}) of use case ${useCase}, artifacts' sha256 checked` };
    });
  } finally {
    client.close();
  }
}

/** A snapshot id → the manifest path dataops says it is at (dataops checked its integrity). */
export async function snapshotFromDataops(id: string, v: Values, env: NodeJS.ProcessEnv): Promise<string> {
  const c = connection(v, env, 'dataops');
  const client = createClient(dataopsV1.DataOpsServiceClient, c.address, { token: c.token, tls: c.tls, deadlineMs: 60_000 });
  try {
    return await call(c, 'dataops', async () => {
      const r = await new Promise<dataopsV1.GetDatasetSnapshotResponse>((done, fail) =>
        client.getDatasetSnapshot({ snapshotId: id }, (e, res) => (e ? fail(e) : done(res))),
      );
      const s = r.snapshot!;
      const data = s.location.startsWith('file://') ? fileURLToPath(s.location) : s.location;
      const manifest = join(dirname(data), `${s.snapshotId}.manifest.json`);
      if (!existsSync(manifest)) throw new RemoteError(`--snapshot: dataops keeps snapshot ${id} at ${data}, which this machine cannot read`, 2);
      return manifest;
    });
  } finally {
    client.close();
  }
}
