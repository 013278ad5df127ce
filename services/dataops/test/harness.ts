// Test harness: one factory per storage adapter (so the historian contract runs against both),
// an event store that validates against the platform contracts, and UNS batch builders.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { eventValidator, type UnsSampleBatch } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { openPostgresDataopsStore } from '../src/adapters/historian/postgres.ts';
import { openSqliteDataopsStore } from '../src/adapters/historian/sqlite.ts';
import type { DataopsStore } from '../src/ports.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.TEST_NATS_URL ?? '127.0.0.1:4222';

export interface StoreHarness {
  name: 'postgres' | 'sqlite';
  store: DataopsStore;
  cleanup(): Promise<void>;
}

export type StoreFactory = (refinedIntervalMs?: number) => Promise<StoreHarness>;

export const postgresStore: StoreFactory = async (refinedIntervalMs = 1000) => {
  const schema = `dataops_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}: these tests need it`, { cause: e });
  }
  const store = await openPostgresDataopsStore({ connectionString: PG_URL, schema, refinedIntervalMs });
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

export const sqliteStore: StoreFactory = async (refinedIntervalMs = 1000) => {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-sqlite-'));
  const store = await openSqliteDataopsStore({ path: join(dir, 'dataops.db'), refinedIntervalMs });
  return {
    name: 'sqlite',
    store,
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** Event store that refuses events violating the platform contracts. */
export async function testEventStore(): Promise<EventStore> {
  const { privateKeyPem } = generateLedgerKeyPem();
  return openSqliteEventStore({
    path: ':memory:',
    ledgerKey: ledgerKeyFromPem(privateKeyPem),
    anchorEvery: 0,
    validator: eventValidator,
  });
}

export const ASSET = 'acme.plant1.milling.line-1.mill-1';
export const SOURCE = '0193a1b2-7c00-7a10-8b00-000000000004';

export interface SampleSpec {
  tag: string;
  ts: number;
  value: number | boolean | string;
  unit?: string;
  bad?: boolean;
}

export function unsBatch(samples: SampleSpec[], options: { batchId?: string; assetPath?: string; plantTime?: number } = {}): UnsSampleBatch {
  const plant = options.plantTime ?? Math.max(...samples.map((s) => s.ts)) + 1;
  return {
    batchId: options.batchId ?? randomUUID(),
    sourceId: SOURCE,
    assetPath: options.assetPath ?? ASSET,
    plantTime: new Date(plant).toISOString(),
    samples: samples.map((s) => ({
      tag: s.tag,
      value: s.value,
      ...(s.unit === undefined ? {} : { unit: s.unit }),
      quality: s.bad === true ? { severity: 'Bad' as const, code: 0x80000000 } : { severity: 'Good' as const, code: 0 },
      sourceTimestamp: new Date(s.ts).toISOString(),
      serverTimestamp: new Date(s.ts + 5).toISOString(),
    })),
  };
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
