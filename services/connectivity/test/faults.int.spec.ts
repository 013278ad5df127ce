// Fault tests over real processes: NATS (the test's own server) unreachable while sampling, the
// connectivity process SIGKILLed while buffering, and the simulator restarted under a session.
// "Exactly once and in order" is checked through the batch ids: for each asset, what JetStream
// stored must be batchIdOf(source, asset, 1..n) in order, with no gap and no repeat.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateLedgerKeyPem } from '@industrial/eventstore';
import type { UnsSampleBatch } from '@industrial/contracts';
import { batchIdOf } from '../src/index.ts';
import {
  collectUns,
  freePort,
  makeApp,
  makeSimulator,
  makeStore,
  natsBus,
  opcuaSource,
  startNats,
  tempDir,
  trustSimulator,
  until,
  type Received,
} from './fixture.ts';

const SOURCE = '0190a0b0-0000-7000-8000-000000000001';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Per asset: stored batch ids must be exactly the ids of sequences 1..n, in order. */
function expectExactlyOnceInOrder(received: readonly Received[], sourceId = SOURCE): number {
  // A consumer redelivery has the same stream sequence: that is the consumer's duplicate, not the stream's.
  const stored = [...new Map(received.map((r) => [r.seq, r])).values()].sort((a, b) => a.seq - b.seq);
  const byAsset = new Map<string, string[]>();
  for (const r of stored) {
    const list = byAsset.get(r.batch.assetPath) ?? [];
    list.push(r.batch.batchId);
    byAsset.set(r.batch.assetPath, list);
  }
  let total = 0;
  for (const [asset, ids] of byAsset) {
    const expected = ids.map((_, i) => batchIdOf(sourceId, asset, i + 1));
    expect(ids, `batches of ${asset}`).toEqual(expected);
    total += ids.length;
  }
  return total;
}

describe('when NATS is unreachable for a while during sampling', () => {
  it('buffers on disk and, after recovery, every batch arrives exactly once and in order', async () => {
    const dir = tempDir('outage');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 2 });
    await sim.start();
    cleanups.push(() => sim.stop());
    const nats = await startNats();
    cleanups.push(() => nats.cleanup());
    const bus = await natsBus(nats.url);
    cleanups.push(() => bus.close());
    const store = await makeStore(dir);
    cleanups.push(() => store.close());
    trustSimulator(join(dir, 'sim'), join(dir, 'conn', 'pki'));
    const app = makeApp(store, bus, { stateDir: join(dir, 'conn') });
    await app.start();
    cleanups.push(() => app.stop({ drainMs: 1_000 }));
    const buffered: UnsSampleBatch[] = [];
    app.subscribeUns('', (b) => buffered.push(b));
    const uns = await collectUns(bus);
    cleanups.push(() => uns.stop());

    await app.registerSource(opcuaSource(sim.endpointUrl, { autoMapRoot: 'ns=1;s=acme/plant-1/utilities' }));
    await until(() => uns.received.length >= 5, 60_000, 'first batches on NATS');

    await nats.stop();
    await until(() => app.bufferState().busHealthy === false, 60_000, 'the forwarder to notice');
    await sleep(8_000); // sampling goes on while NATS is away
    const during = app.bufferState();
    expect(during.batches).toBeGreaterThan(10);
    await nats.start();

    await until(() => app.bufferState().batches === 0 && app.bufferState().busHealthy, 60_000, 'the buffer to drain');
    const target = buffered.length;
    await until(() => uns.received.length >= target, 60_000, `${target} batches stored`);
    await sleep(500);
    const samplesSent = buffered.slice(0, target).reduce((n, b) => n + b.samples.length, 0);
    const n = expectExactlyOnceInOrder(uns.received.filter((r) => buffered.slice(0, target).some((b) => b.batchId === r.batch.batchId)));
    expect(n).toBe(target);
    // counted per stream sequence: a consumer redelivery after the outage is not a second copy in the stream
    const storedOnce = [...new Map(uns.received.map((r) => [r.seq, r])).values()];
    const samplesStored = storedOnce
      .filter((r) => buffered.slice(0, target).some((b) => b.batchId === r.batch.batchId))
      .reduce((k, r) => k + r.batch.samples.length, 0);
    expect(samplesStored).toBe(samplesSent);
    // and all of it, not only a prefix: the stored stream itself has no gap or duplicate
    expectExactlyOnceInOrder(uns.received);
  });
});

