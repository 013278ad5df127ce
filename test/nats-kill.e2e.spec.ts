// The kill test on loopback: its own 3-node nats-server cluster (JetStream file storage, streams R3)
// and its own PostgreSQL schema; the data path of `npm run cluster` — the plant simulator, connectivity,
// two relays, dataops and two inference replicas — under the simulator's load. Mid-load one NATS node
// and one inference replica are killed (SIGKILL). Then connectivity is stopped (it forwards what its
// buffer holds), dataops drains, and: every batch the cluster acknowledged (each message of the UNS
// stream, by its message id) is in the historian exactly once and no sample row is doubled; the store
// holds no event twice and EVENTS holds no event twice and none the store lacks.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectNats } from '@industrial/bus';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../scripts/platform/nats-cluster.ts';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PORT = 57_500 + Math.floor(Math.random() * 4) * 100; // this helper's range, 57000-57999
const NATS_URL = [0, 1, 2].map((i) => `nats://127.0.0.1:${PORT + i}`).join(',');
const schema = `kill_${randomUUID().replaceAll('-', '').slice(0, 10)}`;

let dir = '';
let nats: NatsCluster | null = null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms: number, out?: () => string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}${out === undefined ? '' : `\n${out().slice(-3000)}`}`);
    await sleep(500);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nats-kill-'));
  nats = await startNatsCluster(dir, PORT);
});

afterAll(async () => {
  nats?.stop();
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.query(`DROP SCHEMA IF EXISTS ${schema}_historian CASCADE`);
  await c.query('DELETE FROM public.relay_checkpoints WHERE name = $1', [schema]).catch(() => undefined);
  await c.end();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Message ids (Nats-Msg-Id) of every message of `stream`, read message by message. */
async function messageIds(stream: string): Promise<string[]> {
  const nc = await connectNats({ servers: NATS_URL });
  // A JetStream API request may time out while the cluster re-elects after the kill: ask again.
  const req = async (subject: string, body: unknown): Promise<Record<string, any>> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).data)) as Record<string, any>;
      } catch (err) {
        if (attempt >= 6) throw err;
        await sleep(1000);
      }
    }
  };
  try {
    const info = await req(`$JS.API.STREAM.INFO.${stream}`, {});
    expect(info.config.num_replicas, `${stream} replicas`).toBe(3);
    const ids: string[] = [];
    for (let seq = info.state.first_seq as number; seq <= (info.state.last_seq as number); seq++) {
      const got = await req(`$JS.API.STREAM.MSG.GET.${stream}`, { seq });
      if (got.message === undefined) continue;
      const hdrs = Buffer.from(got.message.hdrs ?? '', 'base64').toString();
      const id = /Nats-Msg-Id:\s*(\S+)/i.exec(hdrs)?.[1];
      if (id !== undefined) ids.push(id);
    }
    return ids;
  } finally {
    await nc.close();
  }
}

describe('kill test: 3-node NATS, two inference replicas, under simulator load', () => {
  it('loses nothing acknowledged and doubles nothing when a NATS node and an inference replica are killed mid-load', async () => {
    const base = PORT + 20;
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/platform/cluster.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PLATFORM_DATA_DIR: join(dir, 'platform'),
        PLATFORM_BASE_PORT: String(base),
        PLATFORM_TLS: '0',
        PG_URL,
        PG_SCHEMA: schema,
        NATS_URL,
        CLUSTER_NATS: 'shared',
        NATS_STREAM_REPLICAS: '3',
        CLUSTER_ONLY: 'relay-a,relay-b,simulator,connectivity,dataops,inference-a,inference-b',
        CLUSTER_KEEP_GOING: '1',
        METRICS_PORT: 'off',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    for (const s of [proc.stdout, proc.stderr])
      s?.on('data', (d: Buffer) => {
        out += d.toString();
      });
    const pidOf = (name: string) => Number(new RegExp(`${name}\\s+│ started \\(pid (\\d+)\\)`).exec(out)?.[1]);
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    const batches = async () => Number((await db.query(`SELECT count(*) AS n FROM ${schema}_historian.ingested_batches`)).rows[0].n);
    try {
      await until(
        'samples in the historian',
        async () => (await batches()) > 20,
        240_000,
        () => out,
      );
      // Mid-load: one NATS node and one inference replica die without warning.
      nats?.nodes[1]?.kill('SIGKILL');
      process.kill(pidOf('inference-b'), 'SIGKILL');
      const atKill = await batches();
      // The load goes on through the two surviving nodes.
      await until(
        'more samples after the kills',
        async () => (await batches()) > atKill + 20,
        180_000,
        () => out,
      );
      // Stop the source: connectivity forwards what its buffer still holds, then dataops drains the stream.
      process.kill(pidOf('connectivity'), 'SIGTERM');
      await until(
        'connectivity stopped',
        async () => /connectivity\s+│ exited/.test(out),
        60_000,
        () => out,
      );
      const acknowledged = await messageIds('UNS');
      expect(acknowledged.length).toBeGreaterThan(40);
      expect(new Set(acknowledged).size, 'a batch twice in the UNS stream').toBe(acknowledged.length);
      await until(
        'every acknowledged batch in the historian',
        async () => {
          const { rows } = await db.query(`SELECT batch_id::text AS id FROM ${schema}_historian.ingested_batches`);
          const have = new Set(rows.map((r: { id: string }) => r.id));
          return acknowledged.every((id) => have.has(id));
        },
        120_000,
        () => out,
      );
      // Nothing doubled: one ledger row per batch, one sample row per (batch, index).
      const dup = await db.query(`SELECT count(*) AS n, count(DISTINCT (batch_id, idx)) AS d FROM ${schema}_historian.raw_samples`);
      expect(Number(dup.rows[0].n)).toBeGreaterThan(0);
      expect(Number(dup.rows[0].n)).toBe(Number(dup.rows[0].d));
      // The event store: every event once, and each published to EVENTS once by the relays.
      const events = await db.query(`SELECT id::text AS id FROM ${schema}.events`);
      const ids = events.rows.map((r: { id: string }) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Known gap (README "Status of #19"): a relay whose publish meets "no stream captures subject" while
      // the EVENTS leader is re-elected exits instead of retrying, so EVENTS may stay behind the store;
      // what it holds is checked: no event twice, nothing that is not in the store.
      let published: string[] = [];
      for (let t = Date.now(); Date.now() - t < 30_000; await sleep(1000)) {
        published = await messageIds('EVENTS');
        if (published.length >= ids.length) break;
      }
      expect(published.length).toBeGreaterThan(0);
      expect(new Set(published).size, 'an event twice in EVENTS').toBe(published.length);
      const inStore = new Set(ids);
      expect(published.filter((id) => !inStore.has(id))).toEqual([]);
      // The surviving replica kept running.
      expect(out).not.toMatch(/inference-a\s+│ exited/);
    } finally {
      await db.end();
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
  });
});
