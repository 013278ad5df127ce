// Environment → typed config: defaults, and one message naming each bad variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

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
  it('reads dataops over its gRPC API with a token file, and refuses the removed PostgreSQL variable saying what to set', () => {
    expect(loadConfig({ ...base, CHARTER_DATAOPS_GRPC_URL: '127.0.0.1:50153', CHARTER_DATAOPS_TOKEN_FILE: '/run/secrets/charter-dataops.jwt' })).toMatchObject({
      ok: true,
      config: { dataops: { grpcAddress: '127.0.0.1:50153', tokenFile: '/run/secrets/charter-dataops.jwt' } },
    });
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { dataops: null } });
    const noToken = loadConfig({ ...base, CHARTER_DATAOPS_GRPC_URL: 'dataops:50053' });
    expect(!noToken.ok && noToken.message).toMatch(/CHARTER_DATAOPS_TOKEN_FILE is required when CHARTER_DATAOPS_GRPC_URL is set/);
    const badUrl = loadConfig({ ...base, CHARTER_DATAOPS_GRPC_URL: 'http://dataops', CHARTER_DATAOPS_TOKEN_FILE: '/t' });
    expect(!badUrl.ok && badUrl.message).toMatch(/CHARTER_DATAOPS_GRPC_URL must be host:port/);
    const old = loadConfig({ ...base, PG_URL: 'postgres://pg/x', CHARTER_DATAOPS_PG_SCHEMA: 'eventstore_historian' });
    expect(!old.ok && old.message).toMatch(/CHARTER_DATAOPS_PG_SCHEMA is no longer read: .*CHARTER_DATAOPS_GRPC_URL and CHARTER_DATAOPS_TOKEN_FILE/);
  });
  it('names a missing variable', () => {
    const r = loadConfig({ ACCESS_KEYS_DIR: '/k' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/LEDGER_KEY_FILE is required/);
  });
});
