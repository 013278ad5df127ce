// Opens the event store the environment configures (main.ts and the engineer CLI): the ledger key
// from its PEM file, then PostgreSQL (PG_URL, PG_SCHEMA) or SQLite (SQLITE_PATH). The caller closes it.
import { readFile } from 'node:fs/promises';
import { eventValidator } from '@industrial/contracts';
import { ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import type { InferenceEnv } from '../../config.ts';

export type StoreEnv = Pick<InferenceEnv, 'EVENTSTORE' | 'PG_URL' | 'PG_SCHEMA' | 'SQLITE_PATH' | 'LEDGER_KEY_FILE'>;

export async function openConfiguredStore(c: StoreEnv): Promise<EventStore> {
  const ledgerKey = ledgerKeyFromPem(await readFile(c.LEDGER_KEY_FILE, 'utf8'));
  return c.EVENTSTORE === 'postgres'
    ? openPostgresEventStore({ connectionString: c.PG_URL ?? '', schema: c.PG_SCHEMA, ledgerKey, validator: eventValidator })
    : openSqliteEventStore({ path: c.SQLITE_PATH, ledgerKey, validator: eventValidator });
}
