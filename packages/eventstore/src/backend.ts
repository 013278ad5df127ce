// What an adapter (PostgreSQL, SQLite) supplies to the adapter-independent core.
import type { ChainRow } from './ledger.ts';

export interface StoredRef {
  stream: string;
  revision: number;
  position: number;
}

/** What a write transaction sees under the store-wide lock. */
export interface LockedState {
  headPosition: number;
  headHash: string;
  /** Event ids of the batch that already exist. */
  existing: Map<string, StoredRef>;
  /** Last revision of each stream of the batch that exists. */
  revisions: Map<string, number>;
}

export interface Backend {
  readonly adapter: string;
  /**
   * One serialised write transaction: lock, load state, `plan`, insert the rows it returns, commit.
   * `expected` holds each stream's revision as the batch's appends expect it (null: no stream); an
   * adapter may use it to plan on a predicted state first, provided it commits only when the state
   * under the lock is exactly the predicted one (so `plan` decides as it would have on the loaded state).
   */
  write(
    ids: string[],
    streams: string[],
    plan: (state: LockedState) => ChainRow[],
    beforeCommit?: () => Promise<void>,
    expected?: ReadonlyMap<string, number | null>,
  ): Promise<void>;
  /** Rows of a stream, or null when the stream does not exist. */
  readStream(stream: string, direction: 'forwards' | 'backwards', fromRevision: number | null, limit: number): Promise<ChainRow[] | null>;
  /** Rows from a position on. `seal` may be '' unless `withSeal` (only verify needs it: saves reading and parsing it). */
  readAll(fromPosition: number, limit: number, withSeal?: boolean): Promise<ChainRow[]>;
  head(): Promise<{ position: number; hash: string }>;
  /** A counter that moves whenever events may have been committed (notifications). */
  changeMark(): Promise<number>;
  /** Resolves when the change counter differs from `seen` (new events may be there) or after `timeoutMs`. */
  waitForChange(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
