// Store-and-forward admission: the buffer of a source holds at most `capacity` samples. When a
// batch does not fit, the policy decides: drop-oldest evicts whole batches from the front until it
// fits; drop-newest refuses the incoming batch. Either way the loss is counted and reported.
import type { OverflowPolicy } from './source.ts';

export interface BufferedBatchInfo {
  seq: number;
  samples: number;
  oldestSourceTs: string;
  newestSourceTs: string;
}

export interface AdmissionInput {
  capacity: number;
  used: number;
  incoming: { samples: number; oldestSourceTs: string; newestSourceTs: string };
  policy: OverflowPolicy;
  /** Buffered batches of this source, oldest first (only read under drop-oldest). */
  oldest: () => Iterable<BufferedBatchInfo>;
}

export interface Admission {
  accept: boolean;
  /** Buffer sequences to evict before inserting. */
  evict: number[];
  droppedSamples: number;
  /** Source-time span of what was dropped, for BufferOverflowed. */
  droppedFrom: string | null;
  droppedTo: string | null;
}

// Timestamps are normalised to `toISOString()` (UTC, fixed width) by the adapters, so they sort as strings.
const min = (a: string | null, b: string) => (a === null || b < a ? b : a);
const max = (a: string | null, b: string) => (a === null || b > a ? b : a);

export function planAdmission(input: AdmissionInput): Admission {
  const { capacity, used, incoming, policy } = input;
  if (used + incoming.samples <= capacity) return { accept: true, evict: [], droppedSamples: 0, droppedFrom: null, droppedTo: null };
  const refuse = (): Admission => ({
    accept: false,
    evict: [],
    droppedSamples: incoming.samples,
    droppedFrom: incoming.oldestSourceTs,
    droppedTo: incoming.newestSourceTs,
  });
  if (policy === 'drop-newest' || incoming.samples > capacity) return refuse();
  const evict: number[] = [];
  let freed = 0;
  let from: string | null = null;
  let to: string | null = null;
  for (const b of input.oldest()) {
    if (used - freed + incoming.samples <= capacity) break;
    evict.push(b.seq);
    freed += b.samples;
    from = min(from, b.oldestSourceTs);
    to = max(to, b.newestSourceTs);
  }
  if (used - freed + incoming.samples > capacity) return refuse();
  return { accept: true, evict, droppedSamples: freed, droppedFrom: from, droppedTo: to };
}

/** Source-time span of a batch's samples (UTC `toISOString()` timestamps). */
export function sourceTimeSpan(samples: readonly { sourceTimestamp: string }[]): { oldest: string; newest: string } {
  let oldest = samples[0]!.sourceTimestamp;
  let newest = oldest;
  for (const s of samples) {
    if (s.sourceTimestamp < oldest) oldest = s.sourceTimestamp;
    if (s.sourceTimestamp > newest) newest = s.sourceTimestamp;
  }
  return { oldest, newest };
}
