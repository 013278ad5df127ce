// Verification: every anchor sink read and compared with the others, then every hash link, every seal
// (with the ledger key) and every valid anchor against the store, reading it in chunks; finally the
// store's head against the newest valid anchor of every sink (deleted newest events). Findings are
// ordered most serious first; the report names the first one and lists all.
import { compareSinks, readSinks, summarize, type AnchorSink } from './anchors.ts';
import type { Backend } from './backend.ts';
import { GENESIS_HASH, chainHash, headerOf, sealMatches, type ChainRow, type LedgerKey } from './ledger.ts';
import type { Anchor, IntegrityFinding, IntegrityProblem, VerifyOptions, VerifyReport } from './types.ts';

const VERIFY_CHUNK = 10_000;
const DETAIL_FINDINGS = 10;
/** Newest anchors read per sink: about 11 days of anchors every 10 s, a few MB; older ones are not compared. */
const MAX_ANCHORS_PER_SINK = 100_000;

/** Most serious first. */
const SEVERITY: readonly IntegrityProblem[] = [
  'truncated',
  'sink-disagrees',
  'missing-event',
  'broken-link',
  'hash-mismatch',
  'seal-mismatch',
  'revision-gap',
  'anchor-mismatch',
  'anchor-signature',
  'anchor-rolled-back',
  'anchor-missing',
  'sink-unreadable',
];

export async function verifyChain(backend: Backend, key: LedgerKey, sinks: readonly AnchorSink[], options: VerifyOptions): Promise<VerifyReport> {
  const sealKey = key.sealKey;
  const contents = await readSinks(sinks, key, options.maxAnchorsPerSink ?? MAX_ANCHORS_PER_SINK);
  const findings: IntegrityFinding[] = [...contents.flatMap((c) => c.findings), ...compareSinks(contents)];
  const head = await backend.head();
  const chain = await walkChain(
    backend,
    key,
    contents.flatMap((c) => c.anchors.map((a) => ({ a, sink: c.name }))),
    options,
    head.position,
  );
  if (chain.finding) findings.push(chain.finding);
  // Deleted newest events: a valid anchor of any sink proves a position the store no longer has.
  const lastPresent = head.position;
  if (options.toPosition === undefined)
    for (const c of contents) {
      const beyond = c.anchors.filter((a) => a.position > lastPresent).sort((x, y) => y.position - x.position)[0];
      if (beyond)
        findings.push({
          problem: 'truncated',
          sink: c.name,
          position: lastPresent + 1,
          detail: `anchor signed ${beyond.signedAt} in ${c.name} proves events up to position ${beyond.position} existed; the store ends at ${lastPresent}: the newest events were deleted`,
        });
    }
  findings.sort((x, y) => SEVERITY.indexOf(x.problem) - SEVERITY.indexOf(y.problem));
  const first = findings[0];
  return {
    ok: first === undefined,
    checked: chain.checked,
    lastPosition: head.position,
    anchorsChecked: chain.anchorsChecked,
    sealsChecked: sealKey !== null,
    firstBadPosition: first?.position ?? null,
    problem: first?.problem ?? null,
    detail: first ? detailOf(findings) : null,
    findings,
    sinks: summarize(contents),
  };
}

/** The first finding's detail and the others' as "problem: detail", at most DETAIL_FINDINGS of them. */
function detailOf(findings: readonly IntegrityFinding[]): string {
  const [first, ...rest] = findings;
  const shown = rest.slice(0, DETAIL_FINDINGS).map((f) => `${f.problem}: ${f.detail}`);
  if (rest.length > DETAIL_FINDINGS) shown.push(`and ${rest.length - DETAIL_FINDINGS} more findings`);
  return [first?.detail ?? '', ...shown].join('; ');
}

interface ChainResult {
  checked: number;
  anchorsChecked: number;
  finding: IntegrityFinding | null;
}

async function walkChain(
  backend: Backend,
  key: LedgerKey,
  anchors: readonly { a: Anchor; sink: string }[],
  options: VerifyOptions,
  headPosition: number,
): Promise<ChainResult> {
  const sealKey = key.sealKey;
  const to = Math.min(options.toPosition ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  let expectedPos = options.fromPosition ?? 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let anchorsChecked = 0;
  const report = (partial: Omit<IntegrityFinding, 'sink'> & { sink?: string }): ChainResult => ({
    checked,
    anchorsChecked,
    finding: { sink: null, ...partial },
  });
  if (expectedPos > 1) {
    const before = await backend.readAll(expectedPos - 1, 1);
    if (before[0]) prevHash = before[0].hash;
  }
  const byPosition = new Map<number, { a: Anchor; sink: string }[]>();
  for (const x of anchors) byPosition.set(x.a.position, [...(byPosition.get(x.a.position) ?? []), x]);
  const lastRevision = new Map<string, number>();
  // The next page is fetched while this one is checked (positions are gapless, so its start is known;
  // when this page turns out bad the prefetch is simply dropped).
  let pending: Promise<ChainRow[]> | null = backend.readAll(expectedPos, VERIFY_CHUNK, sealKey !== null);
  for (;;) {
    const rows: ChainRow[] = await (pending as Promise<ChainRow[]>);
    pending = null;
    const last = rows.at(-1);
    if (rows.length === VERIFY_CHUNK && last && last.position < to) {
      pending = backend.readAll(last.position + 1, VERIFY_CHUNK, sealKey !== null);
      pending.catch(() => undefined); // an abandoned prefetch must not become an unhandled rejection
    }
    for (const r of rows) {
      if (r.position > to) break;
      if (r.position !== expectedPos)
        return report({ position: expectedPos, problem: 'missing-event', detail: `position ${expectedPos} is missing (next present is ${r.position})` });
      if (r.prevHash !== prevHash)
        return report({
          position: r.position,
          problem: 'broken-link',
          detail: `event ${r.id} at position ${r.position} does not link to the event before it (removed, inserted or reordered events)`,
        });
      const h = chainHash(prevHash, headerOf(r), r.data);
      if (h !== r.hash)
        return report({
          position: r.position,
          problem: 'hash-mismatch',
          detail: `event ${r.id} at position ${r.position} (stream "${r.stream}", revision ${r.revision}) does not match its hash: content changed`,
        });
      if (sealKey && !sealMatches(sealKey, r.hash, r.seal))
        return report({
          position: r.position,
          problem: 'seal-mismatch',
          detail: `event ${r.id} at position ${r.position} carries a hash the ledger key never sealed: rewritten with recomputed hashes`,
        });
      const prevRev = lastRevision.get(r.stream);
      if (r.revision !== (prevRev === undefined ? 0 : prevRev + 1) && (options.fromPosition ?? 1) === 1)
        return report({
          position: r.position,
          problem: 'revision-gap',
          detail: `stream "${r.stream}" jumps from revision ${prevRev ?? 'none'} to ${r.revision}`,
        });
      lastRevision.set(r.stream, r.revision);
      for (const { a, sink } of byPosition.get(r.position) ?? []) {
        anchorsChecked++;
        if (a.hash !== r.hash)
          return report({
            position: r.position,
            problem: 'anchor-mismatch',
            sink,
            detail: `anchor signed ${a.signedAt} in ${sink} says position ${a.position} had hash ${a.hash.slice(0, 12)}…, the store has ${r.hash.slice(0, 12)}…: history up to here was rewritten`,
          });
      }
      prevHash = r.hash;
      expectedPos++;
      checked++;
    }
    options.onProgress?.(checked, headPosition);
    if (pending === null) break;
  }
  return { checked, anchorsChecked, finding: null };
}
