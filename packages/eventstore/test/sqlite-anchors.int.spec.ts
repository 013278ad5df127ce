// The second sink of a single machine without NATS (npm start): anchors in the file and in a
// separate SQLite key-value file. Truncating the store together with the anchor file's newest lines,
// or deleting the file, is found through the SQLite sink; the SQLite sink refuses updates and deletes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileAnchorSink } from '../src/anchors.ts';
import { SqliteAnchorSink } from '../src/sqlite-anchors.ts';
import type { EventStore, VerifyReport } from '../src/index.ts';
import { ev, sqliteHarness, type Harness } from './harness.ts';

const problems = (r: VerifyReport) => r.findings.map((f) => [f.problem, f.sink]);

describe('anchors in a file and a separate SQLite key-value file', () => {
  let h: Harness;
  let dir: string;
  let file: FileAnchorSink;
  let kv: SqliteAnchorSink;
  let store: EventStore;

  beforeEach(async () => {
    h = await sqliteHarness();
    dir = mkdtempSync(join(tmpdir(), 'es-sqlite-anchors-'));
    file = new FileAnchorSink(join(dir, 'anchors.jsonl'));
    kv = new SqliteAnchorSink(join(dir, 'kv', 'anchors.db'));
    store = await h.open({ anchorSink: file, anchorSinks: [kv], anchorEvery: 0, anchorIntervalMs: 0 });
  });
  afterEach(async () => {
    await h.cleanup();
    await kv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await store.append(`asset-pump-${i % 3}`, [ev('Measured', { i })]);
    await store.anchor();
  }

  it('verifies an untouched store against both sinks, and keeps a repeated anchor once', async () => {
    await seed(10);
    await seed(5);
    await store.anchor();
    const r = await store.verify();
    expect(r).toMatchObject({ ok: true, findings: [], lastPosition: 15 });
    expect(r.sinks.map((s) => [s.name, s.newestPosition])).toEqual([
      [file.name, 15],
      [kv.name, 15],
    ]);
    expect((await kv.list()).length).toBe(2);
  });

  it('finds events deleted back to the previous anchor together with the anchor lines after it', async () => {
    await seed(10);
    await seed(5);
    await h.sql(`DELETE FROM ${h.table} WHERE position > 10`);
    const lines = readFileSync(file.path, 'utf8').trim().split('\n');
    writeFileSync(file.path, `${lines.slice(0, -1).join('\n')}\n`);
    const r = await store.verify();
    expect(r).toMatchObject({ ok: false, problem: 'truncated', lastPosition: 10 });
    expect(problems(r)).toContainEqual(['truncated', kv.name]);
  });

  it('finds the anchor file deleted', async () => {
    await seed(10);
    rmSync(file.path);
    const r = await store.verify();
    expect(r).toMatchObject({ ok: false, problem: 'anchor-missing' });
    expect(problems(r)).toEqual([['anchor-missing', file.name]]);
  });

  it('refuses updates and deletes of its anchors through SQL', async () => {
    await seed(3);
    const raw = new DatabaseSync(kv.path);
    try {
      expect(() => raw.exec('DELETE FROM anchors')).toThrow(/append-only/);
      expect(() => raw.exec("UPDATE anchors SET anchor = '{}'")).toThrow(/append-only/);
    } finally {
      raw.close();
    }
    expect((await kv.list()).length).toBe(1);
  });
});
