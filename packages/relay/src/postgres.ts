// Cluster mode coordination: a session-level advisory lock held by a dedicated connection is the
// relay lease; the checkpoint is written through that same connection, so a relay that lost its
// connection (and with it the lock) can never overwrite the checkpoint of the one that took over.
import pg from 'pg';
import type { CheckpointStore, RelayLease } from './relay.ts';

export interface PgCoordinationOptions {
  connectionString: string;
  /** One relay per store: use the store's schema. */
  name: string;
  /** How often a waiting instance retries the lock, and the holder checks its connection. */
  pollMs?: number;
}

export function pgCoordination(options: PgCoordinationOptions): { lease: RelayLease; checkpoints: CheckpointStore } {
  const poll = options.pollMs ?? 500;
  const lostController = new AbortController();
  let client: pg.Client | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  const key = `relay:${options.name}`;
  const lose = (): void => {
    if (heartbeat) clearInterval(heartbeat);
    lostController.abort(new Error('relay lease lost'));
  };

  const lease: RelayLease = {
    lost: lostController.signal,
    async acquire(signal) {
      const c = new pg.Client({ connectionString: options.connectionString, application_name: `relay:${options.name}`, keepAlive: true });
      await c.connect();
      c.on('error', lose);
      c.on('end', lose);
      await c.query(
        `CREATE TABLE IF NOT EXISTS public.relay_checkpoints (name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (;;) {
        if (signal.aborted) {
          await c.end();
          throw new Error('relay stopped before it acquired the lease');
        }
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key]);
        if (r.rows[0]?.ok) break;
        await new Promise((res) => setTimeout(res, poll));
      }
      client = c;
      // A dead connection is only noticed on the next I/O: probe it so a lost lock stops us quickly.
      heartbeat = setInterval(() => {
        c.query('SELECT 1').catch(lose);
      }, poll);
    },
    async release() {
      if (heartbeat) clearInterval(heartbeat);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => undefined);
    },
  };

  const checkpoints: CheckpointStore = {
    async load() {
      if (!client) throw new Error('checkpoint read without the lease');
      const r = await client.query<{ position: string }>('SELECT position FROM public.relay_checkpoints WHERE name = $1', [options.name]);
      return r.rows[0] ? Number(r.rows[0].position) : 0;
    },
    async save(position) {
      if (!client || lostController.signal.aborted) throw new Error('checkpoint write without the lease');
      await client.query(
        `INSERT INTO public.relay_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = GREATEST(relay_checkpoints.position, EXCLUDED.position), updated_at = now()`,
        [options.name, position],
      );
    },
  };
  return { lease, checkpoints };
}
