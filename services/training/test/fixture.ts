// Test fixture: a training app on loopback over a real event store (SQLite file or a fresh
// PostgreSQL schema, dropped afterwards), real access keys and tokens, dataset snapshots made by
// the real dataops app (CSV import → snapshot, DatasetSnapshotCreated in the same store), a
// filesystem artifact store in a temp dir and an in-memory cost model source.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { createInProcBus, type Bus } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { createDataopsApp, DEFAULT_CONFIG, openSqliteDataopsStore, type DataopsApp } from '@industrial/dataops';
import {
  generateLedgerKeyPem,
  ledgerKeyFromPem,
  MemoryAnchorSink,
  openPostgresEventStore,
  openSqliteEventStore,
  type EventStore,
} from '@industrial/eventstore';
import { createClient, trainingV1 } from '@industrial/grpc';
import pg from 'pg';
import { createMemoryCostModels, createTrainingApp, type Trainer, type TrainingApp } from '../src/index.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ISSUER = 'industrial-access';
export const AUDIENCE = 'industrial-platform';
export const silent = { debug() {}, info() {}, warn() {}, error() {} };

// RestrictedDataRead is dataops-local (not in contracts yet, see its README).
const validator = { validate: (type: string, v: number, data: unknown) => (type === 'RestrictedDataRead' ? null : eventValidator.validate(type, v, data)) };

export interface StoreFixture {
  name: 'sqlite' | 'postgres';
  store: EventStore;
  cleanup(): Promise<void>;
}
export type StoreFactory = () => Promise<StoreFixture>;

export const sqliteStore: StoreFactory = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'training-sqlite-'));
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator,
  });
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
  const schema = `training_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const store = await openPostgresEventStore({
    connectionString: PG_URL,
    schema,
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator,
  });
  return {
    name: 'postgres',
    store,
    async cleanup() {
      await store.close().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
};

/** A small, deterministic maintenance table: failures follow torque × wear, with a one-class and a gappy column. */
export function syntheticCsv(rows: number): string {
  const lines = ['udi,type,air_temperature,torque,tool_wear,gappy,always_zero,machine_failure'];
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 1; i <= rows; i++) {
    const torque = 25 + 30 * rnd();
    const wear = Math.floor(240 * rnd());
    const fail = torque * wear > 9000 || rnd() < 0.01 ? 1 : 0;
    lines.push([i, 'LMH'[i % 3], (298 + 2 * rnd()).toFixed(1), torque.toFixed(1), wear, i % 17 === 0 ? '' : (rnd() * 10).toFixed(2), 0, fail].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export const CSV_MAPPING = {
  format: 'wide',
  header: true,
  order: { column: 'udi' },
  fields: [
    { column: 'type', type: 'utf8', role: 'context' },
    { column: 'air_temperature', unit: 'K' },
    { column: 'torque', unit: 'Nm' },
    { column: 'tool_wear', type: 'int32', unit: 'min' },
    { column: 'gappy', nullable: true },
    { column: 'always_zero', type: 'int32', role: 'label' },
    { column: 'machine_failure', type: 'int32', role: 'label' },
  ],
};

export interface Running {
  app: TrainingApp;
  /** The in-process bus the app consumes integration events from (stream EVENTS, subjects evt.v1.>). */
  bus: Bus;
  dataops: DataopsApp;
  grpcAddress: string;
  snapshotDir: string;
  artifactDir: string;
  costModels: ReturnType<typeof createMemoryCostModels>;
  token(role: Role): Promise<string>;
  client(token?: string): trainingV1.TrainingServiceClient;
  /** Imports a CSV through dataops and snapshots it (chronological 60/20/20 by udi). */
  snapshot(useCaseId: string, csv: string): Promise<{ snapshotId: string; contentHash: string; datasetId: string }>;
  close(): Promise<void>;
}

/** `costModels: 'charter'` leaves the app its production source (the charter's records in the store). */
export async function startTraining(
  store: EventStore,
  options: { codeVersion?: string; trainer?: Trainer; costModels?: 'memory' | 'charter' } = {},
): Promise<Running> {
  const material = await createKeySet({ now: new Date() });
  const keySet = await importKeySet(material.keySet);
  const signingKey = await importSigningKey(material.signingKey);
  const dir = mkdtempSync(join(tmpdir(), 'training-app-'));
  const snapshotDir = join(dir, 'snapshots');
  const artifactDir = join(dir, 'artifacts');
  const data = await openSqliteDataopsStore({ path: join(dir, 'dataops.db'), refinedIntervalMs: 1000 });
  const dataops = createDataopsApp({
    store,
    data,
    bus: createInProcBus(),
    keySet,
    logger: silent,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir, codeVersion: 'test-1' },
  });
  const costModels = createMemoryCostModels();
  const bus = createInProcBus();
  await bus.ensureStream({ name: 'EVENTS', subjects: ['evt.v1.>'] });
  const app = createTrainingApp({
    store,
    bus,
    keySet,
    logger: silent,
    ...(options.costModels === 'charter' ? {} : { costModels }),
    ...(options.trainer === undefined ? {} : { trainer: options.trainer }),
    config: {
      grpc: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      access: { issuer: ISSUER, audience: AUDIENCE },
      artifactDir,
      snapshotDir,
      codeVersion: options.codeVersion ?? '0.1.0',
      importanceRepeats: 1,
      shutdownGraceMs: 5000,
    },
  });
  const { grpcPort } = await app.start();
  const grpcAddress = `127.0.0.1:${grpcPort}`;
  const clients: { close(): void }[] = [];
  return {
    app,
    bus,
    dataops,
    grpcAddress,
    snapshotDir,
    artifactDir,
    costModels,
    token: (role) =>
      issueToken(signingKey, {
        subject: `${role}-1`,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 3600,
      }),
    client(token) {
      const c = createClient(trainingV1.TrainingServiceClient, grpcAddress, { ...(token === undefined ? {} : { token }), deadlineMs: 60_000 });
      clients.push(c);
      return c;
    },
    async snapshot(useCaseId, csv) {
      const file = join(dir, `${randomUUID()}.csv`);
      writeFileSync(file, csv);
      const imp = await dataops.importCsv({ name: 'maintenance.csv', path: file, mapping: CSV_MAPPING }, { subject: 'erin', role: 'engineer' });
      const datasetId = randomUUID();
      const m = await dataops.createSnapshot(
        {
          datasetId,
          useCaseId,
          source: { kind: 'import', importId: imp.importId },
          split: { kind: 'chronological', by: 'udi', train: 0.6, validation: 0.2 },
          assetPath: 'acme.plant-1.machining.line-1.mill-1',
        },
        { subject: 'erin', role: 'engineer' },
      );
      return { snapshotId: m.snapshotId, contentHash: m.contentHash, datasetId };
    },
    async close() {
      for (const c of clients) c.close();
      await app.stop();
      await bus.drain();
      await data.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a server stream to its end. */
export function collect<T>(call: {
  on(e: 'data', f: (m: T) => void): unknown;
  on(e: 'error', f: (e: Error) => void): unknown;
  on(e: 'end', f: () => void): unknown;
}): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    call.on('data', (m) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}
