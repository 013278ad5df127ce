// Environment → typed config: defaults, and one message naming each bad variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const base = { LEDGER_KEY_FILE: '/keys/ledger.pem', ACCESS_KEYS_DIR: '/keys/access' };

describe('charter config', () => {
  it('fills defaults', () => {
    const r = loadConfig(base);
    expect(r).toMatchObject({ ok: true, config: { grpc: { port: 50052 }, plantTimeZone: 'UTC', eventStore: { kind: 'sqlite' }, ai4i: null } });
  });
  it('names a malformed variable', () => {
    const r = loadConfig({ ...base, PLANT_TIMEZONE: 'Mars/Olympus' });
    expect(r).toEqual({ ok: false, message: 'invalid configuration: PLANT_TIMEZONE must be an IANA time zone such as "Europe/Berlin" (got "Mars/Olympus")' });
  });
  it('reads dataops from its PostgreSQL schema when asked, on PG_URL', () => {
    expect(loadConfig({ ...base, PG_URL: 'postgres://pg/x', CHARTER_DATAOPS_PG_SCHEMA: 'eventstore_historian' })).toMatchObject({
      ok: true,
      config: { dataops: { url: 'postgres://pg/x', schema: 'eventstore_historian', refinedIntervalMs: 1000 } },
    });
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { dataops: null } });
    const r = loadConfig({ ...base, CHARTER_DATAOPS_PG_SCHEMA: 'dataops' });
    expect(!r.ok && r.message).toMatch(/PG_URL is required when CHARTER_DATAOPS_PG_SCHEMA is set/);
  });
  it('names a missing variable', () => {
    const r = loadConfig({ ACCESS_KEYS_DIR: '/k' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/LEDGER_KEY_FILE is required/);
  });
});
