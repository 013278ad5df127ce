// The on-disk buffer: order, per-source capacity under both policies, counters, and sequences
// that survive reopening the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_SOURCE as SRC, fixtureBatch as batch } from '../../batch-fixture.ts';
import { SqliteBuffer } from '../../../src/adapters/buffer/sqlite-buffer.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the store-and-forward buffer', () => {
  it('keeps batches in order and forgets what was acknowledged', () => {
    const b = new SqliteBuffer({ path: ':memory:' });
    const written = b.append({ sourceId: SRC, capacity: 100, policy: 'drop-oldest', batches: [batch(1, 2), batch(2, 2), batch(3, 2)] });
    const rows = b.peek(0, 10);
    // What append hands to the forwarder is exactly what a later read returns.
    expect(written).toEqual({ overflow: null, rows });
    expect(rows.map((r) => r.batchId)).toEqual([1, 2, 3].map((s) => batch(s, 1).batch.batchId));
    b.ack(rows[1]!.pos);
    expect(b.peek(0, 10).map((r) => r.pos)).toEqual([rows[2]!.pos]);
    expect(b.usedSamples(SRC)).toBe(2);
  });

  it('under drop-oldest evicts the oldest batches and reports the loss', () => {
    const b = new SqliteBuffer({ path: ':memory:' });
    b.append({ sourceId: SRC, capacity: 5, policy: 'drop-oldest', batches: [batch(1, 2), batch(2, 2)] });
    const { overflow: o } = b.append({ sourceId: SRC, capacity: 5, policy: 'drop-oldest', batches: [batch(3, 3)] });
    expect(o).toEqual({
      sourceId: SRC,
      droppedSamples: 2,
      capacity: 5,
      policy: 'drop-oldest',
      oldestDroppedAt: '2025-01-01T00:00:01.000Z',
      newestDroppedAt: '2025-01-01T00:00:01.000Z',
    });
    expect(b.peek(0, 10).map((r) => r.samples)).toEqual([2, 3]);
    expect(b.droppedSamples(SRC)).toBe(2);
  });

  it('under drop-newest refuses the batch that does not fit', () => {
    const b = new SqliteBuffer({ path: ':memory:' });
    b.append({ sourceId: SRC, capacity: 5, policy: 'drop-newest', batches: [batch(1, 4)] });
    const { overflow: o, rows } = b.append({ sourceId: SRC, capacity: 5, policy: 'drop-newest', batches: [batch(2, 2)] });
    expect(o).toMatchObject({ droppedSamples: 2, policy: 'drop-newest' });
    expect(rows).toEqual([]);
    expect(b.peek(0, 10)).toHaveLength(1);
  });

  it('survives reopening: rows, usage and the last sequence per asset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conn-buf-'));
    dirs.push(dir);
    const path = join(dir, 'buffer.db');
    const a = new SqliteBuffer({ path });
    a.append({ sourceId: SRC, capacity: 100, policy: 'drop-oldest', batches: [batch(7, 2), batch(8, 1, 'e.s.a.l.y')] });
    a.close();
    const b = new SqliteBuffer({ path });
    expect(b.peek(0, 10)).toHaveLength(2);
    expect(b.usedSamples(SRC)).toBe(3);
    expect(b.lastSequences(SRC)).toEqual(
      new Map([
        ['e.s.a.l.x', 7],
        ['e.s.a.l.y', 8],
      ]),
    );
    b.close();
  });
});
