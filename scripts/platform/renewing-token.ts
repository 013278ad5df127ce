// A launcher's service-account token that does not run out: minted with a fixed life, then minted
// again once half of that life has passed (a timer that does not keep the process alive), so the
// getter a gRPC or HTTP client calls per request always hands out a token with at least half its life
// left. A failed renewal keeps the current token (still valid for half its life) and is tried again
// every `retryMs`. stop() ends the renewals (the launcher stopping).

export interface RenewingToken {
  /** The current token: a client's per-call token getter. */
  readonly current: () => string;
  /** No more renewals. */
  stop(): void;
}

export interface RenewingTokenOptions {
  /** Mints a token valid for `ttlSeconds` from now (e.g. the launcher's devToken). */
  readonly mint: (ttlSeconds: number) => Promise<string>;
  readonly ttlSeconds: number;
  /** Pause before trying a failed renewal again (default 60 s). */
  readonly retryMs?: number;
  /** Told of a failed renewal (the current token stays in use). */
  readonly onError?: (error: unknown) => void;
}

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export async function renewingToken(options: RenewingTokenOptions): Promise<RenewingToken> {
  const lifeMs = options.ttlSeconds * 1000;
  const retryMs = options.retryMs ?? 60_000;
  let token = await options.mint(options.ttlSeconds);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const schedule = (at: number): void => {
    if (stopped) return;
    const delay = Math.max(0, at - Date.now());
    timer = setTimeout(() => (delay > MAX_DELAY_MS ? schedule(at) : void renew()), Math.min(delay, MAX_DELAY_MS));
    timer.unref();
  };

  async function renew(): Promise<void> {
    try {
      const next = await options.mint(options.ttlSeconds);
      if (stopped) return;
      token = next;
      schedule(Date.now() + lifeMs / 2);
    } catch (error) {
      options.onError?.(error);
      schedule(Date.now() + retryMs);
    }
  }

  schedule(Date.now() + lifeMs / 2);
  return {
    current: () => token,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
