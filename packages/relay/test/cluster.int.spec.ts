// The relay on a 3-node JetStream cluster (nats-server processes of its own, ports 56000-56999)
// losing the node that leads its R3 stream while it publishes: publishes that meet "no stream
// captures subject" or no PubAck during the re-election are retried in place, the relay keeps
// running, and the stream ends up holding every event of the store exactly once.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, connectNatsBus, type Bus } from '@industrial/bus';
import { generateLedgerKeyPem, ledgerKeyFromPem, openPostgresEventStore, type EventStore } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../../scripts/platform/nats-cluster.ts';
import { createRelay, memoryCoordination } from '../src/index.ts';
import { PG_URL, dropRelaySchema } from './support.ts';

// 18000-18079 here: below Linux's ephemeral range (32768–60999), where other tests' port-0 listeners and outgoing
// connections land (a nats-server could fail to bind there), and below the 20000–32000 the platform tests pick from.
const PORT = 18_000 + Math.floor(Math.random() * 4) * 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Nc = Awaited<ReturnType<typeof connectNats>>;

/** A JetStream API request, asked again while the cluster re-elects (a timeout or an error reply). */
async function jsApi(nc: Nc, subject: string, body: unknown = {}): Promise<Record<string, any>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(body), { timeout: 5000 })).data)) as Record<string, any>;
      if (r.error === undefined) return r;
      if (attempt >= 10) throw new Error(JSON.stringify(r.error));
    } catch (err) {
      if (attempt >= 10) throw err;
    }
    await sleep(1000);
  }
}

/** Message ids (Nats-Msg-Id) of every message of `stream`, read one by one. */
async function messageIds(url: string, stream: string): Promise<string[]> {
  const nc = await connectNats({ servers: url });
  try {
    const info = await jsApi(nc, `$JS.API.STREAM.INFO.${stream}`);
    const ids: string[] = [];
    for (let seq = info.state.first_seq as number; seq <= (info.state.last_seq as number); seq++) {
      const got = await jsApi(nc, `$JS.API.STREAM.MSG.GET.${stream}`, { seq });
      const id = /Nats-Msg-Id:\s*(\S+)/i.exec(Buffer.from(got.message?.hdrs ?? '', 'base64').toString())?.[1];
      if (id !== undefined) ids.push(id);
    }
    return ids;
  } finally {
    await nc.close();
  }
}

describe('relay on a 3-node NATS cluster whose stream leader dies while it publishes', () => {
  const schema = `relayc_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const stream = 'EVENTS';
  let dir = '';
  let nats: NatsCluster | null = null;
  let store: EventStore;
  let bus: Bus;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-cluster-'));
    nats = await startNatsCluster(dir, PORT);
    const { privateKeyPem } = generateLedgerKeyPem();
    store = await openPostgresEventStore({ connectionString: PG_URL, schema, ledgerKey: ledgerKeyFromPem(privateKeyPem) });
    bus = await connectNatsBus({ servers: nats.url, publishTimeoutMs: 2000, streams: { all: { replicas: 3 } } });
  }, 120_000);
  afterAll(async () => {
    await bus?.close().catch(() => undefined);
    await store?.close();
    nats?.stop();
    await dropRelaySchema(schema);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('keeps running and EVENTS catches up with the store: every event once', async () => {
    const url = nats!.url;
    const warnings: string[] = [];
    const relay = createRelay({
      store,
      bus,
      ...memoryCoordination(),
      streamName: stream,
      retryBackoffMs: [100, 1000],
      logger: { info: () => undefined, warn: (f, m) => warnings.push(`${m} ${JSON.stringify(f)}`) },
    });
    let failed: unknown = null;
    const running = relay.run().catch((e: unknown) => {
      failed = e;
    });
    const meta = { actor: 'test', role: 'service', correlationId: 'relay-cluster', causationId: null, traceparent: null, schemaVersion: 1 };
    let stop = false;
    // Writers append all along, so publishes are in flight when the leader dies.
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        await store.append(
          `thing-${i % 5}`,
          Array.from({ length: 20 }, (_, k) => ({ id: randomUUID(), type: 'ThingCounted', data: { i, k }, metadata: meta })),
        );
        await sleep(20);
      }
    })();
    try {
      for (let t = Date.now(); relay.relayed < 500; await sleep(100)) {
        if (failed !== null || Date.now() - t > 60_000) throw new Error(`the relay published too little before the kill: ${String(failed)}`);
      }
      const nc = await connectNats({ servers: url });
      const info = await jsApi(nc, `$JS.API.STREAM.INFO.${stream}`).finally(() => nc.close());
      expect(info.config.num_replicas).toBe(3);
      const leader = String(info.cluster?.leader);
      const node = nats!.nodes[Number(leader.replace(/^n/, '')) - 1];
      expect(node, `leader ${leader}`).toBeDefined();
      node!.kill('SIGKILL');
      const atKill = relay.relayed;
      // It goes on through the two surviving nodes.
      for (let t = Date.now(); relay.relayed < atKill + 500; await sleep(200)) {
        if (failed !== null) throw new Error(`the relay stopped after the leader was killed: ${String(failed)}`);
        if (Date.now() - t > 90_000) throw new Error(`the relay did not go on after the kill (relayed ${relay.relayed}); ${warnings.join('\n')}`);
      }
      stop = true;
      await writing;
      const all = await store.readAll();
      const last = all.at(-1)!.position;
      for (let t = Date.now(); relay.relayed < last; await sleep(200)) {
        if (failed !== null || Date.now() - t > 90_000) throw new Error(`the relay did not catch up (${relay.relayed} of ${last}): ${String(failed)}`);
      }
      await relay.stop();
      await running;
      expect(failed).toBeNull();
      // The re-election was met (publishes retried), not slipped between two pages.
      expect(warnings.join('\n')).toMatch(/did not take an event/);
      // EVENTS holds every event of the store once (message id = event id).
      const ids = await messageIds(url, stream);
      expect(new Set(ids).size, 'an event twice in EVENTS').toBe(ids.length);
      expect(ids.sort()).toEqual(all.map((e) => e.id).sort());
    } finally {
      stop = true;
      await writing.catch(() => undefined);
      await relay.stop();
    }
  });
});
