// Verification of the chain: every hash link, every seal (with the ledger key) and every signed
// anchor, reading the store in chunks; names the first bad position and the kind of problem.
import type { Backend } from './backend.ts';
import { GENESIS_HASH, anchorSignatureValid, chainHash, headerOf, sealMatches, type AnchorSink, type ChainRow, type LedgerKey } from './ledger.ts';
import type { Anchor, VerifyOptions, VerifyReport } from './types.ts';

const VERIFY_CHUNK = 10_000;

export async function verifyChain(backend: Backend, key: LedgerKey, sink: AnchorSink | undefined, options: VerifyOptions): Promise<VerifyReport> {
  const sealKey = key.sealKey;
  const anchors = sink ? await sink.list() : [];
  const head = await backend.head();
  const to = Math.min(options.toPosition ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  let expectedPos = options.fromPosition ?? 1;
  let prevHash = GENESIS_HASH;
  const report = (partial: Partial<VerifyReport>, checked: number): VerifyReport => ({
    ok: false,
    checked,
    lastPosition: head.position,
    anchorsChecked: 0,
    sealsChecked: sealKey !== null,
    firstBadPosition: null,
    problem: null,
    detail: null,
    ...partial,
  });
  if (expectedPos > 1) {
    const before = await backend.readAll(expectedPos - 1, 1);
    if (before[0]) prevHash = before[0].hash;
  }
  // Signatures first: a forged anchor is itself a finding.
  for (const a of anchors) {
    if (a.keyId !== key.keyId || !anchorSignatureValid(key, a)) {
      return report(
        {
          firstBadPosition: a.position,
          problem: 'anchor-signature',
          detail: `anchor at position ${a.position} signed ${a.signedAt} does not carry a valid signature of ledger key ${key.keyId}`,
        },
        0,
      );
    }
  }
  const byPosition = new Map<number, Anchor[]>();
  for (const a of anchors) byPosition.set(a.position, [...(byPosition.get(a.position) ?? []), a]);
  const lastRevision = new Map<string, number>();
  let checked = 0;
  let anchorsChecked = 0;
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
        return report(
          { firstBadPosition: expectedPos, problem: 'missing-event', detail: `position ${expectedPos} is missing (next present is ${r.position})` },
          checked,
        );
      if (r.prevHash !== prevHash)
        return report(
          {
            firstBadPosition: r.position,
            problem: 'broken-link',
            detail: `event ${r.id} at position ${r.position} does not link to the event before it (removed, inserted or reordered events)`,
          },
          checked,
        );
      const h = chainHash(prevHash, headerOf(r), r.data);
      if (h !== r.hash)
        return report(
          {
            firstBadPosition: r.position,
            problem: 'hash-mismatch',
            detail: `event ${r.id} at position ${r.position} (stream "${r.stream}", revision ${r.revision}) does not match its hash: content changed`,
          },
          checked,
        );
      if (sealKey && !sealMatches(sealKey, r.hash, r.seal))
        return report(
          {
            firstBadPosition: r.position,
            problem: 'seal-mismatch',
            detail: `event ${r.id} at position ${r.position} carries a hash the ledger key never sealed: rewritten with recomputed hashes`,
          },
          checked,
        );
      const prevRev = lastRevision.get(r.stream);
      if (r.revision !== (prevRev === undefined ? 0 : prevRev + 1) && (options.fromPosition ?? 1) === 1)
        return report(
          { firstBadPosition: r.position, problem: 'revision-gap', detail: `stream "${r.stream}" jumps from revision ${prevRev ?? 'none'} to ${r.revision}` },
          checked,
        );
      lastRevision.set(r.stream, r.revision);
      for (const a of byPosition.get(r.position) ?? []) {
        anchorsChecked++;
        if (a.hash !== r.hash)
          return report(
            {
              firstBadPosition: r.position,
              problem: 'anchor-mismatch',
              detail: `anchor signed ${a.signedAt} says position ${a.position} had hash ${a.hash.slice(0, 12)}…, the store has ${r.hash.slice(0, 12)}…: history up to here was rewritten`,
              anchorsChecked,
            },
            checked,
          );
      }
      prevHash = r.hash;
      expectedPos++;
      checked++;
    }
    options.onProgress?.(checked, head.position);
    if (pending === null) break;
  }
  const lastPresent = expectedPos - 1;
  const beyond = anchors.filter((a) => a.position > lastPresent).sort((a, b) => b.position - a.position)[0];
  if (beyond && to === Number.MAX_SAFE_INTEGER)
    return report(
      {
        firstBadPosition: lastPresent + 1,
        problem: 'missing-newest',
        detail: `anchor signed ${beyond.signedAt} proves events up to position ${beyond.position} existed; the store ends at ${lastPresent}: the newest events were deleted`,
        anchorsChecked,
      },
      checked,
    );
  return {
    ok: true,
    checked,
    lastPosition: head.position,
    anchorsChecked,
    sealsChecked: sealKey !== null,
    firstBadPosition: null,
    problem: null,
    detail: null,
  };
}
