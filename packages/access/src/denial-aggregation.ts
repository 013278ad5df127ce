// Anonymous denials, aggregated per source and UTC minute so that a flood of unauthenticated calls
// cannot grow the ledger without bound: the first `anonymousDenialsPerMinute` (default 10) of a
// (source, minute) are recorded one by one; the rest are only counted, and when the minute closes
// one AccessDenied records how many there were (by reason), the source and the minute. A refused
// call is refused either way. At most MAX_WINDOWS (source, minute) pairs are tracked; beyond that
// new sources share one `(other sources)` window, so memory stays bounded too.
import type { AccessDeniedEvent, DenialCause } from './events.ts';
import { accessDeniedEvent, accessDeniedReasonFor } from './events.ts';
import type { Permission } from './permissions.ts';

/** What the aggregation needs of the guard's options (AggregationOptions fits). */
export interface AggregationOptions {
  recordDenied: (stream: string, event: AccessDeniedEvent) => Promise<unknown> | unknown;
  newId: () => string;
  now?: () => Date;
  onRecordFailure?: (error: unknown, event: AccessDeniedEvent) => void;
  anonymousDenialsPerMinute?: number;
}

/** What a summary names of the last counted denial (DeniedCall fits). */
export interface DeniedCall {
  permission: Permission;
  service: string;
  method: string;
  transport?: 'grpc' | 'http' | 'nats';
}

export const DEFAULT_ANONYMOUS_DENIALS_PER_MINUTE = 10;
const MAX_WINDOWS = 10_000;
const OTHER = '(other sources)';
const MINUTE = 60_000;

interface Window {
  source: string;
  minute: number;
  recorded: number;
  counted: number;
  byReason: Map<string, number>;
  /** The last counted denial: what the summary names (service, method, permission, transport, cause). */
  last: { request: DeniedCall; cause: DenialCause } | null;
}

export class AnonymousDenials {
  readonly #windows = new Map<string, Window>();
  readonly #options: AggregationOptions;
  readonly #limit: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: AggregationOptions) {
    this.#options = options;
    this.#limit = Math.max(0, options.anonymousDenialsPerMinute ?? DEFAULT_ANONYMOUS_DENIALS_PER_MINUTE);
  }

  /** True when this anonymous denial is recorded on its own; false when it is only counted. */
  admit(source: string, now: Date, request: DeniedCall, cause: DenialCause): boolean {
    const minute = Math.floor(now.getTime() / MINUTE) * MINUTE;
    const src = source.slice(0, 100);
    let key = `${minute}|${src}`;
    let w = this.#windows.get(key);
    if (w === undefined && this.#windows.size >= MAX_WINDOWS) {
      key = `${minute}|${OTHER}`;
      w = this.#windows.get(key);
    }
    if (w === undefined) {
      w = { source: key.slice(key.indexOf('|') + 1), minute, recorded: 0, counted: 0, byReason: new Map(), last: null };
      this.#windows.set(key, w);
    }
    if (w.recorded < this.#limit) {
      w.recorded++;
      this.#schedule(now);
      return true;
    }
    w.counted++;
    const reason = accessDeniedReasonFor(cause);
    w.byReason.set(reason, (w.byReason.get(reason) ?? 0) + 1);
    w.last = { request, cause };
    this.#schedule(now);
    return false;
  }

  /** Records the summary of every window whose minute closed (every window with `all`) and forgets them. */
  async flush(all = false): Promise<void> {
    const now = (this.#options.now?.() ?? new Date()).getTime();
    for (const [key, w] of this.#windows) {
      if (!all && w.minute + MINUTE > now) continue;
      this.#windows.delete(key);
      if (w.counted > 0 && w.last !== null) await this.#record(w);
    }
    if (this.#windows.size === 0 && this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  async #record(w: Window): Promise<void> {
    const { request, cause } = w.last!;
    const from = new Date(w.minute).toISOString();
    const reasons = [...w.byReason].map(([r, n]) => `${r} ×${n}`).join(', ');
    const detail =
      `${w.counted} more anonymous denials from ${w.source} in the minute from ${from} (${reasons}), counted instead of recorded one by one ` +
      `(the first ${w.recorded} were recorded); the last: ${cause.detail}`;
    const { stream, event } = accessDeniedEvent({
      principal: null,
      permission: request.permission,
      service: request.service,
      method: request.method,
      cause: { ...cause, detail } as DenialCause,
      transport: request.transport ?? 'unknown',
      correlationId: this.#options.newId(),
      traceparent: null,
      // The last instant of the window: the summary lands in the same day's stream as the denials.
      now: new Date(w.minute + MINUTE - 1),
      id: this.#options.newId(),
    });
    try {
      await this.#options.recordDenied(stream, event);
    } catch (error) {
      this.#failed(error, event);
    }
  }

  #failed(error: unknown, event: AccessDeniedEvent): void {
    if (this.#options.onRecordFailure === undefined) throw error;
    this.#options.onRecordFailure(error, event);
  }

  /** A timer at the close of the current minute (unref'd: it never keeps a process alive). */
  #schedule(now: Date): void {
    if (this.#timer !== null) return;
    const delay = Math.max(1000, MINUTE - (now.getTime() % MINUTE) + 100);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch(() => undefined);
      if (this.#windows.size > 0) this.#schedule(this.#options.now?.() ?? new Date());
    }, delay);
    this.#timer.unref();
  }
}
