// The file sink reads only the newest entries of a long file (backwards, in chunks), and every entry
// that is not a valid anchor of the ledger key is a finding, bounded in number.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileAnchorSink, MemoryAnchorSink, compareSinks, readSinks } from '../src/anchors.ts';
import { generateLedgerKeyPem, ledgerKeyFromPem, signAnchor } from '../src/ledger.ts';

const dir = mkdtempSync(join(tmpdir(), 'anchor-sinks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem);

describe('FileAnchorSink.list(limit)', () => {
  // 6,000 lines of ~260 bytes: about 1.5 MiB, so the newest 5,000 span two 1 MiB chunks read backwards.
  const path = join(dir, 'long.jsonl');
  const lines = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ position: i + 1, pad: 'x'.repeat(240) }));
  writeFileSync(path, `${lines.join('\n')}\n`);
  const sink = new FileAnchorSink(path);

  it('returns the newest entries, oldest first, across chunk boundaries', async () => {
    expect(((await sink.list(3)) as { position: number }[]).map((e) => e.position)).toEqual([5998, 5999, 6000]);
    const many = (await sink.list(5000)) as { position: number }[];
    expect(many).toHaveLength(5000);
    expect(many[0]?.position).toBe(1001);
    expect(many.at(-1)?.position).toBe(6000);
    expect(await sink.list()).toHaveLength(6000);
  });

  it('reads a missing file as empty', async () => {
    expect(await new FileAnchorSink(join(dir, 'none', 'anchors.jsonl')).list(10)).toEqual([]);
  });
});

describe('readSinks and compareSinks', () => {
  it('names entries that are no anchors, at most 20 and a count of the rest', async () => {
    const path = join(dir, 'junk.jsonl');
    writeFileSync(path, `${Array.from({ length: 30 }, (_, i) => (i % 2 ? 'not json' : '{"position":1}')).join('\n')}\n`);
    const [content] = await readSinks([new FileAnchorSink(path)], key, 1000);
    expect(content?.findings).toHaveLength(21);
    expect(content?.findings.every((f) => f.problem === 'anchor-signature')).toBe(true);
    expect(content?.findings.at(-1)?.detail).toMatch(/^10 more entries of file:.*junk\.jsonl are not valid anchors$/);
  });

  it('tells a sink behind, an empty sink and a disagreeing sink apart, and is silent when they agree', async () => {
    const a1 = signAnchor(key, 5, 'a'.repeat(64), '2026-01-01T00:00:00.000Z');
    const a2 = signAnchor(key, 9, 'b'.repeat(64), '2026-01-01T00:00:10.000Z');
    const full = new MemoryAnchorSink('full');
    const behind = new MemoryAnchorSink('behind');
    const empty = new MemoryAnchorSink('empty');
    const other = new MemoryAnchorSink('other');
    full.anchors.push(a1, a2);
    behind.anchors.push(a1);
    other.anchors.push(a1, signAnchor(key, 9, 'c'.repeat(64), '2026-01-01T00:00:11.000Z'));
    const same = new MemoryAnchorSink('same');
    same.anchors.push(a2);
    expect(compareSinks(await readSinks([full, same], key, 1000))).toEqual([]);
    expect(compareSinks(await readSinks([full, behind, empty, other], key, 1000)).map((f) => [f.problem, f.sink, f.position])).toEqual([
      ['sink-disagrees', 'other', 9],
      ['anchor-rolled-back', 'behind', 5],
      ['anchor-missing', 'empty', 9],
    ]);
  });
});
