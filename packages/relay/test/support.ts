// Test support of the relay's integration tests: the PostgreSQL they share, and the clean-up of a
// test's own store schema and relay checkpoint.
import pg from 'pg';

export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Drops the test's store schema and its relay checkpoint. */
export async function dropRelaySchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
  } finally {
    await c.end();
  }
}
