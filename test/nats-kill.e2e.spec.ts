// The kill test on loopback: its own 3-node nats-server cluster (JetStream file storage, streams R3)
// and its own PostgreSQL schema; the data path of `npm run cluster` — the plant simulator, connectivity,
// two relays, dataops, the charter and two inference replicas — under the simulator's load, serving
// the pump bearing use case (usecases/pump-bearing.json, defined through the charter's API; no model
// deployed, so its declared limits prompt). A bearing fault is injected on a pump that inference-b
// owns; once it is prompted, the NATS node leading the UNS stream and inference-b are killed (SIGKILL)
// and inference-a takes the pump over. Then connectivity is stopped (it forwards what its buffer holds), dataops drains,
// and: every batch the cluster acknowledged (each message of the UNS stream, by its message id) is in
// the historian exactly once and no sample row is doubled; the store holds no event twice and EVENTS
// catches up with it (every event once); one prompt for the faulted pump across the takeover and
// none for the healthy ones.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { connectNats } from '@industrial/bus';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../scripts/platform/nats-cluster.ts';
import { HashRing } from '../services/inference/src/domain/hashring.ts';

const root = resolve(import.meta.dirname, '..');
const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PORT = 14_100; // ports 14100-14232 (NATS 14100-14112, the cluster 14120-14232): below Linux's ephemeral range (32768–60999), where other tests' port-0 listeners and outgoing connections land
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
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}${out === undefined ? '' : `\n${out().slice(-12_000)}`}`);
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

/**
 * Where the data path stands (for a failure message): per stream its leader, replicas and last
 * sequence, per consumer of UNS its leader, delivered and acknowledged sequences and pending count.
 */
async function jetstreamState(): Promise<string> {
  const nc = await connectNats({ servers: NATS_URL, connectTimeoutMs: 5000 });
  const req = async (subject: string): Promise<Record<string, any>> =>
    JSON.parse(new TextDecoder().decode((await nc.request(subject, '{}', { timeout: 5000 })).data)) as Record<string, any>;
  const lines: string[] = [];
  try {
    for (const stream of ['UNS', 'EVENTS']) {
      const i = await req(`$JS.API.STREAM.INFO.${stream}`).catch((e: unknown): Record<string, any> => ({ error: String(e) }));
      const replicas = ((i.cluster?.replicas ?? []) as { name: string; current: boolean; offline?: boolean }[])
        .map((r) => `${r.name}${r.offline ? ' offline' : r.current ? '' : ' behind'}`)
        .join(',');
      lines.push(`${stream}: ${i.error ? JSON.stringify(i.error) : `leader ${i.cluster?.leader ?? 'none'} (${replicas}) last_seq ${i.state?.last_seq}`}`);
    }
    const list = await req('$JS.API.CONSUMER.LIST.UNS').catch((e: unknown): Record<string, any> => ({ error: String(e) }));
    for (const c of (list.consumers ?? []) as Record<string, any>[])
      lines.push(
        `UNS/${c.name}: leader ${c.cluster?.leader ?? 'none'} delivered ${c.delivered?.stream_seq} acked ${c.ack_floor?.stream_seq} pending ${c.num_pending} ack_pending ${c.num_ack_pending} waiting ${c.num_waiting}`,
      );
    if (list.error) lines.push(`UNS consumers: ${JSON.stringify(list.error)}`);
  } finally {
    await nc.close();
  }
  return lines.join('\n');
}

/** Connectivity's store-and-forward buffer: batches waiting and batches appended since start (read-only). */
function bufferState(): string {
  const db = new DatabaseSync(join(dir, 'platform', 'connectivity', 'buffer.db'), { readOnly: true });
  try {
    const waiting = Number(db.prepare('SELECT count(*) AS n FROM batches').get()?.n);
    const appended = Number(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").get()?.seq ?? 0);
    return `connectivity buffer: ${waiting} waiting, ${appended} appended`;
  } finally {
    db.close();
  }
}

/** Index (0–2) of the node that leads the UNS stream. */
async function unsLeader(): Promise<number> {
  const nc = await connectNats({ servers: NATS_URL });
  try {
    for (let attempt = 0; ; attempt++) {
      const r = await nc
        .request('$JS.API.STREAM.INFO.UNS', '{}', { timeout: 5000 })
        .then((m) => JSON.parse(new TextDecoder().decode(m.data)) as Record<string, any>)
        .catch(() => ({}) as Record<string, any>);
      const n = /^n([123])$/.exec(String(r.cluster?.leader))?.[1];
      if (n !== undefined) return Number(n) - 1;
      if (attempt >= 10) throw new Error(`UNS has no leader: ${JSON.stringify(r)}`);
      await sleep(1000);
    }
  } finally {
    await nc.close();
  }
}

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

const PUMP_BEARING = '0193a1b2-7c00-7a10-8b00-0000000000b1'; // usecases/pump-bearing.json
const pumpPath = (n: number) => `acme.plant-1.utilities.cooling-water.pump-${n}`;

// In the test command since 2026-12-07 (issue 19). On a stall after the kill it prints which leg
// stalled (connectivity's buffer, UNS leader and last sequence, each consumer's state); at the end it
// prints how long the data path took to recover and what the bus did for it (re-pulls of consumers
// whose pull request was lost, forced reconnects of publishers answered only "no responders", ADR 0019).
describe('kill test: 3-node NATS, two inference replicas, under simulator load', () => {
  it('loses nothing acknowledged, doubles nothing and prompts once per fault when a NATS node and an inference replica are killed mid-load', async () => {
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
        CLUSTER_ONLY: 'relay-a,relay-b,simulator,connectivity,dataops,charter,inference-a,inference-b',
        CLUSTER_USECASES: 'pump-bearing',
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
    // The prompts of the pump bearing use case: recommendation id per asset (production, first raise and updates).
    const prompts = async () =>
      (
        await db.query(
          `SELECT data::jsonb->>'assetPath' AS asset, data::jsonb->>'recommendationId' AS id, (data::jsonb->>'update')::int AS update
             FROM ${schema}.events WHERE type = 'RecommendationRaised' AND data::jsonb->>'useCaseId' = $1 AND data::jsonb->>'mode' = 'production'`,
          [PUMP_BEARING],
        )
      ).rows as { asset: string; id: string; update: number }[];
    // The faulted pump is one inference-b owns (consistent hashing over the two replicas), so its prompt crosses the takeover.
    const ring = new HashRing(['inference-a', 'inference-b']);
    const faulted = [1, 2, 3, 4].find((n) => ring.ownerOf(pumpPath(n)) === 'inference-b')!;
    try {
      await until(
        'samples in the historian and the pump bearing use case served',
        async () => (await batches()) > 20 && /use cases\s+│ "Pump bearing failure" served/.test(out),
        300_000,
        () => `${out}\n--- NATS:\n${nats?.logTail(15) ?? ''}`,
      );
      const engineer = /engineer token\s+(\S+)/.exec(out)?.[1];
      const injected = await fetch(`http://127.0.0.1:${base + 41}/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${engineer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ asset: `pump-${faulted}`, fault: 'bearing_wear', startInMinutes: 0, developMinutes: 5, severity: 1 }),
      });
      expect(injected.status, await injected.text()).toBeLessThan(300);
      await until(
        `a prompt for pump-${faulted}`,
        async () => (await prompts()).some((p) => p.asset === pumpPath(faulted)),
        480_000,
        () => out,
      );
      // Mid-load: the NATS node that leads the UNS stream (the hardest one to lose: connectivity's
      // publishes and the consumers' pulls wait for a re-election) and the replica that raised the
      // prompt die without warning.
      const leader = await unsLeader();
      nats?.nodes[leader]?.kill('SIGKILL');
      process.kill(pidOf('inference-b'), 'SIGKILL');
      const atKill = await batches();
      // The load goes on through the two surviving nodes; inference-a takes the pump over (membership
      // timeout, window rebuilt from the UNS stream) and scores it while the fault stands.
      // Twice in CI (2026-12-07) no new sample reached the historian within 180 s / 420 s of the kills
      // (README, Status of #19). The bound is a liveness bound (recovery must come), not a speed aim.
      // Every 15 s until then: the historian's count and JetStream's view (which leg stalls, if one does).
      const progress: string[] = [];
      const t0 = Date.now();
      const sampler = setInterval(() => {
        let buffered: string;
        try {
          buffered = bufferState();
        } catch (err) {
          buffered = `connectivity buffer: ${String(err)}`;
        }
        void Promise.all([batches().catch(() => NaN), jetstreamState().catch((e: unknown) => String(e))]).then(([n, js]) =>
          progress.push(`+${Math.round((Date.now() - t0) / 1000)} s: historian ${n} batches; ${buffered}\n${js}`),
        );
      }, 15_000);
      try {
        await until(
          'more samples after the kills',
          async () => (await batches()) > atKill + 20,
          420_000,
          () =>
            `${out.slice(-3000)}\n--- connectivity:\n${out
              .split('\n')
              .filter((l) => l.startsWith('connectivity'))
              .slice(-30)
              .join(
                '\n',
              )}\n--- after the kills (historian ${atKill} batches at the kill):\n${[...progress.slice(0, 4), ...progress.slice(4).slice(-6)].join('\n')}\n--- NATS:\n${nats?.logTail(15) ?? ''}`,
        );
      } finally {
        clearInterval(sampler);
      }
      const recoveredS = Math.round((Date.now() - t0) / 1000);
      const count = (re: RegExp) => out.split('\n').filter((l) => re.test(l)).length;
      console.log(
        `kill test: historian +20 batches ${recoveredS} s after the kills; consumer re-pulls ${count(/pulling again/)}, forced reconnects ${count(/reconnecting to another NATS server/)}, publish failures logged ${count(/forwarder: (publish failed|still cannot publish)/)}\n${out
          .split('\n')
          .filter((l) => /pulling again|reconnecting to another NATS server|forwarder: /.test(l))
          .slice(0, 20)
          .join('\n')}`,
      );
      await sleep(90_000);
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
      // EVENTS catches up with the store: the relays retried what the re-election refused (every event once).
      let published: string[] = [];
      for (let t = Date.now(); Date.now() - t < 120_000; await sleep(2000)) {
        published = await messageIds('EVENTS');
        if (new Set(published).size >= ids.length) break;
      }
      expect(new Set(published).size, 'an event twice in EVENTS').toBe(published.length);
      expect(published.sort()).toEqual(ids.sort());
      expect(out).not.toMatch(/relay-[ab]\s+│ exited/);
      // One prompt for the fault across the takeover (first raise once, later ones updates of it), none for a healthy pump.
      const raised = await prompts();
      const forFault = raised.filter((p) => p.asset === pumpPath(faulted));
      expect(new Set(forFault.map((p) => p.id)).size, `prompts for pump-${faulted}: ${JSON.stringify(forFault)}`).toBe(1);
      expect(forFault.filter((p) => p.update === 0)).toHaveLength(1);
      expect(raised.filter((p) => p.asset !== pumpPath(faulted))).toEqual([]);
      // The surviving replica kept running.
      expect(out).not.toMatch(/inference-a\s+│ exited/);
    } finally {
      await db.end();
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    }
  }, 1_200_000);
});
