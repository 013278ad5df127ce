// The forwarder on a 3-node JetStream cluster of its own (nats-server processes, ports 14300-14312)
// whose UNS stream (R3) loses its leader node (SIGKILL) while batches keep coming: the forwarder
// meets "no stream captures subject" / PubAck timeouts during the re-election, probes, and resumes;
// every batch appended ends up in the stream exactly once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, connectNatsBus, startNatsServer, type Bus, type NatsServerProcess } from '@industrial/bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_SOURCE as SRC, fixtureBatch } from '../../batch-fixture.ts';
import { SqliteBuffer } from '../../../src/adapters/buffer/sqlite-buffer.ts';
import { createForwarder } from '../../../src/adapters/bus/forwarder.ts';

const PORT = 14_300; // clients 14300-14302, routes 14310-14312: below Linux's ephemeral range (32768–60999)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Nc = Awaited<ReturnType<typeof connectNats>>;

/** A JetStream API request, asked again while the cluster re-elects (a timeout or an error reply). */
async function jsApi(nc: Nc, subject: string, body: unknown = {}): Promise<Record<string, any>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).data)) as Record<string, any>;
      if (r.error === undefined) return r;
      if (attempt >= 20) throw new Error(JSON.stringify(r.error));
    } catch (err) {
      if (attempt >= 20) throw err;
    }
    await sleep(1000);
  }
}

/** Member i (0–2) of a loopback cluster `c1`: its own store, routes to the other two. */
async function startMember(dir: string, i: number): Promise<NatsServerProcess> {
  const routes = [0, 1, 2].map((j) => `nats-route://127.0.0.1:${PORT + 10 + j}`).join(', ');
  const conf = join(dir, `n${i + 1}.conf`);
  writeFileSync(conf, `server_name: n${i + 1}\ncluster { name: c1, listen: 127.0.0.1:${PORT + 10 + i}, routes: [${routes}] }\n`);
  mkdirSync(join(dir, `n${i + 1}`));
  return startNatsServer({ port: PORT + i, storeDir: join(dir, `n${i + 1}`), configFile: conf });
}

describe('forwarder on a 3-node NATS cluster whose UNS leader dies mid-load', () => {
  let dir = '';
  const members: NatsServerProcess[] = [];
  const url = [0, 1, 2].map((i) => `nats://127.0.0.1:${PORT + i}`).join(',');
  let bus: Bus | null = null;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwd-cluster-'));
    members.push(...(await Promise.all([0, 1, 2].map((i) => startMember(dir, i)))));
  }, 120_000);
  afterAll(async () => {
    await bus?.close().catch(() => undefined);
    for (const m of members) m.process.kill('SIGKILL');
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('keeps forwarding after the re-election and stores every batch once', async () => {
    const warnings: string[] = [];
    const logger = {
      info: () => {},
      warn: (fields: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(fields)}`),
      error: (fields: object, msg: string) => void warnings.push(`${msg} ${JSON.stringify(fields)}`),
      debug: () => {},
    };
    // JetStream answers once the cluster has elected its meta leader.
    for (let t0 = Date.now(); bus === null; await sleep(500)) {
      bus = await connectNatsBus({ servers: url, logger, streams: { all: { replicas: 3 } }, connectTimeoutMs: 5000 }).catch((err: unknown) => {
        if (Date.now() - t0 > 60_000) throw err;
        return null;
      });
    }
    const b = bus;
    const buffer = new SqliteBuffer({ path: ':memory:' });
    const forwarder = createForwarder({
      buffer,
      bus: b,
      logger,
      ensureStream: () => b.ensureStream({ name: 'UNS', subjects: ['uns.v1.>'] }),
    });
    // A source: 5 batches of 20 assets every 50 ms.
    let seq = 0;
    const appended: string[] = [];
    const source = setInterval(() => {
      const batches = Array.from({ length: 5 }, () => fixtureBatch(++seq, 4, `e.s.a.l.p${seq % 20}`));
      const { rows } = buffer.append({ sourceId: SRC, capacity: 1_000_000, policy: 'drop-oldest', batches });
      appended.push(...rows.map((r) => r.batchId));
      forwarder.offer(rows);
    }, 50);
    const nc = await connectNats({ servers: url });
    try {
      const until = async (what: string, f: () => boolean | Promise<boolean>, ms: number) => {
        for (const t0 = Date.now(); !(await f()); await sleep(250))
          if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}\n${warnings.slice(-20).join('\n')}`);
      };
      await until('100 batches forwarded', () => forwarder.forwardedBatches >= 100, 120_000);
      const leader = String((await jsApi(nc, '$JS.API.STREAM.INFO.UNS')).cluster.leader);
      members[Number(leader.slice(1)) - 1]!.process.kill('SIGKILL');
      const atKill = forwarder.forwardedBatches;
      // A liveness bound, not a speed aim: the forwarder must come back by itself.
      await until('batches forwarded after the leader was killed', () => forwarder.forwardedBatches >= atKill + 200, 240_000);
      clearInterval(source);
      expect(await forwarder.flush(120_000)).toBe(true);
      const info = await jsApi(nc, '$JS.API.STREAM.INFO.UNS');
      expect(info.cluster.leader).not.toBe(leader);
      expect(info.state.messages).toBe(appended.length);
      expect(new Set(appended).size).toBe(appended.length);
    } finally {
      clearInterval(source);
      await forwarder.stop();
      buffer.close();
      await nc.close();
    }
  }, 600_000);
});
