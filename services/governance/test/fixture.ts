// Test fixture: a governance app on loopback over a real event store (SQLite file or a fresh
// PostgreSQL schema), real access keys and tokens, a controllable store clock, and raw SQL for
// tampering. Shared by the integration tests.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { eventExamples, eventValidator, latestVersion, streamFor, type EventType } from '@industrial/contracts';
import {
  MemoryAnchorSink,
  generateLedgerKeyPem,
  ledgerKeyFromPem,
  openPostgresEventStore,
  openSqliteEventStore,
  type EventStore,
  type NewEvent,
} from '@industrial/eventstore';
import { createClient, governanceRegistryV1, governanceV1 } from '@industrial/grpc';
import pg from 'pg';
import { expect } from 'vitest';
import { createGovernanceApp, type GovernanceApp, type GovernanceAppConfig } from '../src/index.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';

export interface StoreFixture {
  name: 'sqlite' | 'postgres';
  store: EventStore;
  /** Runs SQL against the store's table (`$1` params), bypassing the store. */
  tamper(sql: (table: string) => string, params?: unknown[]): Promise<void>;
  cleanup(): Promise<void>;
}

export type StoreFactory = (now: () => Date) => Promise<StoreFixture>;

export const sqliteStore: StoreFactory = async (now) => {
  const dir = mkdtempSync(join(tmpdir(), 'gov-sqlite-'));
  const path = join(dir, 'events.db');
  const store = await openSqliteEventStore({
    path,
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
    now,
  });
  return {
    name: 'sqlite',
    store,
    async tamper(sql, params = []) {
      const db = new DatabaseSync(path);
      try {
        db.exec('PRAGMA busy_timeout = 10000');
        db.prepare(sql('events').replace(/\$(\d+)/g, '?')).run(...(params as never[]));
      } finally {
        db.close();
      }
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const postgresStore: StoreFactory = async (now) => {
  const schema = `gov_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const store = await openPostgresEventStore({
    connectionString: PG_URL,
    schema,
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
    now,
  });
  return {
    name: 'postgres',
    store,
    async tamper(sql, params = []) {
      await admin.query(sql(`${schema}.events`), params);
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
};

/** A valid event of a registered contract type (the store runs the contract validator). */
export function exampleEvent(type: EventType): NewEvent {
  return {
    id: randomUUID(),
    type,
    data: eventExamples[type],
    metadata: { actor: 'erin', role: 'engineer', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: latestVersion(type) },
  };
}
export { streamFor };

/** Awaits a call that must fail with `code`; returns the error (details, trailers). */
export async function expectStatus(p: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e as grpc.ServiceError,
  );
  expect(error, `expected ${grpc.status[code]}`).not.toBeNull();
  expect(grpc.status[error!.code], error!.details).toBe(grpc.status[code]);
  return error!;
}

export interface Running {
  app: GovernanceApp;
  grpcAddress: string;
  httpUrl: string;
  token(role: Role, options?: { ttlSeconds?: number }): Promise<string>;
  /** A token for a named person holding several roles (four eyes needs names), scope `*` unless given. */
  tokenFor(subject: string, roles: readonly Role[], scopes?: readonly string[]): Promise<string>;
  audit(token?: string, deadlineMs?: number): governanceV1.AuditServiceClient;
  registry(token?: string, deadlineMs?: number): governanceRegistryV1.ModelRegistryServiceClient;
  close(): Promise<void>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The governance app on loopback over `store`; `replay` bounds ReplayTo (default the app's); live monitoring off unless `liveMonitor` is given. */
export async function startGovernance(
  store: EventStore,
  options: { replay?: GovernanceAppConfig['replay']; liveMonitor?: GovernanceAppConfig['liveMonitor'] } = {},
): Promise<Running> {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const app = createGovernanceApp({
    store,
    keySet,
    logger: silent,
    config: {
      grpc: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      shutdownGraceMs: 2000,
      ...(options.replay === undefined ? {} : { replay: options.replay }),
      // Live monitoring only when a test calls check() or asks for a schedule.
      liveMonitor: options.liveMonitor ?? { intervalMs: 0 },
    },
  });
  const { grpcPort, httpPort } = await app.start();
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const clients: grpc.Client[] = [];
  return {
    app,
    grpcAddress,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    token: (role, options = {}) =>
      issueToken(signingKey, {
        subject: `${role}-1`,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: options.ttlSeconds ?? 3600,
      }),
    tokenFor: (subject, roles, scopes = ['*']) =>
      issueToken(signingKey, {
        subject,
        roles: [...roles],
        scopes: [...scopes],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 3600,
      }),
    audit(token, deadlineMs) {
      const c = createClient(governanceV1.AuditServiceClient, grpcAddress, { ...(token === undefined ? {} : { token }), deadlineMs: deadlineMs ?? 10_000 });
      clients.push(c);
      return c;
    },
    registry(token, deadlineMs) {
      const c = createClient(governanceRegistryV1.ModelRegistryServiceClient, grpcAddress, {
        ...(token === undefined ? {} : { token }),
        deadlineMs: deadlineMs ?? 10_000,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await app.stop();
    },
  };
}

const require = createRequire(import.meta.url);

/** A grpc.health.v1 client (health and reflection need no token). */
export function healthClient(
  address: string,
): grpc.Client & { check: (req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void) => void } {
  const def = loadSync(healthProtoPath, { keepCase: true, enums: String });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as never;
}

/** Lists services through server reflection v1. */
export function listServicesByReflection(address: string): Promise<string[]> {
  const def = loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = (
      client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }> }
    ).ServerReflectionInfo();
    call.on('data', (r) => {
      resolve((r.list_services_response?.service ?? []).map((s: { name: string }) => s.name));
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write({ list_services: '' });
  });
}
