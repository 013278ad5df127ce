// The forwarder's probe while the bus keeps refusing (a stream re-electing its leader answers "no
// stream captures subject" at once): it retries at its backoff, not once per new row of a steady
// source, and it still sends everything, in order, once the bus takes publishes again.
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from '@industrial/bus';
import { FIXTURE_SOURCE as SRC, fixtureBatch } from '../../batch-fixture.ts';
import { SqliteBuffer } from '../../../src/adapters/buffer/sqlite-buffer.ts';
import { createForwarder, type Forwarder } from '../../../src/adapters/bus/forwarder.ts';

const quiet = { info: () => {}, warn: () => {} };
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

const open: { buffer: SqliteBuffer; forwarder: Forwarder }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.forwarder.stop();
    o.buffer.close();
  }
});

describe('forwarder probe under a steady source', () => {
  it('keeps its backoff while rows keep coming, then sends every row once and in order', async () => {
    const stored: string[] = [];
    const state = { down: true, publishes: 0, ensured: 0 };
    const bus = {
      publish(_subject: string, _payload: Uint8Array, options: { msgId?: string } = {}) {
        state.publishes++;
        if (state.down) return Promise.reject(new Error('no stream captures subject uns.v1.e.s.a.l.x'));
        if (!stored.includes(options.msgId!)) stored.push(options.msgId!);
        return Promise.resolve({ stream: 'UNS', seq: stored.length, duplicate: false });
      },
    } as unknown as Bus;
    const buffer = new SqliteBuffer({ path: ':memory:' });
    const forwarder = createForwarder({
      buffer,
      bus,
      logger: quiet,
      backoffMs: [200],
      ensureStream: async () => void state.ensured++,
    });
    open.push({ buffer, forwarder });
    let seq = 0;
    const ids: string[] = [];
    const append = () => {
      const { rows } = buffer.append({ sourceId: SRC, capacity: 1_000_000, policy: 'drop-oldest', batches: [fixtureBatch(++seq, 1)] });
      ids.push(...rows.map((r) => r.batchId));
      forwarder.offer(rows);
    };
    // A row every 2 ms for at least a second while the bus refuses every publish.
    const t0 = Date.now();
    let appended = 0;
    while (Date.now() - t0 < 1_000) {
      append();
      appended++;
      await tick(2);
    }
    expect(forwarder.healthy).toBe(false);
    const elapsed = Date.now() - t0;
    // One probe (ensure + publish) per 200 ms backoff at most — not one per offered row.
    expect(appended).toBeGreaterThan(20);
    expect(state.publishes).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 2);
    expect(state.ensured).toBeLessThanOrEqual(Math.ceil(elapsed / 200) + 3);
    state.down = false;
    expect(await forwarder.flush(10_000)).toBe(true);
    expect(forwarder.healthy).toBe(true);
    expect(stored).toEqual(ids);
    expect(buffer.count().batches).toBe(0);
  });
});
