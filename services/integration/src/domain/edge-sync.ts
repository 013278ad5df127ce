// What crosses from an edge site to the centre: every record the edge makes (samples, prompts,
// decisions, outcomes) with a per-asset sequence number, and how the centre takes them in: in
// order per asset, each once (a record at or below the asset's last sequence is a duplicate, one
// past a gap is held back as lost until the gap fills), the edge's clock kept but flagged when it
// runs ahead of the centre's. Pure.
/** `event`: any other event of the edge's store (a tag mapping, the plant's ground truth). */
export const EdgeRecordKind = ['sample', 'prompt', 'decision', 'outcome', 'event'] as const;
export type EdgeRecordKind = (typeof EdgeRecordKind)[number];

export interface EdgeRecord {
  id: string;
  site: string;
  asset: string;
  /** 1, 2, 3, … per (site, asset), assigned at the edge. */
  seq: number;
  kind: EdgeRecordKind;
  /** Edge clock, ISO. */
  at: string;
  data: unknown;
}

export interface Ingested extends EdgeRecord {
  receivedAt: string;
  /** The edge's clock ran ahead of the centre's by more than the tolerance when it was made. */
  clockAhead: boolean;
}

export interface IngestDecision {
  accept: Ingested[];
  duplicates: number;
  /** Records past a gap in an asset's sequence (not accepted: the earlier ones are missing). */
  gaps: { asset: string; expected: number; got: number }[];
}

/**
 * Takes a batch in arrival order against the last accepted sequence per asset (`last`, updated in
 * place for the accepted ones). `toleranceMs`: how far ahead of `nowMs` an edge timestamp may be.
 */
export function ingest(last: Map<string, number>, batch: readonly EdgeRecord[], nowMs: number, toleranceMs = 60_000): IngestDecision {
  const out: IngestDecision = { accept: [], duplicates: 0, gaps: [] };
  const receivedAt = new Date(nowMs).toISOString();
  for (const r of batch) {
    const key = `${r.site}/${r.asset}`;
    const prev = last.get(key) ?? 0;
    if (r.seq <= prev) {
      out.duplicates++;
      continue;
    }
    if (r.seq !== prev + 1) {
      out.gaps.push({ asset: key, expected: prev + 1, got: r.seq });
      continue;
    }
    last.set(key, r.seq);
    out.accept.push({ ...r, receivedAt, clockAhead: Date.parse(r.at) > nowMs + toleranceMs });
  }
  return out;
}

/** Per-asset sequence numbers at the edge. */
export class EdgeSequencer {
  private readonly seqs = new Map<string, number>();
  next(asset: string): number {
    const n = (this.seqs.get(asset) ?? 0) + 1;
    this.seqs.set(asset, n);
    return n;
  }
  /** Goes on after `last` (the asset's last stored record, after a restart). */
  resume(asset: string, last: number): void {
    this.seqs.set(asset, Math.max(this.seqs.get(asset) ?? 0, last));
  }
  /** Takes back the number just given (the record was not stored: written before). */
  undo(asset: string): void {
    this.seqs.set(asset, Math.max(0, (this.seqs.get(asset) ?? 1) - 1));
  }
}
