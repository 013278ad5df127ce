// Copies of a stopped platform's store for the tamper cases: the standalone SQLite file (with its anchor
// file and its second sink, the SQLite key-value file of anchors), or the
// cluster's PostgreSQL schema (copied into a schema of its own) with the JetStream anchor stream of
// the cluster's NATS read as the second sink, as governance anchors to both.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { connectNats, inboxPrefixFor } from '@industrial/bus';
import { eventValidator } from '@industrial/contracts';
import { FileAnchorSink, SqliteAnchorSink, ledgerKeyFromPem, openPostgresEventStore, openSqliteEventStore, type AnchorSink } from '@industrial/eventstore';
import { openJetStreamAnchorSink } from '@industrial/eventstore/jetstream';
import type { StoreCopy } from './tamper.ts';

// No anchoring on the copies: an anchor written after an alteration would seal it.
const NO_ANCHORING = { anchorEvery: 0, anchorIntervalMs: 0, validator: eventValidator };

function copyAnchors(dataDir: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const anchors = join(dir, 'anchors.jsonl');
  if (existsSync(join(dataDir, 'anchors.jsonl'))) copyFileSync(join(dataDir, 'anchors.jsonl'), anchors);
  return anchors;
}

export function sqliteCopies(dataDir: string, workDir: string): (name: string) => Promise<StoreCopy> {
  const ledgerKey = ledgerKeyFromPem(readFileSync(join(dataDir, 'ledger-key.pem'), 'utf8'));
  return async (name) => {
    const dir = join(workDir, name);
    const anchors = copyAnchors(dataDir, dir);
    for (const f of ['events.db', 'events.db-wal', 'events.db-shm']) if (existsSync(join(dataDir, f))) copyFileSync(join(dataDir, f), join(dir, f));
    // The second sink as the platform left it (its SQLite key-value file under <data dir>/anchors): the cases alter the file sink only.
    mkdirSync(join(dir, 'anchors'), { recursive: true });
    for (const f of ['anchors.db', 'anchors.db-wal', 'anchors.db-shm'])
      if (existsSync(join(dataDir, 'anchors', f))) copyFileSync(join(dataDir, 'anchors', f), join(dir, 'anchors', f));
    const kv = new SqliteAnchorSink(join(dir, 'anchors', 'anchors.db'));
    const store = await openSqliteEventStore({
      path: join(dir, 'events.db'),
      ledgerKey,
      anchorSinks: [new FileAnchorSink(anchors), kv],
      ownsAnchorSinks: true,
      ...NO_ANCHORING,
    });
    return {
      anchors,
      exec: async (sql, params = []) => void store.db.prepare(sql).run(...params),
      head: async () => (store.db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number }).p,
      verify: () => store.verify(),
      close: () => store.close(),
    };
  };
}

export interface ClusterStore {
  dataDir: string;
  workDir: string;
  pgUrl: string;
  schema: string;
  natsUrl: string;
  anchorStream: string;
  /** The cluster NATS's TLS (its CA), when it serves TLS. */
  natsTls?: { caFile: string };
}

/** Each copy: `<schema>_rt_<name>`, dropped by `drop()`. */
export function postgresCopies(c: ClusterStore): { open: (name: string) => Promise<StoreCopy>; drop: () => Promise<void> } {
  const ledgerKey = ledgerKeyFromPem(readFileSync(join(c.dataDir, 'ledger-key.pem'), 'utf8'));
  const schemas: string[] = [];
  const sql = async (text: string, params: unknown[] = []): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: c.pgUrl });
    await client.connect();
    try {
      return await client.query(text, params);
    } finally {
      await client.end();
    }
  };
  return {
    async open(name) {
      const schema = `${c.schema}_rt_${name}`;
      schemas.push(schema);
      await sql(
        `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.events (LIKE ${c.schema}.events INCLUDING ALL); INSERT INTO ${schema}.events SELECT * FROM ${c.schema}.events`,
      );
      const anchors = copyAnchors(c.dataDir, join(c.workDir, name));
      // Governance's own NATS user (the anchor stream's one writer and reader; its replies on _INBOX_governance, anchorStreamGrant).
      const nc = await connectNats({
        servers: c.natsUrl,
        credentials: { kind: 'nkey', seedFile: join(c.dataDir, 'nats', 'governance.nk') },
        inboxPrefix: inboxPrefixFor('governance'),
        ...(c.natsTls === undefined ? {} : { tls: c.natsTls }),
      });
      const stream = await openJetStreamAnchorSink({ connection: nc, stream: c.anchorStream });
      const sinks: AnchorSink[] = [new FileAnchorSink(anchors), stream];
      const store = await openPostgresEventStore({ connectionString: c.pgUrl, schema, ledgerKey, anchorSinks: sinks, ...NO_ANCHORING });
      return {
        anchors,
        exec: async (text, params = []) => {
          let n = 0;
          await sql(
            text.replaceAll('events', `${schema}.events`).replaceAll('?', () => `$${++n}`),
            params,
          );
        },
        head: async () => Number((await sql(`SELECT MAX(position) AS p FROM ${schema}.events`)).rows[0]?.p ?? 0),
        verify: () => store.verify(),
        close: async () => {
          await store.close();
          await nc.close();
        },
      };
    },
    async drop() {
      for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => undefined);
    },
  };
}
