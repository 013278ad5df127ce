// The environment shared by the services: defaults, one message naming each bad variable (as the
// operator wrote it, deprecated aliases included), and opening the store the config describes.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  accessConfig,
  accessEnv,
  anchorConfig,
  anchorEnv,
  checkEventStoreEnv,
  eventStoreConfig,
  eventStoreEnv,
  openStoreFromConfig,
  parseEnv,
  shutdownEnv,
  telemetryConfig,
  telemetryEnv,
} from '../src/config.ts';
import { generateLedgerKeyPem } from '../src/ledger.ts';

const Schema = z.object({ ...eventStoreEnv, ...anchorEnv, ...accessEnv, ...telemetryEnv, ...shutdownEnv(10_000) }).superRefine(checkEventStoreEnv);
const base = { LEDGER_KEY_FILE: '/keys/ledger.pem', ACCESS_KEYS_DIR: '/keys/access' };

describe('the shared service environment', () => {
  it('fills defaults: SQLite at ./data/events.db, schema eventstore, no anchors, no export, info logs', () => {
    const r = parseEnv(Schema, base);
    expect(r).toEqual({
      ok: true,
      warnings: [],
      data: {
        EVENTSTORE: 'sqlite',
        PG_SCHEMA: 'eventstore',
        SQLITE_PATH: './data/events.db',
        LEDGER_KEY_FILE: '/keys/ledger.pem',
        ACCESS_KEYS_DIR: '/keys/access',
        ACCESS_ISSUER: 'industrial-access',
        ACCESS_AUDIENCE: 'industrial-platform',
        ANCHOR_NATS_MAX_AGE_MS: 0,
        ANCHOR_EVERY_EVENTS: 1000,
        ANCHOR_INTERVAL_MS: 10_000,
        OTEL_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
        OTEL_SAMPLE_RATIO: 1,
        METRICS_PORT: 'off',
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_GRACE_MS: 10_000,
      },
    });
    if (!r.ok) return;
    expect(eventStoreConfig(r.data)).toEqual({ kind: 'sqlite', path: './data/events.db' });
    expect(accessConfig(r.data)).toEqual({ keysDir: '/keys/access', issuer: 'industrial-access', audience: 'industrial-platform' });
    expect(telemetryConfig(r.data)).toEqual({ exporter: 'none', otlpEndpoint: 'http://localhost:4318', sampleRatio: 1, metrics: null });
    const scraped = parseEnv(Schema, { ...base, METRICS_PORT: '9464' });
    expect(scraped.ok && telemetryConfig(scraped.data).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(anchorConfig(r.data)).toEqual({ everyEvents: 1000, intervalMs: 10_000, nats: null });
    const nats = parseEnv(Schema, { ...base, ANCHOR_NATS_URL: 'nats://nats:4222' });
    expect(nats.ok && anchorConfig(nats.data).nats).toEqual({ servers: 'nats://nats:4222', stream: 'LEDGER_ANCHORS', maxAgeMs: 0 });
    expect(nats.ok && anchorConfig(nats.data, 'plant-1').nats?.stream).toBe('plant-1_LEDGER_ANCHORS');
  });

  it('maps the anchor schedule and the JetStream anchor sink', () => {
    const r = parseEnv(Schema, {
      ...base,
      ANCHOR_NATS_URL: 'nats://nats.audit:4222',
      ANCHOR_NATS_STREAM: 'PLANT_1_ANCHORS',
      ANCHOR_NATS_MAX_AGE_MS: '31536000000',
      ANCHOR_EVERY_EVENTS: '500',
      ANCHOR_INTERVAL_MS: '5000',
    });
    expect(r.ok && anchorConfig(r.data)).toEqual({
      everyEvents: 500,
      intervalMs: 5000,
      nats: { servers: 'nats://nats.audit:4222', stream: 'PLANT_1_ANCHORS', maxAgeMs: 31_536_000_000 },
    });
  });

  it('maps EVENTSTORE=postgres to the URL and schema', () => {
    const r = parseEnv(Schema, { ...base, EVENTSTORE: 'postgres', PG_URL: 'postgres://pg:5432/db', PG_SCHEMA: 'plant_1' });
    expect(r.ok && eventStoreConfig(r.data)).toEqual({ kind: 'postgres', url: 'postgres://pg:5432/db', schema: 'plant_1' });
  });

  it('counts empty strings as unset', () => {
    const r = parseEnv(Schema, { ...base, PG_SCHEMA: '', LOG_LEVEL: '' });
    expect(r.ok && [r.data.PG_SCHEMA, r.data.LOG_LEVEL]).toEqual(['eventstore', 'info']);
  });

  it.each([
    [{ EVENTSTORE: 'mysql' }, 'EVENTSTORE must be "postgres" or "sqlite" (got "mysql")'],
    [{ EVENTSTORE: 'postgres' }, 'PG_URL is required when EVENTSTORE=postgres'],
    [{ PG_URL: 'http://pg/x' }, 'PG_URL must be a postgres:// URL (got "http://pg/x")'],
    [{ PG_SCHEMA: 'Event-Store' }, 'PG_SCHEMA must be a lowercase SQL identifier (got "Event-Store")'],
    [{ LEDGER_KEY_FILE: '' }, 'LEDGER_KEY_FILE is required'],
    [{ ANCHOR_FILE: '   ' }, 'ANCHOR_FILE must not be empty (got "   ")'],
    [{ ANCHOR_NATS_URL: 'http://nats:4222' }, 'ANCHOR_NATS_URL must be a nats:// (or tls://) URL (got "http://nats:4222")'],
    [{ ANCHOR_NATS_STREAM: 'anchors.*' }, 'ANCHOR_NATS_STREAM must be 1–64 letters, digits, _ or - (got "anchors.*")'],
    [{ ANCHOR_EVERY_EVENTS: '-5' }, 'ANCHOR_EVERY_EVENTS must be ≥ 0 (got "-5")'],
    [{ ANCHOR_INTERVAL_MS: 'soon' }, 'ANCHOR_INTERVAL_MS must be a number of ms (got "soon")'],
    [{ ACCESS_KEYS_DIR: undefined }, 'ACCESS_KEYS_DIR is required'],
    [{ OTEL_EXPORTER: 'jaeger' }, 'OTEL_EXPORTER must be "otlp" or "none" (got "jaeger")'],
    [{ OTEL_SAMPLE_RATIO: '2' }, 'OTEL_SAMPLE_RATIO must be 0–1 (got "2")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be a pino level (info, debug, …) (got "loud")'],
    [{ SHUTDOWN_GRACE_MS: '-1' }, 'SHUTDOWN_GRACE_MS must be ≥ 0 (got "-1")'],
  ])('names the variable and the reason for %j', (env, problem) => {
    expect(parseEnv(Schema, { ...base, ...env })).toEqual({ ok: false, message: `invalid configuration: ${problem}` });
  });

  it('names every bad variable in one message', () => {
    const r = parseEnv(Schema, { ACCESS_KEYS_DIR: '/k', LOG_LEVEL: 'loud', PG_SCHEMA: '1x' });
    expect(
      !r.ok &&
        r.message
          .replace('invalid configuration: ', '')
          .split('; ')
          .map((p) => p.split(' ')[0])
          .sort(),
    ).toEqual(['LEDGER_KEY_FILE', 'LOG_LEVEL', 'PG_SCHEMA']);
  });

  describe('a deprecated alias', () => {
    const aliases = { OLD_PG_SCHEMA: 'PG_SCHEMA' };

    it('is read, with a warning, when the current name is unset', () => {
      expect(parseEnv(Schema, { ...base, OLD_PG_SCHEMA: 'plant_2' }, { aliases })).toMatchObject({
        ok: true,
        data: { PG_SCHEMA: 'plant_2' },
        warnings: ['OLD_PG_SCHEMA is deprecated: use PG_SCHEMA'],
      });
    });
    it('gives way to the current name when both agree', () => {
      const r = parseEnv(Schema, { ...base, PG_SCHEMA: 'plant_2', OLD_PG_SCHEMA: 'plant_2' }, { aliases });
      expect(r).toMatchObject({ ok: true, data: { PG_SCHEMA: 'plant_2' }, warnings: ['OLD_PG_SCHEMA is deprecated and repeats PG_SCHEMA: unset it'] });
    });
    it('is refused when it disagrees with the current name', () => {
      const r = parseEnv(Schema, { ...base, PG_SCHEMA: 'plant_2', OLD_PG_SCHEMA: 'plant_3' }, { aliases });
      expect(r).toEqual({
        ok: false,
        message:
          'invalid configuration: OLD_PG_SCHEMA is a deprecated alias of PG_SCHEMA and disagrees with it (got "plant_3", PG_SCHEMA is "plant_2"): unset OLD_PG_SCHEMA',
      });
    });
    it('is named by its own name when its value is bad', () => {
      expect(parseEnv(Schema, { ...base, OLD_PG_SCHEMA: 'Plant' }, { aliases })).toEqual({
        ok: false,
        message: 'invalid configuration: OLD_PG_SCHEMA must be a lowercase SQL identifier (got "Plant")',
      });
    });
  });
});

describe('openStoreFromConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventstore-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'ledger.pem');
  writeFileSync(keyFile, generateLedgerKeyPem().privateKeyPem);

  it('opens the SQLite store with the ledger key from the file, and anchors to ANCHOR_FILE', async () => {
    const anchorFile = join(dir, 'anchors.jsonl');
    const store = await openStoreFromConfig({ eventStore: { kind: 'sqlite', path: join(dir, 'events.db') }, ledgerKeyFile: keyFile, anchorFile });
    try {
      const metadata = { actor: 'test', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: 1 };
      await store.append('usecase-1', [{ id: randomUUID(), type: 'Noted', data: { n: 1 }, metadata }]);
      await store.anchor();
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
    expect(readFileSync(anchorFile, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('names LEDGER_KEY_FILE when the key cannot be read or is not a key', async () => {
    await expect(openStoreFromConfig({ eventStore: { kind: 'sqlite', path: ':memory:' }, ledgerKeyFile: join(dir, 'missing.pem') })).rejects.toThrow(
      /^LEDGER_KEY_FILE .*missing\.pem cannot be read/,
    );
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    await expect(openStoreFromConfig({ eventStore: { kind: 'sqlite', path: ':memory:' }, ledgerKeyFile: junk })).rejects.toThrow(
      /^LEDGER_KEY_FILE .*junk\.pem is not a ledger key/,
    );
  });
});
