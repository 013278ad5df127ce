// The standalone entry point as a real process: config errors exit 2 with one message naming the
// variable; SIGTERM drains, anchors the chain head, closes the store and exits 0; with a JetStream
// anchor sink on the real NATS (a stream of its own, deleted afterwards) it anchors by time to both
// sinks, and VerifyIntegrity names deleted newest events hidden by editing the anchors file. The anchor
// stream's connection is the bus's connectNats: a first connection the NATS link drops (reset) is made
// again, so governance starts where the rest of the platform does; a refusal stops the start naming
// ANCHOR_NATS_URL; on SIGTERM the last anchor still reaches the stream (its connection closes after the store).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { createKeySet, importSigningKey, issueToken, writeKeyMaterial, type KeyMaterial } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type Anchor } from '@industrial/eventstore';
import { openJetStreamAnchorSink } from '@industrial/eventstore/jetstream';
import { createClient, ensureLocalCa, governanceV1, unaryCall } from '@industrial/grpc';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, exampleEvent, streamFor } from './fixture.ts';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = 'services/governance/src/main.ts';
let dir: string;
let env: Record<string, string>;
let pem: string;
let keys: KeyMaterial;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gov-main-'));
  pem = generateLedgerKeyPem().privateKeyPem;
  writeFileSync(join(dir, 'ledger.pem'), pem, { mode: 0o600 });
  // One event, so that there is a chain head to anchor on shutdown.
  const store = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: ledgerKeyFromPem(pem), validator: eventValidator });
  await store.append(streamFor('ObjectiveSet', 'u-1'), [exampleEvent('ObjectiveSet')]);
  await store.close();
  keys = await createKeySet({ now: new Date() });
  await writeKeyMaterial(join(dir, 'keys'), keys);
  const { PATH = '', HOME = '' } = process.env;
  env = {
    PATH,
    HOME,
    GOVERNANCE_GRPC_HOST: '127.0.0.1',
    GOVERNANCE_GRPC_PORT: '0',
    GOVERNANCE_HTTP_HOST: '127.0.0.1',
    GOVERNANCE_HTTP_PORT: '0',
    EVENTSTORE: 'sqlite',
    SQLITE_PATH: join(dir, 'events.db'),
    LEDGER_KEY_FILE: join(dir, 'ledger.pem'),
    ANCHOR_FILE: join(dir, 'anchors.jsonl'),
    ACCESS_KEYS_DIR: join(dir, 'keys'),
    OTEL_EXPORTER: 'none',
    LOG_LEVEL: 'warn',
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startGovernanceProcess(
  processEnv: Record<string, string>,
): Promise<{ child: ChildProcess; exited: Promise<number | null>; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: processEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const start = Date.now();
  while (!/governance ready grpc=\d+ http=(\d+)/.test(out)) {
    // 90 s: tsx compiling governance on a loaded CI machine (two workers beside e2e platforms, two cores) can take long.
    if (Date.now() - start > 90_000 || child.exitCode !== null) throw new Error(`governance did not start: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, out: () => out, err: () => err };
}

/** Runs governance to its exit (a start that fails). */
function runToExit(processEnv: Record<string, string>): SpawnSyncReturns<string> {
  // 90 s: tsx compiling the service before it reads its config took over 30 s on a loaded machine (killed: status null)
  return spawnSync(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: processEnv, encoding: 'utf8', timeout: 90_000 });
}

/** A 10-minute auditor token signed with the test's key set. */
async function auditorToken(subject: string): Promise<string> {
  const claims = { subject, roles: ['auditor' as const], scopes: ['*'], tokenId: randomUUID(), issuer: ISSUER, audience: AUDIENCE };
  return issueToken(await importSigningKey(keys.signingKey), { ...claims, now: new Date(), ttlSeconds: 600 });
}

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A TCP link to the test's NATS that resets the first `reset` connections as it accepts them (a member
 * still starting behind a load balancer, a link dropping under load) and pipes the others through.
 */
class ResettingLink {
  accepted = 0;
  readonly #server: Server = createServer((client) => this.#accept(client));
  readonly #sockets = new Set<Socket>();
  constructor(
    readonly upstream: URL,
    readonly reset: number,
  ) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `nats://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.accepted <= this.reset) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: this.upstream.hostname, port: Number(this.upstream.port || 4222) });
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.#sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

describe('governance main', () => {
  describe('when an environment variable is malformed', () => {
    it('exits 2 with one message naming the variable', () => {
      const r = runToExit({ ...env, GOVERNANCE_HTTP_PORT: 'eighty' });
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^governance: invalid configuration: GOVERNANCE_HTTP_PORT .*"eighty"/);
    });
  });

  describe('when it receives SIGTERM', () => {
    it('stops, anchors the chain head and exits 0', async () => {
      const { child, exited, out, err } = await startGovernanceProcess(env);
      const httpPort = /http=(\d+)/.exec(out())?.[1];
      expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited, err()).toBe(0);
      expect(readFileSync(join(dir, 'anchors.jsonl'), 'utf8')).toContain('"signature"');
    });
  });

  describe('with GRPC_TLS_* (mutual TLS) and HTTP_TLS_*', () => {
    it('serves a client with a certificate of the CA; refuses one without a certificate and plain HTTP', async () => {
      const ca = ensureLocalCa(join(dir, 'tls'));
      const gov = await startGovernanceProcess({
        ...env,
        GRPC_TLS_CERT_FILE: ca.serverCertFile,
        GRPC_TLS_KEY_FILE: ca.serverKeyFile,
        GRPC_TLS_CLIENT_CA_FILE: ca.caFile,
        HTTP_TLS_CERT_FILE: ca.serverCertFile,
        HTTP_TLS_KEY_FILE: ca.serverKeyFile,
      });
      try {
        const token = await auditorToken('auditor-tls');
        const address = `127.0.0.1:${/grpc=(\d+)/.exec(gov.out())?.[1]}`;
        const headOver = async (tls: { caFile: string; certFile?: string; keyFile?: string }): Promise<number | string> => {
          const client = createClient(governanceV1.AuditServiceClient, address, { token, deadlineMs: 10_000, tls });
          try {
            return (await unaryCall(client, client.readAll, { fromPosition: 1, maxCount: 1 })).headPosition;
          } catch (error) {
            return `code ${(error as { code?: number }).code}`;
          } finally {
            client.close();
          }
        };
        expect(await headOver({ caFile: ca.caFile, certFile: ca.clientCertFile, keyFile: ca.clientKeyFile })).toBeGreaterThan(0);
        expect(await headOver({ caFile: ca.caFile })).toBe('code 14');
        const httpPort = /http=(\d+)/.exec(gov.out())?.[1];
        await expect(fetch(`http://127.0.0.1:${httpPort}/readyz`)).rejects.toThrow();
      } finally {
        gov.child.kill('SIGTERM');
        await gov.exited;
      }
    });
  });

  describe('with ANCHOR_NATS_URL', () => {
    it('connects like every NATS client: the first connections the link resets are made again; anchors land, the last on SIGTERM', async () => {
      // Fails on a plain nats.js connect (before 2026-12-08): the first reset ended the start (exit 1, ECONNRESET).
      const stream = `TEST_GOV_ANCHORS_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const link = new ResettingLink(new URL(NATS_URL), 2);
      const anchorUrl = await link.listen();
      const nc = await connect({ servers: NATS_URL });
      let gov: Awaited<ReturnType<typeof startGovernanceProcess>> | null = null;
      try {
        gov = await startGovernanceProcess({
          ...env,
          ANCHOR_FILE: join(dir, 'anchors-link.jsonl'),
          ANCHOR_NATS_URL: anchorUrl,
          ANCHOR_NATS_STREAM: stream,
          ANCHOR_INTERVAL_MS: '100',
        });
        expect(link.accepted).toBeGreaterThan(2);
        const js = await openJetStreamAnchorSink({ connection: nc, stream });
        const anchors = async (): Promise<Anchor[]> => (await js.list()) as Anchor[];
        // The head (nothing appends meanwhile) is anchored by time once.
        await until(async () => (await anchors()).length > 0, 'the first time-based anchor in the JetStream stream');
        const before = await anchors();
        gov.child.kill('SIGTERM');
        expect(await gov.exited, gov.err()).toBe(0);
        gov = null;
        // The shutdown anchor was published before the anchor connection closed.
        const after = await anchors();
        expect(after).toHaveLength(before.length + 1);
        expect(after.at(-1)?.position).toBe(before.at(-1)?.position);
      } finally {
        if (gov !== null) {
          gov.child.kill('SIGTERM');
          await gov.exited;
        }
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
        await nc.close();
        await link.close();
      }
    });

    it('stops at once on SIGTERM while it waits for that NATS, naming what it waited for', async () => {
      // A listener that accepts and never answers: the first connect waits (its first attempt 15 s).
      const sockets = new Set<Socket>();
      let accepted!: () => void;
      const connecting = new Promise<void>((resolve) => (accepted = resolve));
      const silent = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
        accepted();
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const url = `nats://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const child = spawn(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { ...env, ANCHOR_NATS_URL: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await connecting;
        child.kill('SIGTERM');
        expect(await exited, err).toBe(0);
        expect(err).toContain(`governance: stopped by SIGTERM while starting, waiting for the chain-anchor NATS at ${url} (ANCHOR_NATS_URL)`);
      } finally {
        child.kill('SIGKILL');
        for (const s of sockets) s.destroy();
        silent.close();
      }
    });

    it('stops the start with one message naming ANCHOR_NATS_URL when its NATS refuses the connection', () => {
      // Port 16001 (this file's block 16000–16099): nothing listens there.
      const r = runToExit({ ...env, ANCHOR_NATS_URL: 'nats://127.0.0.1:16001' });
      expect(r.status, r.stderr).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain(
        'ANCHOR_NATS_URL nats://127.0.0.1:16001: the JetStream anchor sink cannot be opened: cannot connect to NATS at nats://127.0.0.1:16001: connection refused',
      );
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/(?<!ANCHOR_)NATS_URL/);
      expect(r.stdout).not.toContain('governance ready');
    });
  });

  describe('with the anchors file and a JetStream anchor sink', () => {
    it('anchors by time to both, and VerifyIntegrity names deleted newest events hidden by deleting the last anchor line', async () => {
      const stream = `TEST_GOV_ANCHORS_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const anchorFile = join(dir, 'anchors-nats.jsonl');
      const nc = await connect({ servers: NATS_URL });
      const gov = await startGovernanceProcess({
        ...env,
        ANCHOR_FILE: anchorFile,
        ANCHOR_NATS_URL: NATS_URL,
        ANCHOR_NATS_STREAM: stream,
        ANCHOR_INTERVAL_MS: '100',
      });
      try {
        const js = await openJetStreamAnchorSink({ connection: nc, stream });
        const fileAnchors = (): Anchor[] =>
          existsSync(anchorFile)
            ? readFileSync(anchorFile, 'utf8')
                .trim()
                .split('\n')
                .filter((l) => l !== '')
                .map((l) => JSON.parse(l) as Anchor)
            : [];
        const anchoredIn = async (position: number) =>
          fileAnchors().some((a) => a.position === position) && ((await js.list()) as Anchor[]).some((a) => a.position === position);
        // The file first holds an anchor of the head governance started with, so deleting the new head's anchor
        // below leaves it an older one: the file is rolled back (not emptied) behind the JetStream stream.
        await until(async () => fileAnchors().length > 0, 'the first time-based anchor in the file');
        const older = Math.max(...fileAnchors().map((a) => a.position));
        // Another process appends; governance anchors the new head by time, without appending itself.
        const store = await openSqliteEventStore({ path: env.SQLITE_PATH as string, ledgerKey: ledgerKeyFromPem(pem), validator: eventValidator });
        const head = (await store.append(streamFor('ObjectiveSet', 'u-2'), [exampleEvent('ObjectiveSet'), exampleEvent('ObjectiveSet')])).position;
        await store.close();
        await until(() => anchoredIn(head), `the time-based anchor of position ${head} in the file and the JetStream stream`);

        const token = await auditorToken('auditor-1');
        const client = createClient(governanceV1.AuditServiceClient, `127.0.0.1:${/grpc=(\d+)/.exec(gov.out())?.[1]}`, { token, deadlineMs: 10_000 });
        try {
          expect(await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 })).toMatchObject({ ok: true, problem: '' });
          // The attacker deletes the newest event and the anchors file's last line.
          const db = new DatabaseSync(env.SQLITE_PATH as string);
          db.exec('PRAGMA busy_timeout = 10000');
          db.prepare('DELETE FROM events WHERE position = ?').run(head);
          db.close();
          const lines = readFileSync(anchorFile, 'utf8').trim().split('\n');
          writeFileSync(anchorFile, `${lines.filter((l) => (JSON.parse(l) as Anchor).position !== head).join('\n')}\n`);
          const bad = await unaryCall(client, client.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
          expect(bad).toMatchObject({ ok: false, problem: 'truncated', firstBadPosition: head, lastPosition: head - 1 });
          expect(bad.detail).toContain(`jetstream:${stream}`);
          // The file ends at the older anchor, or at the new head's (head - 1) when governance's 100 ms time
          // trigger saw the head move back after the delete and anchored it before this verify.
          const rolledBack = `anchor-rolled-back: anchor sink file:${anchorFile} ends at position `;
          expect(bad.detail).toContain(rolledBack);
          expect([older, head - 1]).toContain(Number.parseInt(bad.detail.slice(bad.detail.indexOf(rolledBack) + rolledBack.length), 10));
          expect(bad.detail).not.toContain('anchor-missing');
        } finally {
          client.close();
        }
      } finally {
        gov.child.kill('SIGTERM');
        expect(await gov.exited, gov.err()).toBe(0);
        await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
        await nc.close();
      }
    });
  });
});
