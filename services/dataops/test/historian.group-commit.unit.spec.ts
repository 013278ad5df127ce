// Group commit of historian writes: once it has seen how many submitters wait at once, a group of
// their share (waiting / writes allowed at once) is written without waiting for the linger, so
// one group is written while the submitters of the other prepare their next batch.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/adapters/historian/group-commit.ts';

const item = () => ({ batchId: randomUUID(), raw: [0] });
type Item = ReturnType<typeof item>;

/** A write that records group sizes and completes only when released. */
function gatedWriter() {
  const sizes: number[] = [];
  const gates: Array<() => void> = [];
  const write = async (batches: Item[]) => {
    sizes.push(batches.length);
    await new Promise<void>((r) => gates.push(r));
    return new Set<string>();
  };
  return { sizes, write, release: () => gates.splice(0).forEach((g) => g()) };
}

describe('group commit share', () => {
  it('after a first group of 8 and with 2 writes at once, writes groups of 4 without waiting for the linger', async () => {
    const w = gatedWriter();
    const gc = new GroupCommit<Item>(w.write, { lingerMs: 1, maxSamples: 1_000_000, maxInFlight: 2 });
    // Nothing is known about the submitters yet: the first group is gathered for the linger.
    const g1 = Array.from({ length: 8 }, () => gc.submit(item()));
    expect(w.sizes).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(w.sizes).toEqual([8]);
    w.release();
    await Promise.all(g1);
    // The 8 submitters come back: 4 make a group, written at once; 4 more make the second.
    const g2 = Array.from({ length: 4 }, () => gc.submit(item()));
    expect(w.sizes).toEqual([8, 4]);
    const g3 = Array.from({ length: 4 }, () => gc.submit(item()));
    expect(w.sizes).toEqual([8, 4, 4]);
    // Both writes are running: the next batches gather until one of them completes.
    const g4 = Array.from({ length: 5 }, () => gc.submit(item()));
    expect(w.sizes).toEqual([8, 4, 4]);
    w.release();
    await Promise.all([...g2, ...g3]);
    expect(w.sizes).toEqual([8, 4, 4, 5]);
    w.release();
    await Promise.all(g4);
  });

  it('writes at once when a single submitter is all there is', async () => {
    const w = gatedWriter();
    const gc = new GroupCommit<Item>(w.write, { lingerMs: 1, maxSamples: 1_000_000, maxInFlight: 2 });
    const a = gc.submit(item());
    await new Promise((r) => setTimeout(r, 20));
    w.release();
    await a;
    const b = gc.submit(item());
    expect(w.sizes).toEqual([1, 1]);
    w.release();
    await b;
  });
});