describe('when the connectivity process is SIGKILLed while buffering', () => {
  it('replays everything buffered after the restart, exactly once', async () => {
    const dir = tempDir('kill');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 2 });
    await sim.start();
    cleanups.push(() => sim.stop());
    const nats = await startNats();
    cleanups.push(() => nats.cleanup());
    trustSimulator(join(dir, 'sim'), join(dir, 'conn', 'pki'));
    writeFileSync(join(dir, 'ledger.pem'), generateLedgerKeyPem().privateKeyPem);
    writeFileSync(join(dir, 'sources.json'), JSON.stringify([opcuaSource(sim.endpointUrl, { autoMapRoot: 'ns=1;s=acme/plant-1/utilities' })]));
    const env = {
      ...process.env,
      NATS_URL: nats.url,
      CONNECTIVITY_STATE_DIR: join(dir, 'conn'),
      CONNECTIVITY_SOURCES_FILE: join(dir, 'sources.json'),
      SQLITE_PATH: join(dir, 'events.db'),
      LEDGER_KEY_FILE: join(dir, 'ledger.pem'),
      LOG_LEVEL: 'warn',
    };
    const launch = (): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'main.ts')], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      cleanups.push(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      return child;
    };
    const ready = (child: ChildProcess) =>
      new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('connectivity ready') && resolve());
        child.once('exit', (code) => reject(new Error(`connectivity exited with ${code}`)));
      });
    const bus = await natsBus(nats.url);
    cleanups.push(() => bus.close().catch(() => {}));
    const uns = await collectUns(bus);
    cleanups.push(() => uns.stop().catch(() => {}));

    const first = launch();
    await ready(first);
    const bufferDb = join(dir, 'conn', 'buffer.db');
    const readBuffered = () => {
      const db = new DatabaseSync(bufferDb, { readOnly: true });
      try {
        return db
          .prepare('SELECT batch_id, asset_path, samples FROM batches ORDER BY pos')
          .all()
          .map((r) => ({ id: String(r.batch_id), asset: String(r.asset_path), samples: Number(r.samples) }));
      } finally {
        db.close();
      }
    };
    await until(() => uns.received.length >= 5, 60_000, 'first batches on NATS');
    await uns.stop().catch(() => {});
    await bus.close().catch(() => {});
    await nats.stop();
    await until(() => readBuffered().length >= 20, 60_000, 'batches piling up in the buffer');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const left = readBuffered();
    expect(left.length).toBeGreaterThanOrEqual(20);

    await nats.start();
    const bus2 = await natsBus(nats.url);
    cleanups.push(() => bus2.close());
    const uns2 = await collectUns(bus2); // same durable: continues where the first collector stopped
    cleanups.push(() => uns2.stop());
    const second = launch();
    await ready(second);
    const all = () => [...uns.received, ...uns2.received];
    await until(() => left.every((b) => all().some((r) => r.batch.batchId === b.id)), 60_000, 'every buffered batch on NATS');
    for (const b of left)
      expect(
        new Set(
          all()
            .filter((r) => r.batch.batchId === b.id)
            .map((r) => r.seq),
        ),
        b.id,
      ).toHaveProperty('size', 1);
    expectExactlyOnceInOrder(all());
    second.kill('SIGTERM');
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
  });
});

describe('when the simulator restarts under an open session', () => {
  it('marks the outage (SourceLost, Bad samples) and reconnects by itself', async () => {
    const dir = tempDir('simrestart');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    let sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 1, port });
    await sim.start();
    cleanups.push(() => sim.stop());
    const nats = await startNats();
    cleanups.push(() => nats.cleanup());
    const bus = await natsBus(nats.url);
    cleanups.push(() => bus.close());
    const store = await makeStore(dir);
    cleanups.push(() => store.close());
    trustSimulator(join(dir, 'sim'), join(dir, 'conn', 'pki'));
    const app = makeApp(store, bus, { stateDir: join(dir, 'conn') });
    await app.start();
    cleanups.push(() => app.stop({ drainMs: 1_000 }));
    const uns = await collectUns(bus);
    cleanups.push(() => uns.stop());
    await app.registerSource(opcuaSource(sim.endpointUrl, { autoMapRoot: 'ns=1;s=acme/plant-1/utilities' }));
    await until(() => uns.received.length >= 3, 60_000, 'first batches');

    await sim.stop();
    await until(() => app.sourceHealth(SOURCE).state === 'lost', 60_000, 'the loss to be noticed');
    await until(
      () => uns.received.some((r) => r.batch.samples.some((s) => s.quality.severity === 'Bad' && s.quality.code === 0x80310000)),
      60_000,
      'BadNoCommunication samples',
    );
    sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 1, port });
    await sim.start();
    const lostAt = Date.now();
    await until(() => app.sourceHealth(SOURCE).state === 'connected', 60_000, 'reconnection');
    await until(
      () => uns.received.some((r) => r.batch.samples.some((s) => s.quality.severity === 'Good' && Date.parse(s.sourceTimestamp) > lostAt)),
      60_000,
      'fresh Good values after the restart',
    );
    await app.settled();
    const types = (await store.readStream(`source-${SOURCE}`)).map((e) => e.type);
    const lost = types.indexOf('SourceLost');
    expect(lost).toBeGreaterThan(0);
    expect(types.slice(lost + 1)).toContain('SourceConnected');
    expectExactlyOnceInOrder(uns.received);
  });
});
