// Tamper cases on a copy of the stopped platform's store (SQLite events.db + anchors.jsonl): each
// copy is altered one way and the store's own verify() must name a problem. An untouched copy must
// verify ok (otherwise the cases prove nothing).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventValidator } from '@industrial/contracts';
import { FileAnchorSink, ledgerKeyFromPem, openSqliteEventStore } from '@industrial/eventstore';
import type { Tally } from './tally.ts';

type Store = Awaited<ReturnType<typeof openSqliteEventStore>>;
interface TamperCase {
  name: string;
  /** Alters the copy (the store is open on it; the anchor file path given). */
  alter(store: Store, anchors: string): void;
}

const CASES: TamperCase[] = [
  {
    // The strongest truncation against the file alone: back to the newest anchor below the head, with the anchor lines after it.
    name: 'delete the newest events back to the previous anchor, and the anchor lines after it',
    alter(store, anchors) {
      const lines = readFileSync(anchors, 'utf8')
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '');
      const positionOf = (l: string): number => (JSON.parse(l) as { position: number }).position;
      const head = (store.db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number }).p;
      const below = lines.map(positionOf).filter((p) => p < head);
      const keep = below.length > 0 ? Math.max(...below) : head - 5;
      store.db.prepare('DELETE FROM events WHERE position > ?').run(keep);
      const kept = lines.filter((l) => positionOf(l) <= keep);
      writeFileSync(anchors, kept.length > 0 ? `${kept.join('\n')}\n` : '');
    },
  },
  { name: 'delete the anchor file', alter: (_s, anchors) => rmSync(anchors) },
  {
    name: 'alter the payload of an event in the middle',
    alter(store) {
      store.db.exec(`UPDATE events SET data = json_set(data, '$.redteam', 1) WHERE position = (SELECT MAX(position) / 2 FROM events)`);
    },
  },
  {
    name: 'delete the newest event only (the anchor file untouched)',
    alter: (store) => store.db.exec('DELETE FROM events WHERE position = (SELECT MAX(position) FROM events)'),
  },
];

export async function tamperCases(dataDir: string, workDir: string, tally: Tally, log: (s: string) => void): Promise<void> {
  const ledgerKey = ledgerKeyFromPem(readFileSync(join(dataDir, 'ledger-key.pem'), 'utf8'));
  const open = async (dir: string): Promise<{ store: Store; anchors: string }> => {
    mkdirSync(dir, { recursive: true });
    for (const f of ['events.db', 'events.db-wal', 'events.db-shm', 'anchors.jsonl'])
      if (existsSync(join(dataDir, f))) copyFileSync(join(dataDir, f), join(dir, f));
    const anchors = join(dir, 'anchors.jsonl');
    const store = await openSqliteEventStore({
      path: join(dir, 'events.db'),
      ledgerKey,
      anchorSink: new FileAnchorSink(anchors),
      validator: eventValidator,
      anchorEvery: 0,
      anchorIntervalMs: 0,
    });
    // No anchoring on the copies: an anchor written after the alteration would seal it.
    return { store, anchors };
  };
  const baseline = await open(join(workDir, 'baseline'));
  const clean = await baseline.store.verify();
  await baseline.store.close();
  if (!clean.ok) {
    log(`tamper: the untouched copy does not verify (${clean.problem}: ${clean.detail}); tamper results would prove nothing`);
    tally.findings.push(`tamper baseline: the untouched copy does not verify: ${clean.problem}`);
  }
  for (const [i, c] of CASES.entries()) {
    const { store, anchors } = await open(join(workDir, `case-${i}`));
    tally.counts.tamper_cases++;
    tally.counts.cases++;
    try {
      c.alter(store, anchors);
      const report = await store.verify();
      if (!report.ok && clean.ok) {
        tally.counts.tamper_found++;
        log(`tamper: ${c.name} → found (${report.problem})`);
      } else tally.findings.push(`tamper not found: ${c.name}${clean.ok ? '' : ' (baseline did not verify)'}`);
    } catch (e) {
      // verify() throwing is not a finding the operator can read: counted as not found.
      tally.findings.push(`tamper: ${c.name}: verify threw ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await store.close().catch(() => undefined);
    }
  }
}
