// Use case: the centre takes in what an edge site recorded (while connected, or all at once after
// the uplink returns): in order per asset, each record once, clock skew flagged. The store keeps
// the last sequence per asset, so a restart or a redelivered batch adds nothing twice.
import { ingest, type EdgeRecord, type Ingested } from '../domain/edge-sync.ts';

export interface EdgeRecordStore {
  /** Last accepted sequence per `<site>/<asset>`. */
  lastSequences(): Promise<Map<string, number>>;
  /** Stores the records (idempotent on id); returns how many were new. */
  store(records: readonly Ingested[]): Promise<number>;
}

export interface IngestReport {
  accepted: number;
  duplicates: number;
  gaps: number;
  clockAhead: number;
}

export async function createEdgeIngest(deps: {
  store: EdgeRecordStore;
  now: () => number;
  onGap?: (gap: { asset: string; expected: number; got: number }) => void;
}) {
  const last = await deps.store.lastSequences();
  const totals: IngestReport = { accepted: 0, duplicates: 0, gaps: 0, clockAhead: 0 };
  return {
    totals,
    async handle(batch: readonly EdgeRecord[]): Promise<IngestReport> {
      const working = new Map(last);
      const d = ingest(working, batch, deps.now());
      const stored = await deps.store.store(d.accept);
      // Only after the store has them does the in-memory position move on.
      for (const [k, v] of working) last.set(k, v);
      for (const g of d.gaps) deps.onGap?.(g);
      const report = {
        accepted: stored,
        duplicates: d.duplicates + (d.accept.length - stored),
        gaps: d.gaps.length,
        clockAhead: d.accept.filter((r) => r.clockAhead).length,
      };
      totals.accepted += report.accepted;
      totals.duplicates += report.duplicates;
      totals.gaps += report.gaps;
      totals.clockAhead += report.clockAhead;
      return report;
    },
  };
}
