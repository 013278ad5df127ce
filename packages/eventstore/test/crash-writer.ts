// Child process for the crash test: appends one event at a time to one stream with exact
// expected revisions and prints "ack <i>" after each acknowledged append. Event ids are derived
// from the index, so a restarted writer retries exactly the same ids.
import { createHash } from 'node:crypto';
import { ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type EventStore } from '../src/index.ts';

const [adapter, target, keyFile, fromArg, toArg] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const ledgerKey = ledgerKeyFromPem(readFileSync(keyFile as string, 'utf8'));
const store: EventStore =
  adapter === 'postgres'
    ? await openPostgresEventStore({
        connectionString: process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        schema: target as string,
        ledgerKey,
      })
    : await openSqliteEventStore({ path: target as string, ledgerKey });

export function idFor(i: number): string {
  const h = createHash('sha256').update(`crash-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const from = Number(fromArg);
const to = Number(toArg);
for (let i = from; i < to; i++) {
  await store.append(
    'crash-1',
    [
      {
        id: idFor(i),
        type: 'Counted',
        data: { i },
        metadata: { actor: 'crash-writer', role: 'service', correlationId: `c-${i}`, causationId: null, traceparent: null, schemaVersion: 1 },
      },
    ],
    { expectedRevision: i === 0 ? 'no-stream' : i - 1 },
  );
  process.stdout.write(`ack ${i}\n`);
}
await store.close();
process.stdout.write('done\n');
