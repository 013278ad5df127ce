// The dataops CLI's connection to dataops' gRPC API (the one `npm start` and `npm run cluster` serve):
// address, token and TLS from flags or the environment, and a gRPC refusal said in the CLI's terms
// (the request field as the flag the user typed; who to ask when the token is refused; what to
// start when nothing answers).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { createClient, dataopsV1, type GrpcClientTls } from '@industrial/grpc';

export const CONNECTION_HELP = `connection (flags win over the environment):
  --address <host:port>   dataops gRPC (env DATAOPS_ADDRESS; default 127.0.0.1:50053, the npm start port with PLATFORM_BASE_PORT unset)
  --token <jwt>           bearer token with data.write, dataset.create and data.read — npm start prints an engineer token
                          (env DATAOPS_TOKEN, else PLATFORM_TOKEN)
  --ca <file>             CA of dataops' TLS certificate (env GRPC_TLS_CA_FILE; default .data/tls/ca.crt when it exists,
                          the local CA npm start makes); GRPC_TLS_CLIENT_CERT_FILE + GRPC_TLS_CLIENT_KEY_FILE for mutual TLS
  --plaintext             no TLS (a platform started with PLATFORM_TLS=0)`;

export class UsageError extends Error {}

export interface Connection {
  readonly address: string;
  readonly client: dataopsV1.DataOpsServiceClient;
  readonly tls: string;
}

const ADDRESS = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Where and how a platform CLI reaches one service's gRPC API (shared by the dataops and score CLIs). */
export interface PlatformConnection {
  readonly address: string;
  readonly token: string;
  readonly tls: GrpcClientTls | null;
  /** How the connection is secured, for messages: `TLS (CA …)` or `plaintext`. */
  readonly said: string;
}

/**
 * Flags (--address, --token, --ca, --plaintext) over the environment (`addressEnv`, `tokenEnvs` in
 * order, GRPC_TLS_CA_FILE, GRPC_TLS_CLIENT_CERT_FILE/KEY_FILE); without a CA, the local CA `npm start`
 * makes (<PLATFORM_DATA_DIR or .data>/tls/ca.crt) when it exists. UsageError naming the flag.
 */
export function platformConnection(
  v: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  svc: { name: string; addressEnv: string; tokenEnvs: readonly string[]; defaultAddress: string; tokenHint: string },
): PlatformConnection {
  const address = typeof v.address === 'string' ? v.address : env[svc.addressEnv] || svc.defaultAddress;
  if (!ADDRESS.test(address)) throw new UsageError(`--address: give host:port of ${svc.name}'s gRPC server (got "${address}")`);
  const token = (typeof v.token === 'string' ? v.token : svc.tokenEnvs.map((k) => env[k]).find((t) => t !== undefined && t !== ''))?.trim();
  if (token === undefined || token === '') throw new UsageError(`--token: a bearer token is required (or ${svc.tokenEnvs.join(' / ')}); ${svc.tokenHint}`);
  if (/\s/.test(token))
    throw new UsageError(`--token: the token holds a space or a line break (${token.split(/\s+/).length} parts); give the token alone, on one line`);
  let tls: GrpcClientTls | null = null;
  let said = 'plaintext';
  if (v.plaintext !== true) {
    const given = typeof v.ca === 'string' ? v.ca : env.GRPC_TLS_CA_FILE || undefined;
    const local = resolve(env.PLATFORM_DATA_DIR ?? '.data', 'tls', 'ca.crt');
    const caFile = given ?? (existsSync(local) ? local : undefined);
    if (given !== undefined && !existsSync(given)) throw new UsageError(`--ca: no such file ${given}`);
    const certFile = env.GRPC_TLS_CLIENT_CERT_FILE || undefined;
    const keyFile = env.GRPC_TLS_CLIENT_KEY_FILE || undefined;
    if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('GRPC_TLS_CLIENT_CERT_FILE and GRPC_TLS_CLIENT_KEY_FILE come together');
    if (caFile !== undefined) {
      tls = { caFile, ...(certFile === undefined ? {} : { certFile, keyFile }) };
      said = `TLS (CA ${caFile})`;
    }
  }
  return { address, token, tls, said };
}

