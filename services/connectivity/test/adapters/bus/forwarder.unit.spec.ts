// The forwarder against a fake bus with JetStream's de-duplication by msgId: rows handed over from
// memory and rows read back from the buffer arrive once each and in buffer order, through an
// outage that starts and ends while publishes are in flight.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '@industrial/bus';
import { FIXTURE_SOURCE as SRC, fixtureBatch } from '../../batch-fixture.ts';
import { SqliteBuffer } from '../../../src/adapters/buffer/sqlite-buffer.ts';
import { createForwarder, type Forwarder } from '../../../src/adapters/bus/forwarder.ts';

const quiet = { info: () => {}, warn: () => {} };
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Stores each msgId once, in publish order (one connection); PubAcks come back after a random delay; rejects while `down`. */
function fakeBus() {
  const stored: { msgId: string; subject: string; json: unknown; contentType: string | undefined }[] = [];
  const seen = new Set<string>();
  const state = { down: false, publishes: 0 };
  const bus = {
    publish(subject: string, payload: Uint8Array | object, options: { msgId?: string; headers?: Record<string, string> } = {}) {
      state.publishes++;
      const down = state.down;
      const id = options.msgId!;
      const duplicate = seen.has(id);
      if (!down && !duplicate) {
        seen.add(id);
        stored.push({ msgId: id, subject, json: JSON.parse(new TextDecoder().decode(payload as Uint8Array)), contentType: options.headers?.['Content-Type'] });
      }
      const seq = stored.length;
      return new Promise((resolve, reject) =>
        setTimeout(() => (down ? reject(new Error('nats unreachable')) : resolve({ stream: 'UNS', seq, duplicate })), Math.random() * 3),
      );
    },
  };
  return { bus: bus as unknown as Bus, stored, state };
}

let seq = 0;
const batches = (n: number) => Array.from({ length: n }, () => fixtureBatch(++seq, 1));

const open: { buffer: SqliteBuffer; forwarder: Forwarder }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.forwarder.stop();
    o.buffer.close();
  }
});

function setup(window: number) {
  const buffer = new SqliteBuffer({ path: ':memory:' });
  const fake = fakeBus();
  let ensured = 0;
  const append = (n: number) => {
    const { rows } = buffer.append({ sourceId: SRC, capacity: 1_000_000, policy: 'drop-oldest', batches: batches(n) });
    forwarder.offer(rows);
    return rows;
  };
  const forwarder = createForwarder({ buffer, bus: fake.bus, logger: quiet, window, backoffMs: [5], ensureStream: async () => void ensured++ });
  open.push({ buffer, forwarder });
  return { buffer, forwarder, append, ...fake, ensured: () => ensured };
}

describe('per-asset order when one publish fails and later ones succeed', () => {
  it("never lets an asset's later batch be stored before an earlier one that failed", async () => {
    const stored: { msgId: string; subject: string }[] = [];
    const seen = new Set<string>();
    let failNext: string | null = null;
    const bus = {
      publish(subject: string, _payload: Uint8Array, options: { msgId?: string } = {}) {
        const id = options.msgId!;
        // The first publish of the first batch is lost (PubAck timeout, nothing stored); every other publish is stored.
        if (failNext === id) {
          failNext = null;
          return new Promise((_r, reject) => setTimeout(() => reject(new Error('PubAck timeout')), 5));
        }
        if (!seen.has(id)) {
          seen.add(id);
          stored.push({ msgId: id, subject });
        }
        return Promise.resolve({ stream: 'UNS', seq: stored.length, duplicate: false });
      },
    } as unknown as Bus;
    const buffer = new SqliteBuffer({ path: ':memory:' });
    const forwarder = createForwarder({ buffer, bus, logger: quiet, window: 64, backoffMs: [5] });
    open.push({ buffer, forwarder });
    await tick(5);
    // a.1, b.1, a.2, c.1, a.3 in one cut: a.1 fails while b.1 and c.1 succeed.
    const plan = [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['c', 4],
      ['a', 5],
    ] as const;
    const list = plan.map(([asset, n]) => fixtureBatch(1000 + n, 1, `e.s.ar.l.${asset}`));
    failNext = list[0]!.batch.batchId;
    forwarder.offer(buffer.append({ sourceId: SRC, capacity: 1_000, policy: 'drop-oldest', batches: list }).rows);
    expect(await forwarder.flush(5_000)).toBe(true);
    const order = (asset: string) => stored.filter((m) => m.subject.endsWith(`.${asset}`)).map((m) => m.msgId);
    expect(order('a')).toEqual([list[0]!.batch.batchId, list[2]!.batch.batchId, list[4]!.batch.batchId]);
    expect(stored).toHaveLength(5);
  });
});

describe('the forwarder', () => {
  it('drains what was buffered before it started, then sends new rows from memory, in buffer order', async () => {
    const buffer = new SqliteBuffer({ path: ':memory:' });
    const before = buffer.append({ sourceId: SRC, capacity: 1_000_000, policy: 'drop-oldest', batches: batches(300) }).rows;
    buffer.close();
    const s = setup(16);
    // A fresh buffer stands in for the reopened file: put the same rows back.
    s.buffer.append({
      sourceId: SRC,
      capacity: 1_000_000,
      policy: 'drop-oldest',
      batches: before.map((r) => ({ assetPath: 'e.s.a.l.x', seq: 0, subject: r.subject, batch: JSON.parse(r.payload) })),
    });
    s.forwarder.kick();
    const later: string[] = [];
    for (let i = 0; i < 20; i++) {
      later.push(...s.append(7).map((r) => r.batchId));
      await tick(1);
    }
    expect(await s.forwarder.flush(5_000)).toBe(true);
    expect(s.stored.map((m) => m.msgId)).toEqual([...before.map((r) => r.batchId), ...later]);
    expect(s.stored.every((m) => m.contentType === 'application/json' && (m.json as { sourceId: string }).sourceId === SRC)).toBe(true);
    expect(s.buffer.count()).toEqual({ batches: 0, samples: 0 });
    expect(s.forwarder.forwardedBatches).toBe(440);
  });

  it('through an outage: every row once, in order, the buffer empty afterwards', async () => {
    const s = setup(32);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      if (i === 15) s.state.down = true;
      if (i === 40) s.state.down = false;
      ids.push(...s.append(1 + (i % 9)).map((r) => r.batchId));
      await tick(2);
    }
    expect(await s.forwarder.flush(10_000)).toBe(true);
    expect(s.forwarder.healthy).toBe(true);
    expect(s.stored.map((m) => m.msgId)).toEqual(ids);
    expect(s.buffer.count().batches).toBe(0);
    // The stream was ensured before the first publish and again after the failure.
    expect(s.ensured()).toBeGreaterThanOrEqual(2);
  });
});
