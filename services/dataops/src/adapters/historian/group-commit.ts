// Group commit for ingest: batches submitted by concurrent NATS handlers within a short linger
// are written in ONE historian transaction; each submitter's promise settles after that commit,
// so its message is acknowledged only once its rows are durable. While a group is being written
// the next one gathers (up to `maxInFlight` writes at once). When a group fails, its batches are
// retried one by one, so only the batch at fault fails (and is redelivered or dead-lettered).
// Pipelining: each submitter waits for its commit before it prepares its next batch, so a group
// of ALL of them would leave the database idle while they prepare, and them idle while it writes.
// Once the number of submitters waiting at once is known (W, from the last flushes), a group is
// written as soon as it holds W / maxInFlight batches: one group is written while the others'
// submitters prepare theirs.
// Tracing: each submitter's context (its message's processing span) is kept; the group's write runs
// in groupContext (parent: the first sampled message, links: the others), see db-span.ts.
import { context, type Context } from '@industrial/telemetry/api';
import { groupContext } from './db-span.ts';

export interface GroupCommitOptions {
  /** How long the first batch of a group waits for company. */
  lingerMs: number;
  /** A group is written at once when it holds this many samples. */
  maxSamples: number;
  /** Group writes running at the same time. */
  maxInFlight: number;
}

export interface Groupable {
  batchId: string;
  raw: readonly unknown[];
}

/** Writes the batches in one transaction; returns the ids that were already stored (duplicates). */
export type GroupWrite<T> = (batches: T[]) => Promise<ReadonlySet<string>>;

interface Pending<T> {
  item: T;
  context: Context;
  resolve: (duplicate: boolean) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T extends Groupable> {
  readonly #write: GroupWrite<T>;
  readonly #o: GroupCommitOptions;
  #pending: Pending<T>[] = [];
  #samples = 0;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;
  /** Batches in the groups being written. */
  #inFlightItems = 0;
  /** Most batches waiting at once (pending + being written) since the last flush. */
  #peak = 0;
  /** `#peak` at each of the last flushes: how many submitters are typically waiting. */
  readonly #peaks: number[] = [];

  constructor(write: GroupWrite<T>, options: GroupCommitOptions) {
    this.#write = write;
    this.#o = options;
  }

  /** Resolves after the batch's group committed: true when the batch had been stored before. */
  submit(item: T): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.push({ item, context: context.active(), resolve, reject });
      this.#samples += item.raw.length;
      this.#peak = Math.max(this.#peak, this.#pending.length + this.#inFlightItems);
      if (this.#samples >= this.#o.maxSamples || this.#pending.length >= this.#share()) this.#flush();
      else if (this.#timer === null) {
        this.#timer = setTimeout(() => this.#flush(), this.#o.lingerMs);
      }
    });
  }

  /**
   * A group's share of the waiting submitters: with W of them usually waiting and N writes allowed
   * at once, a group of W / N is written as soon as it is complete, so one group is written while
   * the submitters of the other prepare their next batch. Unknown (no history yet): ∞, the linger decides.
   */
  #share(): number {
    if (this.#peaks.length === 0) return Number.POSITIVE_INFINITY;
    let w = 0;
    for (const p of this.#peaks) if (p > w) w = p;
    return Math.max(1, Math.ceil(w / this.#o.maxInFlight));
  }

  #flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    // At the in-flight limit the group keeps gathering; the running write flushes it when done.
    if (this.#pending.length === 0 || this.#inFlight >= this.#o.maxInFlight) return;
    const group = this.#pending;
    this.#pending = [];
    this.#samples = 0;
    this.#peaks.push(this.#peak);
    if (this.#peaks.length > 16) this.#peaks.shift();
    this.#inFlight += 1;
    this.#inFlightItems += group.length;
    this.#peak = this.#inFlightItems;
    void this.#run(group).finally(() => {
      this.#inFlight -= 1;
      this.#inFlightItems -= group.length;
      if (this.#pending.length > 0 && this.#timer === null) this.#flush();
    });
  }

  async #run(group: Pending<T>[]): Promise<void> {
    try {
      const items = group.map((p) => p.item);
      const duplicates = await context.with(groupContext(group.map((p) => p.context)), () => this.#write(items));
      for (const p of group) p.resolve(duplicates.has(p.item.batchId));
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
    }
    // Isolate the batch at fault: the others commit on their own.
    for (const p of group) {
      try {
        const duplicates = await context.with(groupContext([p.context]), () => this.#write([p.item]));
        p.resolve(duplicates.has(p.item.batchId));
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
