// In-process job queue: FIFO, `concurrency` jobs at a time (1 by default: training saturates a
// core). A job can be cancelled while queued (dropped) or running (its AbortSignal fires). close()
// stops taking jobs and either lets the running ones finish or cancels them, and resolves when idle.
// No I/O: the work function is injected.

export interface QueueOptions<J> {
  concurrency?: number;
  work: (job: J, signal: AbortSignal) => Promise<void>;
  /** A job's failure (work should record its own failures; this is the last resort). */
  onError?: (id: string, error: unknown) => void;
}

export class QueueClosedError extends Error {
  readonly code = 'UNAVAILABLE' as const;
  constructor() {
    super('the training queue is shutting down; no new runs are accepted');
    this.name = 'QueueClosedError';
  }
}

export class JobQueue<J> {
  readonly #concurrency: number;
  readonly #work: QueueOptions<J>['work'];
  readonly #onError: NonNullable<QueueOptions<J>['onError']>;
  readonly #waiting: { id: string; job: J }[] = [];
  readonly #running = new Map<string, AbortController>();
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(options: QueueOptions<J>) {
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#work = options.work;
    this.#onError = options.onError ?? (() => {});
  }

  get queued(): readonly string[] {
    return this.#waiting.map((w) => w.id);
  }

  get running(): readonly string[] {
    return [...this.#running.keys()];
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a job; a job id already queued or running is ignored (returns false). */
  enqueue(id: string, job: J): boolean {
    if (this.#closed) throw new QueueClosedError();
    if (this.#running.has(id) || this.#waiting.some((w) => w.id === id)) return false;
    this.#waiting.push({ id, job });
    this.#pump();
    return true;
  }

  /** Drops a queued job or aborts a running one. Returns where it was. */
  cancel(id: string): 'queued' | 'running' | 'unknown' {
    const i = this.#waiting.findIndex((w) => w.id === id);
    if (i >= 0) {
      this.#waiting.splice(i, 1);
      this.#settle();
      return 'queued';
    }
    const c = this.#running.get(id);
    if (c !== undefined) {
      c.abort();
      return 'running';
    }
    return 'unknown';
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    if (this.#waiting.length === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops accepting jobs. `finish`: queued and running jobs complete. `cancel`: queued jobs are
   * returned (the caller records them as not run) and running ones are aborted.
   */
  async close(mode: 'finish' | 'cancel'): Promise<{ dropped: string[] }> {
    this.#closed = true;
    let dropped: string[] = [];
    if (mode === 'cancel') {
      dropped = this.#waiting.splice(0).map((w) => w.id);
      for (const c of this.#running.values()) c.abort();
    }
    await this.onIdle();
    return { dropped };
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const { id, job } = this.#waiting.shift()!;
      const controller = new AbortController();
      this.#running.set(id, controller);
      void (async () => {
        try {
          await this.#work(job, controller.signal);
        } catch (e) {
          this.#onError(id, e);
        } finally {
          this.#running.delete(id);
          this.#pump();
          this.#settle();
        }
      })();
    }
  }

  #settle(): void {
    if (this.#waiting.length === 0 && this.#running.size === 0) for (const r of this.#idle.splice(0)) r();
  }
}
