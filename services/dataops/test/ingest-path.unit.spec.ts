// The ingest hot path: the fast UnsSampleBatch check agrees with the contract schema (it may only
// accept what the schema accepts), and group commit writes concurrent batches in one transaction,
// settles each after the commit, reports duplicates per batch and isolates a failing batch.
import { randomUUID } from 'node:crypto';
import { UnsSampleBatchSchema, type UnsSampleBatch } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { checkUnsSampleBatch } from '../src/adapters/nats/consumers.ts';
import { GroupCommit } from '../src/adapters/historian/group-commit.ts';
import { unsBatch } from './harness.ts';

const T0 = Date.parse('2025-03-05T10:00:00Z');
const good = (): UnsSampleBatch =>
  unsBatch([
    { tag: 'temp', ts: T0, value: 20.5, unit: 'degC' },
    { tag: 'running', ts: T0, value: true },
    { tag: 'mode', ts: T0 + 100, value: 'auto' },
    { tag: 'temp', ts: T0 + 100, value: 21, unit: 'degC', bad: true },
  ]);

type Mutation = [string, (b: Record<string, any>) => void];
const mutations: Mutation[] = [
  ['an unknown batch field', (b) => (b.extra = 1)],
  ['a batch id that is not a UUID', (b) => (b.batchId = 'b-1')],
  ['an asset path missing a level', (b) => (b.assetPath = 'acme.plant1.milling.mill-1')],
  ['no samples', (b) => (b.samples = [])],
  ['a plant time without offset', (b) => (b.plantTime = '2025-03-05T10:00:00')],
  ['a tag with capitals', (b) => (b.samples[0].tag = 'Temp')],
  ['a missing tag', (b) => delete b.samples[1].tag],
  ['an unknown sample field', (b) => (b.samples[0].note = 'x')],
  ['a unit on a boolean', (b) => (b.samples[1].unit = 'bar')],
  ['a unit with a space', (b) => (b.samples[0].unit = 'deg C')],
  ['a null value', (b) => (b.samples[0].value = null)],
  ['an object value', (b) => (b.samples[0].value = { v: 1 })],
  ['a string over 1000 characters', (b) => (b.samples[2].value = 'x'.repeat(1001))],
  ['a severity that does not match the code', (b) => (b.samples[3].quality.severity = 'Good')],
  ['a fractional status code', (b) => (b.samples[0].quality.code = 0.5)],
  ['a status code above 32 bits', (b) => (b.samples[0].quality.code = 2 ** 32)],
  ['an extra quality field', (b) => (b.samples[0].quality.note = 'x')],
  ['an impossible date', (b) => (b.samples[0].sourceTimestamp = '2025-02-30T10:00:00Z')],
  ['a server timestamp that is a number', (b) => (b.samples[0].serverTimestamp = T0)],
  ['a sample that is an array', (b) => (b.samples[0] = [])],
];

describe('the fast UnsSampleBatch check', () => {
  it('accepts a valid batch, as the contract schema does', () => {
    expect(UnsSampleBatchSchema.safeParse(good()).success).toBe(true);
    expect(checkUnsSampleBatch(good())).toEqual({ ok: true });
  });

  for (const [name, mutate] of mutations) {
    it(`refuses ${name}, as the contract schema does, with the schema's message`, () => {
      const b = structuredClone(good()) as Record<string, any>;
      mutate(b);
      const schema = UnsSampleBatchSchema.safeParse(b);
      expect(schema.success).toBe(false);
      const r = checkUnsSampleBatch(b);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.error).toContain(schema.error!.issues[0]!.message);
    });
  }
});

const item = (n = 10) => ({ batchId: randomUUID(), raw: new Array(n).fill(0) });

describe('group commit', () => {
  it('writes batches submitted together in one write and settles each after it', async () => {
    const writes: string[][] = [];
    const gc = new GroupCommit<ReturnType<typeof item>>(
      async (batches) => {
        writes.push(batches.map((b) => b.batchId));
        return new Set([batches[1]!.batchId]);
      },
      { lingerMs: 5, maxSamples: 1_000, maxInFlight: 1 },
    );
    const items = [item(), item(), item()];
    const results = await Promise.all(items.map((i) => gc.submit(i)));
    expect(writes).toEqual([items.map((i) => i.batchId)]);
    expect(results).toEqual([false, true, false]);
  });

  it('writes at once when the group is large enough, and gathers the next group while one is written', async () => {
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<ReturnType<typeof item>>(
      async (batches) => {
        sizes.push(batches.length);
        if (sizes.length === 1) await gate;
        return new Set();
      },
      { lingerMs: 60_000, maxSamples: 20, maxInFlight: 1 },
    );
    const first = [gc.submit(item()), gc.submit(item())]; // 20 samples: written without waiting for the linger
    await new Promise((r) => setImmediate(r));
    const second = [gc.submit(item()), gc.submit(item()), gc.submit(item())];
    release();
    await Promise.all([...first, ...second]);
    expect(sizes).toEqual([2, 3]);
  });

  it('retries a failed group batch by batch, so only the batch at fault fails', async () => {
    const bad = item();
    const gc = new GroupCommit<ReturnType<typeof item>>(
      async (batches) => {
        if (batches.includes(bad)) throw new Error('constraint violated');
        return new Set();
      },
      { lingerMs: 5, maxSamples: 1_000, maxInFlight: 1 },
    );
    const [a, b, c] = await Promise.allSettled([gc.submit(item()), gc.submit(bad), gc.submit(item())]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'constraint violated' }) });
    expect(c.status).toBe('fulfilled');
  });
});
