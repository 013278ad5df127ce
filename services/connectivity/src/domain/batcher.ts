// Batching: samples → one UnsSampleBatch per asset per publishing interval. The sequence per
// (source, asset) is part of the state and the batch id is derived from (source, asset, sequence)
// by an injected function, so a batch replayed after a restart keeps its id and JetStream drops the
// duplicate. Pure: the clock and the id function come in as arguments.
import type { UnsSample, UnsSampleBatch } from '@industrial/contracts';
import { uuidv5 } from '@industrial/contracts/ids';

/** Most samples per batch (the contract's limit). */
export const MAX_SAMPLES_PER_BATCH = 10_000;

export type BatchIdOf = (sourceId: string, assetPath: string, seq: number) => string;

export interface SequencedBatch {
  assetPath: string;
  seq: number;
  batch: UnsSampleBatch;
}

export class Batcher {
  readonly #pending = new Map<string, UnsSample[]>();
  readonly #lastSeq: Map<string, number>;
  #count = 0;

  /** `lastSeq`: the last sequence used per asset path (restored from the buffer after a restart). */
  constructor(
    readonly sourceId: string,
    lastSeq: ReadonlyMap<string, number> = new Map(),
  ) {
    this.#lastSeq = new Map(lastSeq);
  }

  add(assetPath: string, sample: UnsSample): void {
    let list = this.#pending.get(assetPath);
    if (list === undefined) {
      list = [];
      this.#pending.set(assetPath, list);
    }
    list.push(sample);
    this.#count++;
  }

  get pendingSamples(): number {
    return this.#count;
  }

  lastSeq(assetPath: string): number {
    return this.#lastSeq.get(assetPath) ?? 0;
  }

  /**
   * Cuts every pending asset into batches (split at MAX_SAMPLES_PER_BATCH), oldest asset first.
   * A batch's plantTime is the source's clock: the newest source timestamp pending from this
   * source (a simulated plant runs faster than wall time), or `clockNow` when none parses.
   */
  cut(clockNow: string, batchIdOf: BatchIdOf): SequencedBatch[] {
    const out: SequencedBatch[] = [];
    let newest = -Infinity;
    for (const samples of this.#pending.values()) {
      for (const s of samples) {
        const t = Date.parse(s.sourceTimestamp);
        if (t > newest) newest = t;
      }
    }
    const plantTime = Number.isFinite(newest) ? new Date(newest).toISOString() : clockNow;
    for (const [assetPath, samples] of this.#pending) {
      for (let i = 0; i < samples.length; i += MAX_SAMPLES_PER_BATCH) {
        const seq = (this.#lastSeq.get(assetPath) ?? 0) + 1;
        this.#lastSeq.set(assetPath, seq);
        out.push({
          assetPath,
          seq,
          batch: {
            batchId: batchIdOf(this.sourceId, assetPath, seq),
            sourceId: this.sourceId,
            assetPath,
            samples: samples.slice(i, i + MAX_SAMPLES_PER_BATCH),
            plantTime,
          },
        });
      }
    }
    this.#pending.clear();
    this.#count = 0;
    return out;
  }
}

/**
 * The batch id: UUID v5 of `<assetPath>#<seq>` in the source's id as namespace, so a batch's id
 * follows from (source, asset, sequence) alone and a replay after a restart carries the same
 * Nats-Msg-Id (JetStream drops the duplicate).
 */
export const batchIdOf: BatchIdOf = (sourceId, assetPath, seq) => uuidv5(sourceId, `${assetPath}#${seq}`);
