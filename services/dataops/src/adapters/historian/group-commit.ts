// Group commit for ingest: batches submitted by concurrent NATS handlers within a short linger
// are written in ONE historian transaction; each submitter's promise settles after that commit,
// so its message is acknowledged only once its rows are durable. While a group is being written
// the next one gathers (up to `maxInFlight` writes at once). When a group fails, its batches are
// retried one by one, so only the batch at fault fails (and is redelivered or dead-lettered).

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

  constructor(write: GroupWrite<T>, options: GroupCommitOptions) {
    this.#write = write;
    this.#o = options;
  }

  /** Resolves after the batch's group committed: true when the batch had been stored before. */
  submit(item: T): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#samples += item.raw.length;
      if (this.#samples >= this.#o.maxSamples) this.#flush();
      else if (this.#timer === null) {
        this.#timer = setTimeout(() => this.#flush(), this.#o.lingerMs);
      }
    });
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
    this.#inFlight += 1;
    void this.#run(group).finally(() => {
      this.#inFlight -= 1;
      if (this.#pending.length > 0 && this.#timer === null) this.#flush();
    });
  }

  async #run(group: Pending<T>[]): Promise<void> {
    try {
      const duplicates = await this.#write(group.map((p) => p.item));
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
        const duplicates = await this.#write([p.item]);
        p.resolve(duplicates.has(p.item.batchId));
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
