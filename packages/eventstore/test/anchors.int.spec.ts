// Anchors in more than one sink — the file and a JetStream stream on the real NATS (a stream of its own
// per test, deleted afterwards) — on both adapters: every way of hiding deleted newest events by
// editing a sink is found and named, an untouched store verifies ok, and the time trigger anchors
// without further appends. openStoreFromConfig anchors through a NATS connection the caller owns.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileAnchorSink, MemoryAnchorSink, type AnchorSink } from '../src/anchors.ts';
import { openStoreFromConfig } from '../src/config.ts';
import { openJetStreamAnchorSink, type JetStreamAnchorSink } from '../src/jetstream-anchors.ts';
import { generateLedgerKeyPem, ledgerKeyFromPem, signAnchor } from '../src/ledger.ts';
import type { Anchor, EventStore, VerifyReport } from '../src/index.ts';
import { ev, postgresHarness, sqliteHarness, waitFor, type Harness } from './harness.ts';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

let nc: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: NATS_URL, name: 'eventstore-anchors-test' });
});
afterAll(async () => {
  await nc.close();
});

const problems = (r: VerifyReport) => r.findings.map((f) => [f.problem, f.sink]);

describe.each([
  ['SQLite', sqliteHarness],
  ['PostgreSQL', postgresHarness],
])('anchors in a file and a JetStream stream, on %s', (_name, factory) => {
  let h: Harness;
  let dir: string;
  let file: FileAnchorSink;
  let js: JetStreamAnchorSink;
  let store: EventStore;
  const streams: string[] = [];

  async function jetStreamSink(): Promise<JetStreamAnchorSink> {
    const stream = `TEST_ANCHORS_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    streams.push(stream);
    return openJetStreamAnchorSink({ connection: nc, stream });
  }

  beforeEach(async () => {
    h = await factory();
    dir = mkdtempSync(join(tmpdir(), 'es-anchors-'));
    file = new FileAnchorSink(join(dir, 'anchors.jsonl'));
    js = await jetStreamSink();
    store = await h.open({ anchorSink: file, anchorSinks: [js], anchorEvery: 0, anchorIntervalMs: 0 });
  });
  afterEach(async () => {
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
    const jsm = await jetstreamManager(nc);
    for (const s of streams.splice(0)) await jsm.streams.delete(s).catch(() => undefined);
  });

  async function seed(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await store.append(`asset-pump-${i % 3}`, [ev('Measured', { i })]);
    await store.anchor();
  }

  it('verifies an untouched store against both sinks', async () => {
    await seed(10);
    await seed(5);
    const r = await store.verify();
    expect(r).toMatchObject({ ok: true, problem: null, findings: [], lastPosition: 15, anchorsChecked: 4 });
    expect(r.sinks).toEqual([
      { name: file.name, anchors: 2, newestPosition: 15, newestSignedAt: expect.any(String), readable: true },
      { name: `jetstream:${js.stream}`, anchors: 2, newestPosition: 15, newestSignedAt: expect.any(String), readable: true },
    ]);
    // A long-lived sink is read from its newest anchors only (maxAnchorsPerSink).
    expect(((await js.list(1)) as Anchor[]).map((a) => a.position)).toEqual([15]);
    expect(await store.verify({ maxAnchorsPerSink: 1 })).toMatchObject({ ok: true, sinks: [{ anchors: 1 }, { anchors: 1 }] });
  });

  it('finds the newest events deleted together with the last line of the anchors file', async () => {
    await seed(10);
    await seed(5);
    await h.sql(`DELETE FROM ${h.table} WHERE position >= 13`);
    const lines = readFileSync(file.path, 'utf8').trim().split('\n');
    writeFileSync(file.path, `${lines.slice(0, -1).join('\n')}\n`);
    const r = await store.verify();
    expect(r).toMatchObject({ ok: false, problem: 'truncated', firstBadPosition: 13, lastPosition: 12 });
    expect(r.detail).toContain('proves events up to position 15 existed; the store ends at 12');
    expect(problems(r)).toEqual([
      ['truncated', js.name],
      ['anchor-rolled-back', file.name],
    ]);
  });

  it('finds the whole anchors file deleted (and the newest events with it)', async () => {
    await seed(10);
    rmSync(file.path);
    const missing = await store.verify();
    expect(missing).toMatchObject({ ok: false, problem: 'anchor-missing', firstBadPosition: 10 });
    expect(problems(missing)).toEqual([['anchor-missing', file.name]]);
    await h.sql(`DELETE FROM ${h.table} WHERE position >= 8`);
    const r = await store.verify();
    expect(problems(r)).toEqual([
      ['truncated', js.name],
      ['anchor-missing', file.name],
    ]);
  });

  it('finds the anchors file rolled back to an older copy', async () => {
    await seed(10);
    const older = readFileSync(file.path, 'utf8');
    await seed(5);
    writeFileSync(file.path, older);
    const r = await store.verify();
    expect(r).toMatchObject({ ok: false, problem: 'anchor-rolled-back', firstBadPosition: 10 });
    expect(r.detail).toContain(`${file.name} ends at position 10`);
    expect(problems(r)).toEqual([['anchor-rolled-back', file.name]]);
  });

  it('finds a JetStream sink that disagrees with the file', async () => {
    await seed(10);
    const key = ledgerKeyFromPem(h.keyPem);
    // Validly signed (someone holding the key, or another deployment's store on the same stream), other hash.
    await js.write(signAnchor(key, 10, 'f'.repeat(64), new Date().toISOString()));
    const r = await store.verify();
    expect(r).toMatchObject({ ok: false, problem: 'sink-disagrees', firstBadPosition: 10 });
    expect(problems(r)).toEqual([
      ['sink-disagrees', js.name],
      ['anchor-mismatch', js.name],
    ]);
  });

  it('finds a forged or unreadable entry in a sink and a sink it cannot read', async () => {
    await seed(3);
    const [a] = (await js.list()) as Anchor[];
    await js.write({ ...(a as Anchor), position: 4, signedAt: new Date().toISOString() });
    const gone = await jetStreamSink();
    await (await jetstreamManager(nc)).streams.delete(gone.stream);
    const auditor = await h.open({ anchorSink: file, anchorSinks: [js, gone], anchorEvery: 0, anchorIntervalMs: 0 });
    const r = await auditor.verify();
    expect(problems(r)).toEqual([
      ['anchor-signature', js.name],
      ['sink-unreadable', gone.name],
    ]);
  });

  it('anchors by time without further appends, and by count', async () => {
    const timed = await h.open({ anchorSink: file, anchorSinks: [js], anchorEvery: 0, anchorIntervalMs: 50 });
    for (let i = 0; i < 3; i++) await timed.append('asset-pump-1', [ev()]);
    const at = async (sink: AnchorSink, position: number) => ((await sink.list()) as Anchor[]).some((a) => a.position === position);
    await waitFor(async () => (await at(file, 3)) && (await at(js, 3)), 'the time-based anchor of position 3 in both sinks');
    expect(await timed.verify()).toMatchObject({ ok: true, sinks: [{ newestPosition: 3 }, { newestPosition: 3 }] });
    await timed.close();
    const counted = await h.open({ anchorSink: file, anchorSinks: [js], anchorEvery: 4, anchorIntervalMs: 0 });
    for (let i = 0; i < 4; i++) await counted.append('asset-pump-1', [ev()]);
    // The count trigger runs right after the batch that reached it is acknowledged.
    await waitFor(async () => (await at(file, 7)) && (await at(js, 7)), 'the count-based anchor of position 7 in both sinks');
    expect(((await js.list()) as Anchor[]).map((a) => a.position)).toEqual([3, 7]);
  });

  it('tells which sink failed and writes the newest anchor to it on the next tick', async () => {
    const flaky = new MemoryAnchorSink('flaky');
    let failures = 1;
    const sink: AnchorSink = {
      name: 'flaky',
      write: (a) => (failures-- > 0 ? Promise.reject(new Error('sink down')) : flaky.write(a)),
      list: () => flaky.list(),
    };
    const errors: string[] = [];
    const s = await h.open({ anchorSink: file, anchorSinks: [sink], anchorEvery: 0, anchorIntervalMs: 50, onAnchorError: (_e, name) => errors.push(name) });
    await s.append('asset-pump-1', [ev()]);
    await expect(s.anchor()).rejects.toThrow(/position 1 could not be written to flaky/);
    expect(errors).toEqual(['flaky']);
    await waitFor(async () => flaky.anchors.length > 0, 'the retried anchor');
    expect(flaky.anchors[0]).toMatchObject({ position: 1 });
    expect(await s.verify()).toMatchObject({ ok: true });
  });
});

describe('openStoreFromConfig with a JetStream anchor sink on a connection of the caller', () => {
  it('anchors through it and leaves it open when the store closes (the caller closes it after the last anchor)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-anchors-conn-'));
    const stream = `TEST_ANCHORS_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const ledgerKeyFile = join(dir, 'ledger.pem');
    writeFileSync(ledgerKeyFile, generateLedgerKeyPem().privateKeyPem);
    const own = await connect({ servers: NATS_URL, name: 'eventstore-anchors-caller' });
    try {
      // servers names nothing that listens: the given connection is used instead.
      const nats = { servers: 'nats://127.0.0.1:16002', stream, maxAgeMs: 0, connection: own };
      const store = await openStoreFromConfig({
        eventStore: { kind: 'sqlite', path: join(dir, 'events.db') },
        ledgerKeyFile,
        anchors: { everyEvents: 0, intervalMs: 0, nats },
      });
      await store.append('asset-pump-1', [ev()]);
      await store.anchor();
      await store.close();
      expect(own.isClosed()).toBe(false);
      const js = await openJetStreamAnchorSink({ connection: own, stream });
      expect(((await js.list()) as Anchor[]).map((a) => a.position)).toEqual([1]);
    } finally {
      await (await jetstreamManager(own)).streams.delete(stream).catch(() => undefined);
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
