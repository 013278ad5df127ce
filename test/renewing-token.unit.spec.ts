// The standalone launcher's service-account tokens (training's, charter's, inference's dataops
// token, integration's gateway token) are minted for 7 days and renewed at half their life
// (scripts/platform/renewing-token.ts): a launcher running longer than a week still hands out a
// token the services accept. The clock is vitest's fake one (Date and timers): days pass at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate } from '@industrial/access';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIENCE, ISSUER, devKeys, devToken } from '../scripts/platform/dev-keys.ts';
import { renewingToken } from '../scripts/platform/renewing-token.ts';

const DAY_MS = 86_400_000;
const WEEK_S = 7 * 86_400;

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a renewing service-account token', () => {
  it('is still accepted by the services after 8, 15 and 30 days (a token minted once is not after 7)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renewing-token-'));
    try {
      const keys = await devKeys(dir);
      // the mint reads the key files (real I/O): each step of the fake clock waits for a mint under way
      let minting: Promise<unknown> = Promise.resolve();
      const mint = (ttl: number) => {
        const t = devToken(keys.accessDir, 'svc:training', ['service'], ttl);
        minting = t;
        return t;
      };
      const start = Date.now();
      const untilDay = async (day: number) => {
        while (Date.now() - start < day * DAY_MS) {
          await vi.advanceTimersByTimeAsync(Math.min(DAY_MS / 4, start + day * DAY_MS - Date.now()));
          await minting;
          await vi.advanceTimersByTimeAsync(0);
        }
      };
      const once = await mint(WEEK_S);
      const token = await renewingToken({ mint, ttlSeconds: WEEK_S });
      const accepted = (t: string) =>
        authenticate(t, keys.keySet, { issuer: ISSUER, audience: AUDIENCE, now: new Date() }).then(
          (p) => p.subject,
          (e: unknown) => `refused: ${(e as Error).message}`,
        );
      expect(await accepted(token.current())).toBe('svc:training');
      for (const day of [8, 15, 30]) {
        await untilDay(day);
        expect(await accepted(token.current()), `day ${day}`).toBe('svc:training');
      }
      expect(await accepted(once)).toMatch(/^refused: the token expired/);
      token.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is minted again once half its life has passed, not before', async () => {
    let n = 0;
    const mint = vi.fn(async () => `token-${++n}`);
    const token = await renewingToken({ mint, ttlSeconds: 3_600 });
    expect(token.current()).toBe('token-1');
    await vi.advanceTimersByTimeAsync(29 * 60_000);
    expect(token.current()).toBe('token-1');
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(token.current()).toBe('token-2');
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(token.current()).toBe('token-3');
    expect(mint).toHaveBeenCalledTimes(3);
    expect(mint).toHaveBeenLastCalledWith(3_600);
    token.stop();
  });

  it('keeps the current token when a renewal fails, tells of it, and tries again', async () => {
    const results: (string | Error)[] = ['first', new Error('key directory unreadable'), new Error('still unreadable'), 'second'];
    const mint = vi.fn(async () => {
      const r = results.shift()!;
      if (r instanceof Error) throw r;
      return r;
    });
    const errors: unknown[] = [];
    const token = await renewingToken({ mint, ttlSeconds: 3_600, retryMs: 60_000, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(30 * 60_000 + 1);
    expect(token.current()).toBe('first');
    expect(errors.map((e) => (e as Error).message)).toEqual(['key directory unreadable']);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(token.current()).toBe('second');
    expect(errors).toHaveLength(2);
    token.stop();
  });

  it('mints no more once stopped, and leaves no timer behind', async () => {
    const mint = vi.fn(async () => 'only');
    const token = await renewingToken({ mint, ttlSeconds: 3_600 });
    token.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(mint).toHaveBeenCalledTimes(1);
  });
});
