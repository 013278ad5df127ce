// Tamper cases on copies of the stopped platform's store: each copy (events table + anchor file,
// and in the cluster the live JetStream anchor stream, read only) is altered one way and the store's
// own verify() must name a problem. An untouched copy must verify ok (otherwise the cases prove nothing).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { VerifyReport } from '@industrial/eventstore';
import type { Tally } from './tally.ts';

/** One copy of the store, opened on its own anchor file (and any other sink). */
export interface StoreCopy {
  readonly anchors: string;
  /** Runs SQL on the copy's events table (`events`); `?` placeholders. */
  exec(sql: string, params?: number[]): Promise<void>;
  head(): Promise<number>;
  verify(): Promise<VerifyReport>;
  close(): Promise<void>;
}

interface TamperCase {
  name: string;
  alter(copy: StoreCopy): Promise<void>;
}

function anchorPositions(file: string): { lines: string[]; positions: number[] } {
  const lines = existsSync(file)
    ? readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '')
    : [];
  return { lines, positions: lines.map((l) => (JSON.parse(l) as { position: number }).position) };
}

/** The newest anchored position (the events after it are not protected yet: anchors go by count and time). */
async function anchoredHead(copy: StoreCopy): Promise<number> {
  const { positions } = anchorPositions(copy.anchors);
  return positions.length > 0 ? Math.max(...positions) : await copy.head();
}

const CASES: TamperCase[] = [
  {
    // The strongest truncation against the file: anchored events back to the previous anchor, with the anchor lines after it.
    name: 'delete the newest events back to the previous anchor, and the anchor lines after it',
    async alter(copy) {
      const { lines, positions } = anchorPositions(copy.anchors);
      const anchored = await anchoredHead(copy);
      const below = positions.filter((p) => p < anchored);
      const keep = below.length > 0 ? Math.max(...below) : anchored - 5;
      await copy.exec('DELETE FROM events WHERE position > ?', [keep]);
      const kept = lines.filter((_l, i) => (positions[i] ?? 0) <= keep);
      writeFileSync(copy.anchors, kept.length > 0 ? `${kept.join('\n')}\n` : '');
    },
  },
  { name: 'delete the anchor file', alter: async (copy) => rmSync(copy.anchors) },
  {
    name: 'alter the payload of an event in the middle',
    alter: async (copy) => copy.exec("UPDATE events SET data = data || ' ' WHERE position = ?", [Math.floor((await copy.head()) / 2)]),
  },
  {
    name: 'delete the newest anchored event and any after it (the anchor file untouched)',
    alter: async (copy) => copy.exec('DELETE FROM events WHERE position >= ?', [await anchoredHead(copy)]),
  },
];

/** `open(name)`: a fresh copy of the stopped store named `name`. */
export async function tamperCases(open: (name: string) => Promise<StoreCopy>, tally: Tally, log: (s: string) => void): Promise<void> {
  let clean: VerifyReport;
  try {
    const baseline = await open('baseline');
    clean = await baseline.verify();
    await baseline.close();
  } catch (e) {
    // The copies cannot be made or read: every case counted, none found, and why.
    tally.counts.tamper_cases += CASES.length;
    tally.counts.cases += CASES.length;
    tally.findings.push(`tamper: no copy of the store could be verified: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const unanchored = await (async () => {
    const c = await open('window');
    try {
      return (await c.head()) - (await anchoredHead(c));
    } finally {
      await c.close();
    }
  })().catch(() => 0);
  // Not counted: the newest events after the last anchor are unprotected until the next one (by count or time).
  if (unanchored > 0) tally.findings.push(`note: ${unanchored} newest events were not anchored yet when the platform stopped`);
  if (!clean.ok) {
    log(`tamper: the untouched copy does not verify (${clean.problem}: ${clean.detail}); tamper results would prove nothing`);
    tally.findings.push(`tamper baseline: the untouched copy does not verify: ${clean.problem}`);
  }
  for (const [i, c] of CASES.entries()) {
    tally.counts.tamper_cases++;
    tally.counts.cases++;
    let copy: StoreCopy | null = null;
    try {
      copy = await open(`case${i}`);
      await c.alter(copy);
      const report = await copy.verify();
      if (!report.ok && clean.ok) {
        tally.counts.tamper_found++;
        log(`tamper: ${c.name} → found (${report.problem})`);
      } else tally.findings.push(`tamper not found: ${c.name}${clean.ok ? '' : ' (baseline did not verify)'}`);
    } catch (e) {
      // verify() throwing is not a finding the operator can read: counted as not found.
      tally.findings.push(`tamper not found: ${c.name}: the copy or verify threw ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await copy?.close().catch(() => undefined);
    }
  }
}
