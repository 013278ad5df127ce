// `npm run cluster`'s own nats-server (the default; loopback, JetStream, its store under the data
// directory) with one nkey user per service and the least-privilege permissions of @industrial/bus
// PLATFORM_GRANTS (ADR 0010), over TLS with the launcher's local CA unless PLATFORM_TLS=0. Seeds
// (0600) and the server config are generated on first start and kept. CLUSTER_NATS=shared uses the
// shared, unauthenticated NATS at NATS_URL instead (development only).
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorStreamGrant, createNkeyUser, inboxPrefixFor, natsAuthorizationConfig, nkeyPublicKey, PLATFORM_GRANTS, startNatsServer } from '@industrial/bus';

export interface OwnNats {
  readonly url: string;
  /**
   * NATS_URL, NATS_NKEY_SEED_FILE and NATS_INBOX_PREFIX of the process named `proc` (relay-a →
   * relay, inference-b → inference); governance's ANCHOR_NATS_URL.
   */
  envFor(proc: string): Record<string, string>;
  readonly process: ChildProcess;
  /** The CA clients trust when the server serves TLS; null when plaintext. */
  readonly caFile: string | null;
}

/** The server's certificate, and the CA its clients trust. */
export interface NatsServerTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** `anchorStream`: governance's ANCHOR_NATS_STREAM (full server name). */
export async function startOwnNats(dataDir: string, port: number, anchorStream: string, prefix?: string, tls?: NatsServerTls | null): Promise<OwnNats> {
  const dir = join(dataDir, 'nats');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const grants = [...PLATFORM_GRANTS, anchorStreamGrant(anchorStream)];
  const users: Record<string, string> = {};
  for (const { service } of grants) {
    const seedFile = join(dir, `${service}.nk`);
    if (!existsSync(seedFile)) writeFileSync(seedFile, createNkeyUser().seed, { mode: 0o600 });
    users[service] = nkeyPublicKey(readFileSync(seedFile, 'utf8'));
  }
  const config = join(dir, 'nats-server.conf');
  // TLS: the server requires it of every client (INFO tls_required); clients verify it against the CA.
  const tlsBlock = tls == null ? '' : `tls {\n  cert_file: ${JSON.stringify(tls.certFile)}\n  key_file: ${JSON.stringify(tls.keyFile)}\n  timeout: 10\n}\n`;
  writeFileSync(config, natsAuthorizationConfig(users, grants, prefix) + tlsBlock, { mode: 0o600 });
  const server = await startNatsServer({ port, storeDir: join(dir, 'store'), configFile: config });
  const url = server.url;
  const caEnv: Record<string, string> = tls == null ? {} : { NATS_TLS_CA_FILE: tls.caFile };
  return {
    url,
    process: server.process,
    caFile: tls?.caFile ?? null,
    envFor(name) {
      const grant = grants.find((g) => name === g.service || name.startsWith(`${g.service}-`));
      if (grant === undefined) return { NATS_URL: url, ...caEnv }; // no NATS user: a connection would be refused
      const out: Record<string, string> = {
        ...caEnv,
        NATS_URL: url,
        NATS_NKEY_SEED_FILE: join(dir, `${grant.service}.nk`),
        NATS_INBOX_PREFIX: grant.inbox ?? inboxPrefixFor(grant.service),
      };
      if (grant.service === 'governance') out.ANCHOR_NATS_URL = url;
      return out;
    },
  };
}
