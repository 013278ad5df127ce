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
  it('reads a KPI schedule in plant or wall time, and refuses one that cannot be parsed', () => {
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { kpiSchedule: null } });
    expect(loadConfig({ ...base, CHARTER_KPI_SCHEDULE: 'every 8h' })).toMatchObject({
      ok: true,
      config: { kpiSchedule: { schedule: { text: 'every 8h', everyMs: 8 * 3_600_000, clock: 'plant' }, checkEveryMs: 60_000, idealCycleTimeSeconds: 0 } },
    });
    expect(loadConfig({ ...base, CHARTER_KPI_SCHEDULE: 'every 1w', CHARTER_KPI_CLOCK: 'wall', CHARTER_KPI_IDEAL_CYCLE_TIME_S: '0.4' })).toMatchObject({
      ok: true,
      config: { kpiSchedule: { schedule: { everyMs: 7 * 86_400_000, clock: 'wall' }, idealCycleTimeSeconds: 0.4 } },
    });
    const bad = loadConfig({ ...base, CHARTER_KPI_SCHEDULE: 'every fortnight' });
    expect(!bad.ok && bad.message).toMatch(/CHARTER_KPI_SCHEDULE must be "every <n><m\|h\|d\|w>"/);
    const tiny = loadConfig({ ...base, CHARTER_KPI_SCHEDULE: 'every 0m' });
    expect(!tiny.ok && tiny.message).toMatch(/CHARTER_KPI_SCHEDULE must be at least one minute/);
    const clock = loadConfig({ ...base, CHARTER_KPI_SCHEDULE: 'every 1d', CHARTER_KPI_CLOCK: 'sundial' });
    expect(!clock.ok && clock.message).toMatch(/CHARTER_KPI_CLOCK/);
  });
  it('names a missing variable', () => {
    const r = loadConfig({ ACCESS_KEYS_DIR: '/k' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/LEDGER_KEY_FILE is required/);
  });
});
