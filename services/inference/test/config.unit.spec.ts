// Environment → replica membership: nats by default without INFERENCE_REPLICAS, static with it,
// and a clear message naming the variable when the combination is wrong.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const base = { LEDGER_KEY_FILE: '/k/ledger.pem', ACCESS_KEYS_DIR: '/k/access', INFERENCE_REPLICA_ID: 'r1' };
const load = (env: Record<string, string>) => loadConfig({ ...base, ...env });

describe('membership configuration', () => {
  it('is live on NATS by default, heartbeat 1 s, expiry 3 beats', () => {
    const r = load({});
    expect(r.ok && r.config.membership).toEqual({ mode: 'nats', group: 'default', heartbeatMs: 1_000, expireMs: 3_000 });
  });

  it('is static when INFERENCE_REPLICAS is set', () => {
    const r = load({ INFERENCE_REPLICAS: 'r1,r2' });
    expect(r.ok && r.config.membership).toEqual({ mode: 'static', replicas: ['r1', 'r2'] });
  });

  it('static without a list is this replica alone', () => {
    const r = load({ INFERENCE_MEMBERSHIP: 'static' });
    expect(r.ok && r.config.membership).toEqual({ mode: 'static', replicas: ['r1'] });
  });

  it('takes the group, heartbeat and expiry', () => {
    const r = load({ INFERENCE_MEMBERSHIP_GROUP: 'line-2', INFERENCE_HEARTBEAT_MS: '500', INFERENCE_MEMBER_EXPIRE_MS: '2000' });
    expect(r.ok && r.config.membership).toEqual({ mode: 'nats', group: 'line-2', heartbeatMs: 500, expireMs: 2_000 });
  });

  it.each([
    [{ INFERENCE_MEMBERSHIP: 'nats', INFERENCE_REPLICAS: 'r1,r2' }, 'INFERENCE_REPLICAS must be unset when INFERENCE_MEMBERSHIP=nats'],
    [{ INFERENCE_MEMBERSHIP: 'kv' }, 'INFERENCE_MEMBERSHIP must be "static" or "nats" (got "kv")'],
    [{ INFERENCE_REPLICAS: 'r2,r3' }, 'INFERENCE_REPLICAS must include INFERENCE_REPLICA_ID (r1)'],
    [{ INFERENCE_HEARTBEAT_MS: '10' }, 'INFERENCE_HEARTBEAT_MS must be ≥ 50 (got "10")'],
    [{ INFERENCE_HEARTBEAT_MS: '1000', INFERENCE_MEMBER_EXPIRE_MS: '1500' }, 'INFERENCE_MEMBER_EXPIRE_MS must be at least 2 × INFERENCE_HEARTBEAT_MS (2000)'],
    [{ INFERENCE_MEMBERSHIP_GROUP: 'Line 2' }, 'INFERENCE_MEMBERSHIP_GROUP must be lowercase letters'],
  ])('rejects %j naming the variable', (env, message) => {
    const r = load(env);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });
});

describe('projection checkpoint configuration', () => {
  it('defaults to a file per replica under ./data, and `none` turns it off', () => {
    const r = load({});
    expect(r.ok && r.config.checkpoint).toEqual({ path: './data/inference-r1.checkpoint.db', everyMs: 1_000 });
    const off = load({ INFERENCE_CHECKPOINT_PATH: 'none' });
    expect(off.ok && off.config.checkpoint).toBeNull();
  });

  it('reads the shared variables with the shared parser (a bad store kind is named)', () => {
    const r = load({ EVENTSTORE: 'mysql' });
    expect(!r.ok && r.message).toContain('EVENTSTORE must be "postgres" or "sqlite" (got "mysql")');
  });
});

describe('gateway rate limit configuration', () => {
  it('limits per source and per token by default, takes <burst>/<per second>, and `off` turns both off', () => {
    const d = load({});
    expect(d.ok && d.config.http.rateLimit).toEqual({ perSource: { burst: 200, perSecond: 100 }, perToken: { burst: 100, perSecond: 50 }, maxKeys: 10_000 });
    const set = load({ INFERENCE_HTTP_RATE_PER_SOURCE: '20/5', INFERENCE_HTTP_RATE_PER_TOKEN: '10/2' });
    expect(set.ok && set.config.http.rateLimit).toMatchObject({ perSource: { burst: 20, perSecond: 5 }, perToken: { burst: 10, perSecond: 2 } });
    const off = load({ INFERENCE_HTTP_RATE_PER_SOURCE: 'off', INFERENCE_HTTP_RATE_PER_TOKEN: 'off' });
    expect(off.ok && off.config.http.rateLimit).toBeNull();
  });

  it('names the variable when the value is not a limit', () => {
    const r = load({ INFERENCE_HTTP_RATE_PER_TOKEN: '10' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('INFERENCE_HTTP_RATE_PER_TOKEN');
  });
});

describe('gateway proxy trust', () => {
  it('believes X-Forwarded-For from no one by default, from the listed addresses when set, and names a bad list', () => {
    const d = load({});
    expect(d.ok && d.config.http.trustProxy).toEqual([]);
    const set = load({ INFERENCE_HTTP_TRUST_PROXY: '10.0.0.5,127.0.0.1' });
    expect(set.ok && set.config.http.trustProxy).toEqual(['10.0.0.5', '127.0.0.1']);
    const bad = load({ INFERENCE_HTTP_TRUST_PROXY: 'the hmi' });
    expect(!bad.ok && bad.message).toContain('INFERENCE_HTTP_TRUST_PROXY');
  });
});

describe('drift reference configuration', () => {
  it('measures against the training sample by default, against N healthy live rows when set, and names a bad value', () => {
    const r = load({});
    expect(r.ok && r.config.driftReferenceRows).toBe(0);
    const live = load({ INFERENCE_DRIFT_REFERENCE_ROWS: '2880' });
    expect(live.ok && live.config.driftReferenceRows).toBe(2_880);
    const bad = load({ INFERENCE_DRIFT_REFERENCE_ROWS: '-5' });
    expect(!bad.ok && bad.message).toContain('INFERENCE_DRIFT_REFERENCE_ROWS');
    const text = load({ INFERENCE_DRIFT_REFERENCE_ROWS: 'many' });
    expect(!text.ok && text.message).toContain('INFERENCE_DRIFT_REFERENCE_ROWS must be a whole number of rows');
  });
});
