// Test support of the simulator's integration tests: a small plant (pumps only, so no emergent mill
// or packer failures), a fast clock, OPC UA on a free port, and real event stores (SQLite in a
// temporary folder, PostgreSQL in a schema of its own) sealed with a fresh ledger key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventValidator } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import pg from 'pg';
import type { SimulatorConfig } from '../src/config.ts';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Plant start of every test run: the same start, seed and scenario make a replay. */
export const PLANT_START = Date.UTC(2025, 0, 6, 6);

export function simConfig(pkiDir: string, overrides: Partial<SimulatorConfig> = {}): SimulatorConfig {
  return {
    seed: 11,
    timeAcceleration: 1000,
    tickHz: 20,
    plantStartMs: PLANT_START,
    layout: { enterprise: 'acme', site: 'gt-plant', pumps: 4, mills: 0, packagers: 0 },
    opcua: { host: '127.0.0.1', port: 0, pkiDir, allowAnonymous: true, allowSecurityNone: true, autoAcceptUnknownCertificates: true, users: [] },
    http: null,
    ...overrides,
  };
}

export interface TestStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Opens (again) the same store: a restarted process. */
  open(): Promise<EventStore>;
  /** Environment of a simulator process recording into this store. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function testStore(kind: 'sqlite' | 'postgres'): Promise<TestStore> {
  const dir = await tempDir(`sim-gt-${kind}-`);
  const { privateKeyPem } = generateLedgerKeyPem();
  const keyFile = path.join(dir, 'ledger-key.pem');
  await writeFile(keyFile, privateKeyPem);
  const ledgerKey = ledgerKeyFromPem(privateKeyPem);
  if (kind === 'sqlite') {
    const file = path.join(dir, 'events.db');
    return {
      kind,
      open: () => openSqliteEventStore({ path: file, ledgerKey, validator: eventValidator }),
      env: { EVENTSTORE: 'sqlite', SQLITE_PATH: file, LEDGER_KEY_FILE: keyFile },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const schema = `sim_gt_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  return {
    kind,
    open: () => openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey, validator: eventValidator, poolSize: 2 }),
    env: { EVENTSTORE: 'postgres', PG_URL, PG_SCHEMA: schema, LEDGER_KEY_FILE: keyFile },
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
