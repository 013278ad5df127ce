// Environment → typed config: the shared event-store names (PG_SCHEMA, SQLITE_PATH, EVENTSTORE),
// the deprecated dataops names still read with a warning, and one message naming each bad variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const base = { LEDGER_KEY_FILE: '/keys/ledger.pem', ACCESS_KEYS_DIR: '/keys/access' };
const pg = { ...base, DATAOPS_STORE: 'postgres', PG_URL: 'postgres://pg:5432/platform' };

describe('the dataops configuration', () => {
  it('fills defaults: SQLite historian and event store, no warnings', () => {
    const r = loadConfig(base);
    expect(r).toMatchObject({
      ok: true,
      warnings: [],
      config: {
        storage: { kind: 'sqlite', path: './data/dataops.db' },
        eventStore: { kind: 'sqlite', path: './data/events.db' },
        access: { keysDir: '/keys/access', issuer: 'industrial-access', audience: 'industrial-platform' },
        shutdownGraceMs: 10_000,
        app: { access: { issuer: 'industrial-access', audience: 'industrial-platform' } },
      },
    });
  });

  it('reads the import size limits (64 MiB and 2,000,000 rows unless set), naming a bad one', () => {
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { app: { importLimits: { maxBytes: 64 * 1024 * 1024, maxRows: 2_000_000 } } } });
    const set = loadConfig({ ...base, DATAOPS_IMPORT_MAX_BYTES: '1048576', DATAOPS_IMPORT_MAX_ROWS: '1000' });
    expect(set).toMatchObject({ ok: true, config: { app: { importLimits: { maxBytes: 1_048_576, maxRows: 1000 } } } });
    expect(JSON.stringify(loadConfig({ ...base, DATAOPS_IMPORT_MAX_ROWS: 'many' }))).toMatch(/DATAOPS_IMPORT_MAX_ROWS/);
  });

  it('reads the event-store schema from PG_SCHEMA, like the other services', () => {
    const r = loadConfig({ ...pg, PG_SCHEMA: 'plant_1', DATAOPS_PG_SCHEMA: 'plant_1_historian' });
    expect(r).toMatchObject({
      ok: true,
      warnings: [],
      config: {
        storage: { kind: 'postgres', url: pg.PG_URL, schema: 'plant_1_historian' },
        eventStore: { kind: 'postgres', url: pg.PG_URL, schema: 'plant_1' },
      },
    });
  });

  it('picks the event store by EVENTSTORE, and by DATAOPS_STORE when EVENTSTORE is unset (as before)', () => {
    expect(loadConfig(pg)).toMatchObject({ ok: true, config: { eventStore: { kind: 'postgres', schema: 'eventstore' } } });
    expect(loadConfig({ ...pg, EVENTSTORE: 'sqlite', SQLITE_PATH: '/data/events.db' })).toMatchObject({
      ok: true,
      config: { storage: { kind: 'postgres' }, eventStore: { kind: 'sqlite', path: '/data/events.db' } },
    });
  });

  describe('deprecated names', () => {
    it('still reads EVENTSTORE_PG_SCHEMA, with a warning to use PG_SCHEMA', () => {
      const r = loadConfig({ ...pg, EVENTSTORE_PG_SCHEMA: 'plant_1' });
      expect(r).toMatchObject({
        ok: true,
        warnings: ['EVENTSTORE_PG_SCHEMA is deprecated: use PG_SCHEMA'],
        config: { eventStore: { kind: 'postgres', schema: 'plant_1' } },
      });
    });
    it('still reads EVENTSTORE_SQLITE_PATH, with a warning to use SQLITE_PATH', () => {
      const r = loadConfig({ ...base, EVENTSTORE_SQLITE_PATH: '/data/ev.db' });
      expect(r).toMatchObject({
        ok: true,
        warnings: ['EVENTSTORE_SQLITE_PATH is deprecated: use SQLITE_PATH'],
        config: { eventStore: { kind: 'sqlite', path: '/data/ev.db' } },
      });
    });
    it('refuses an alias that disagrees with the shared name', () => {
      const r = loadConfig({ ...pg, PG_SCHEMA: 'plant_1', EVENTSTORE_PG_SCHEMA: 'plant_2' });
      expect(!r.ok && r.message).toMatch(/^invalid configuration: EVENTSTORE_PG_SCHEMA is a deprecated alias of PG_SCHEMA and disagrees with it/);
    });
    it('names the alias when its value is bad', () => {
      const r = loadConfig({ ...pg, EVENTSTORE_PG_SCHEMA: 'Plant-1' });
      expect(r).toEqual({ ok: false, message: 'invalid configuration: EVENTSTORE_PG_SCHEMA must be a lowercase SQL identifier (got "Plant-1")' });
    });
  });

  it.each([
    [{ DATAOPS_STORE: 'postgres' }, 'PG_URL is required when DATAOPS_STORE=postgres'],
    [{ EVENTSTORE: 'postgres' }, 'PG_URL is required when EVENTSTORE=postgres'],
    [{ DATAOPS_STORE: 'postgres', EVENTSTORE: 'postgres' }, 'PG_URL is required when DATAOPS_STORE=postgres or EVENTSTORE=postgres'],
    [{ EVENTSTORE: 'mongo' }, 'EVENTSTORE must be "postgres" or "sqlite" (got "mongo")'],
    [{ PG_SCHEMA: 'Plant' }, 'PG_SCHEMA must be a lowercase SQL identifier (got "Plant")'],
    [{ DATAOPS_REFINED_INTERVAL_MS: '0' }, 'DATAOPS_REFINED_INTERVAL_MS must be ≥ 1'],
    [{ LEDGER_KEY_FILE: '' }, 'LEDGER_KEY_FILE is required'],
  ])('refuses %j, naming the variable and the reason', (env, problem) => {
    const r = loadConfig({ ...base, ...env });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(problem);
  });
});