export function connect(v: Record<string, unknown>, env: NodeJS.ProcessEnv): Connection {
  const p = platformConnection(v, env, {
    name: 'dataops',
    addressEnv: 'DATAOPS_ADDRESS',
    tokenEnvs: ['DATAOPS_TOKEN', 'PLATFORM_TOKEN'],
    defaultAddress: '127.0.0.1:50053',
    tokenHint: '`npm start` prints an engineer token that can import and snapshot',
  });
  const client = createClient(dataopsV1.DataOpsServiceClient, p.address, {
    token: p.token,
    tls: p.tls,
    clientOptions: { 'grpc.max_receive_message_length': 64 << 20 },
  });
  return { address: p.address, client, tls: p.said };
}

/** A request field of dataops' API → the flag of this CLI. */
const FLAG_OF: Readonly<Record<string, string>> = {
  import_id: '--import',
  'ordered.import_id': '--import',
  'ordered.target.name': '--target',
  'ordered.target.kind': '--target',
  'ordered.target.run_to_failure': '--run-to-failure',
  'ordered.target.cap': '--cap',
  'ordered.target.labels': '--labels',
  'ordered.target.horizon': '--horizon',
  'ordered.statistics': '--stats',
  dataset_id: '--dataset',
  use_case_id: '--use-case',
  snapshot_id: 'snapshot id',
  'header.name': '--name',
};

/** `ordered.windows: …` → `--windows: …`; `ordered: …` → `…`. */
export function inUserTerms(details: string): string {
  const m = /^([a-z_.\d[\]]+): ([\s\S]*)$/.exec(details);
  if (m === null) return details;
  const field = m[1]!.replace(/\[\d+\]/g, '');
  if (field === 'ordered') return m[2]!;
  const flag = FLAG_OF[field] ?? (field.startsWith('ordered.') ? `--${field.slice(8).replace(/_/g, '-')}` : null);
  return flag === null ? details : `${flag}: ${m[2]!}`;
}

/** Where `npm run cluster` serves each service with PLATFORM_BASE_PORT unset (scripts/platform/cluster.ts: base 50150 + offset). */
const CLUSTER_PORTS: Readonly<Record<string, number>> = { governance: 50151, dataops: 50153, charter: 50155, training: 50159 };

/** A failed call as the CLI's message and exit code (2 the request or data, 3 access, 1 the service). */
export function describeCallError(e: unknown, c: Pick<Connection, 'address' | 'tls'>, service = 'dataops'): { message: string; code: number } {
  const err = e as Partial<ServiceError>;
  if (typeof err.code !== 'number') return { message: `failed: ${e instanceof Error ? e.message : String(e)}`, code: 1 };
  const details = err.details ?? '';
  switch (err.code) {
    case status.INVALID_ARGUMENT:
    case status.NOT_FOUND:
    case status.FAILED_PRECONDITION:
    case status.OUT_OF_RANGE:
    case status.ALREADY_EXISTS:
      return { message: inUserTerms(details), code: 2 };
    case status.RESOURCE_EXHAUSTED:
      return { message: `too large for ${service}: ${details}`, code: 2 };
    case status.UNAUTHENTICATED:
      return { message: `${service} did not accept the token (${details}); give a current one with --token`, code: 3 };
    case status.PERMISSION_DENIED:
      return { message: `the token's role may not do this (${details}); an engineer token may`, code: 3 };
    case status.UNAVAILABLE:
      return {
        message: `cannot reach ${service} at ${c.address} over ${c.tls} (${details}); is \`npm start\` running? (--address; --plaintext when it runs with PLATFORM_TLS=0)${CLUSTER_PORTS[service] === undefined ? '' : `; \`npm run cluster\` serves ${service} on 127.0.0.1:${CLUSTER_PORTS[service]} (PLATFORM_BASE_PORT + ${CLUSTER_PORTS[service] - 50150}) with its CA in .data/cluster/tls/ca.crt (--ca)`}`,
        code: 1,
      };
    default:
      return { message: `${service} failed: ${status[err.code] ?? err.code} ${details}`, code: 1 };
  }
}
