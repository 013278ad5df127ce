// Anchor sinks (where signed chain heads go, outside the database) and the checks verify() runs on
// what they hold: every anchor's signature, sinks against each other (one holding a different hash
// for a position, one behind the others or empty) — before the chain walk compares them with the store.
import { appendFileSync, closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { anchorSignatureValid, type LedgerKey } from './ledger.ts';
import type { Anchor, IntegrityFinding, SinkSummary } from './types.ts';

/** Where signed anchors go: outside the database. `name` says which sink a finding is about. */
export interface AnchorSink {
  readonly name: string;
  write(anchor: Anchor): Promise<void>;
  /**
   * The newest `limit` entries the sink holds (all when absent), oldest first. Entries are untrusted:
   * verify checks their shape and signature.
   */
  list(limit?: number): Promise<unknown[]>;
  /** Releases what the sink holds open (a connection). Called by the store when it owns the sink. */
  close?(): Promise<void>;
}

/** Append-only JSON-lines file, fsynced per anchor. Put it on another volume or ship it off-host. */
export class FileAnchorSink implements AnchorSink {
  readonly path: string;
  readonly name: string;
  constructor(path: string) {
    this.path = path;
    this.name = `file:${path}`;
    mkdirSync(dirname(path), { recursive: true });
  }
  async write(anchor: Anchor): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a', 0o640);
    try {
      appendFileSync(fd, `${JSON.stringify(anchor)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  async list(limit?: number): Promise<unknown[]> {
    if (!existsSync(this.path)) return [];
    return tailLines(this.path, limit ?? Number.MAX_SAFE_INTEGER).map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l; // not JSON: verify reports it as an anchor it cannot read
      }
    });
  }
}

export class MemoryAnchorSink implements AnchorSink {
  readonly name: string;
  readonly anchors: Anchor[] = [];
  constructor(name = 'memory') {
    this.name = name;
  }
  async write(anchor: Anchor): Promise<void> {
    this.anchors.push(anchor);
  }
  async list(limit?: number): Promise<Anchor[]> {
    return limit === undefined ? [...this.anchors] : this.anchors.slice(-limit);
  }
}

const TAIL_CHUNK = 1 << 20;

/** The last `limit` non-empty lines of a file, read backwards in 1 MiB chunks (a long file is not read whole). */
function tailLines(path: string, limit: number): string[] {
  const fd = openSync(path, 'r');
  try {
    let end = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    while (end > 0 && newlines <= limit) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const chunk = Buffer.alloc(end - start);
      readSync(fd, chunk, 0, chunk.length, start);
      for (const b of chunk) if (b === 0x0a) newlines++;
      chunks.unshift(chunk);
      end = start;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (end > 0) lines.shift(); // the first line is cut off where the reading started
    return lines.filter((l) => l.trim() !== '').slice(-limit);
  } finally {
    closeSync(fd);
  }
}

/** What one sink holds, as verify read it: its valid anchors, or why it could not be read. */
export interface SinkContent {
  name: string;
  anchors: Anchor[];
  findings: IntegrityFinding[];
  readError: string | null;
}

function isAnchor(v: unknown): v is Anchor {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(a.position) &&
    (a.position as number) >= 1 &&
    typeof a.hash === 'string' &&
    typeof a.signedAt === 'string' &&
    typeof a.keyId === 'string' &&
    typeof a.signature === 'string'
  );
}

const MAX_ENTRY_FINDINGS = 20;

const short = (h: string): string => `${h.slice(0, 12)}…`;

/** Reads every sink (in parallel); an entry that is no anchor or carries no valid signature of the key is a finding. */
export async function readSinks(sinks: readonly AnchorSink[], key: LedgerKey, limit: number): Promise<SinkContent[]> {
  return Promise.all(
    sinks.map(async (sink): Promise<SinkContent> => {
      let entries: unknown[];
      try {
        entries = await sink.list(limit);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          name: sink.name,
          anchors: [],
          readError: message,
          findings: [{ problem: 'sink-unreadable', sink: sink.name, position: null, detail: `anchor sink ${sink.name} cannot be read: ${message}` }],
        };
      }
      const anchors: Anchor[] = [];
      const findings: IntegrityFinding[] = [];
      entries.forEach((entry, i) => {
        if (!isAnchor(entry)) {
          findings.push({
            problem: 'anchor-signature',
            sink: sink.name,
            position: null,
            detail: `entry ${i + 1} of anchor sink ${sink.name} is not an anchor`,
          });
        } else if (entry.keyId !== key.keyId || !anchorSignatureValid(key, entry)) {
          findings.push({
            problem: 'anchor-signature',
            sink: sink.name,
            position: entry.position,
            detail: `anchor at position ${entry.position} signed ${entry.signedAt} in ${sink.name} does not carry a valid signature of ledger key ${key.keyId}`,
          });
        } else anchors.push(entry);
      });
      // A sink stuffed with junk must not make the report unbounded: the first MAX_ENTRY_FINDINGS, then a count.
      if (findings.length > MAX_ENTRY_FINDINGS) {
        const more = findings.length - MAX_ENTRY_FINDINGS;
        findings.length = MAX_ENTRY_FINDINGS;
        findings.push({ problem: 'anchor-signature', sink: sink.name, position: null, detail: `${more} more entries of ${sink.name} are not valid anchors` });
      }
      return { name: sink.name, anchors, findings, readError: null };
    }),
  );
}

/** The sink's newest anchor: highest position, the latest signature among equals. */
export function newestOf(anchors: readonly Anchor[]): Anchor | null {
  let best: Anchor | null = null;
  for (const a of anchors) if (!best || a.position > best.position || (a.position === best.position && a.signedAt > best.signedAt)) best = a;
  return best;
}

/**
 * Sinks against each other: two valid anchors of one position with different hashes (`sink-disagrees`),
 * a sink whose newest anchor is older than another sink's (`anchor-rolled-back`), a sink with no anchor
 * while another has some (`anchor-missing`). Unreadable sinks take no part (they are findings already).
 */
export function compareSinks(contents: readonly SinkContent[]): IntegrityFinding[] {
  const readable = contents.filter((c) => c.readError === null);
  const findings: IntegrityFinding[] = [];
  const byPosition = new Map<number, { hash: string; sink: string }>();
  const reported = new Set<string>();
  for (const c of readable)
    for (const a of c.anchors) {
      const seen = byPosition.get(a.position);
      if (!seen) byPosition.set(a.position, { hash: a.hash, sink: c.name });
      else if (seen.hash !== a.hash && seen.sink !== c.name && !reported.has(`${a.position}|${c.name}`)) {
        reported.add(`${a.position}|${c.name}`);
        findings.push({
          problem: 'sink-disagrees',
          sink: c.name,
          position: a.position,
          detail: `anchor sinks disagree at position ${a.position}: ${seen.sink} says hash ${short(seen.hash)}, ${c.name} says ${short(a.hash)} (both signed by the ledger key)`,
        });
      }
    }
  const newest = readable.map((c) => ({ c, a: newestOf(c.anchors) }));
  const leader = newest.reduce<{ c: SinkContent; a: Anchor } | null>(
    (best, n) => (n.a && (!best || n.a.position > best.a.position) ? { c: n.c, a: n.a } : best),
    null,
  );
  if (!leader) return findings;
  for (const { c, a } of newest) {
    if (a === null)
      findings.push({
        problem: 'anchor-missing',
        sink: c.name,
        position: leader.a.position,
        detail: `anchor sink ${c.name} holds no anchor, while ${leader.c.name} holds anchors up to position ${leader.a.position} (signed ${leader.a.signedAt}): its anchors were deleted`,
      });
    else if (a.position < leader.a.position)
      findings.push({
        problem: 'anchor-rolled-back',
        sink: c.name,
        position: a.position,
        detail: `anchor sink ${c.name} ends at position ${a.position} (signed ${a.signedAt}), ${leader.c.name} at ${leader.a.position} (signed ${leader.a.signedAt}): ${c.name} was rolled back or lost its newest anchors`,
      });
  }
  return findings;
}

export function summarize(contents: readonly SinkContent[]): SinkSummary[] {
  return contents.map((c) => {
    const n = newestOf(c.anchors);
    return {
      name: c.name,
      anchors: c.anchors.length,
      newestPosition: n?.position ?? null,
      newestSignedAt: n?.signedAt ?? null,
      readable: c.readError === null,
    };
  });
}
