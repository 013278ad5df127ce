// Test fixture: a charter app on loopback over a real event store (SQLite file or a fresh
// PostgreSQL schema, dropped afterwards), real access keys and tokens, injected ports and clock.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { eventValidator } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createInProcBus } from '@industrial/bus';
import { DEFAULT_CONFIG, createDataopsApp, createDataopsGrpcServer, openSqliteDataopsStore, type DataopsApp, type DataopsStore } from '@industrial/dataops';
import { charterV1, createClient, type GrpcServerHandle } from '@industrial/grpc';
import pg from 'pg';
import { createCharterApp, type CharterApp, type CharterAppDeps } from '../src/index.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';
/** The shared AI4I file, read in place (../shared relative to the repository root). */
export const AI4I_CSV = fileURLToPath(new URL('../../../../shared/datasets/ai4i2020/ai4i2020.csv', import.meta.url));

export interface StoreFixture {
  name: 'sqlite' | 'postgres';
  store: EventStore;
  cleanup(): Promise<void>;
}
export type StoreFactory = () => Promise<StoreFixture>;

const ledgerKey = () => ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem);

export const sqliteStore: StoreFactory = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-sqlite-'));
  const store = await openSqliteEventStore({ path: join(dir, 'events.db'), ledgerKey: ledgerKey(), validator: eventValidator });
  return {
    name: 'sqlite',
    store,
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const postgresStore: StoreFactory = async () => {
  const schema = `charter_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKey(), validator: eventValidator });
  return {
    name: 'postgres',
    store,
    async cleanup() {
      await store.close().catch(() => undefined);
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
};

export interface Running {
  app: CharterApp;
  grpcAddress: string;
  token(role: Role, subject?: string): Promise<string>;
  client(token?: string): charterV1.CharterServiceClient;
  close(): Promise<void>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export async function startCharter(
  store: EventStore,
  ports: Pick<CharterAppDeps, 'historian' | 'catalog' | 'outcomes' | 'now'> = {},
  config: Partial<CharterAppDeps['config']> = {},
): Promise<Running> {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const app = createCharterApp({
    store,
    keySet,
    logger: silent,
    config: {
      grpc: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      plantTimeZone: 'Europe/Berlin',
      shutdownGraceMs: 2000,
      ...config,
    },
    ...ports,
  });
  const { grpcPort } = await app.start();
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const clients: charterV1.CharterServiceClient[] = [];
  return {
    app,
    grpcAddress,
    token: (role, subject) =>
      issueToken(signingKey, {
        subject: subject ?? `${role}-1`,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 3600,
      }),
    client(token) {
      const c = createClient(charterV1.CharterServiceClient, grpcAddress, { ...(token === undefined ? {} : { token }), deadlineMs: 20_000 });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await app.stop();
    },
  };
}

/** A real dataops (SQLite historian, in-process bus) serving its gRPC API on loopback, sharing the
 *  charter's event store, with a token factory for the charter's service account at dataops. */
export interface DataopsOverGrpc {
  dataops: DataopsApp;
  address: string;
  serviceToken(roles?: Role[]): Promise<string>;
  close(): Promise<void>;
}

export async function dataopsOverGrpc(store: EventStore): Promise<DataopsOverGrpc> {
  const dir = mkdtempSync(join(tmpdir(), 'charter-dataops-'));
  const data: DataopsStore = await openSqliteDataopsStore({ path: join(dir, 'historian.db'), refinedIntervalMs: 1000 });
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const dataops = createDataopsApp({
    store,
    data,
    bus: createInProcBus(),
    keySet,
    logger: silent,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir: join(dir, 'snapshots') },
  });
  const server: GrpcServerHandle = createDataopsGrpcServer({ app: dataops, store, keySet, access: { issuer: ISSUER, audience: AUDIENCE }, logger: silent });
  const address = `127.0.0.1:${await server.listen()}`;
  return {
    dataops,
    address,
    serviceToken: (roles: Role[] = ['service']) =>
      issueToken(signingKey, {
        subject: 'svc:charter',
        roles,
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 600,
      }),
    async close() {
      await server.shutdown({ graceMs: 1000 });
      await dataops.stop();
      await data.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
