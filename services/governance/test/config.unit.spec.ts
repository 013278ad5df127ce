import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const base = { LEDGER_KEY_FILE: '/keys/ledger.pem', ACCESS_KEYS_DIR: '/keys/access' };

describe('governance configuration from the environment', () => {
  it('applies defaults for everything optional', () => {
    const r = loadConfig(base);
    expect(r.ok && r.config).toMatchObject({ grpc: { port: 50051 }, http: { port: 8081 }, eventStore: { kind: 'sqlite' }, telemetry: { exporter: 'none' } });
  });

  it('maps the anchor sinks and schedule', () => {
    const r = loadConfig({ ...base, ANCHOR_FILE: '/anchors/a.jsonl', ANCHOR_NATS_URL: 'nats://audit:4222', ANCHOR_INTERVAL_MS: '2000' });
    expect(r.ok && r.config).toMatchObject({
      anchorFile: '/anchors/a.jsonl',
      anchors: { everyEvents: 1000, intervalMs: 2000, nats: { servers: 'nats://audit:4222', stream: 'LEDGER_ANCHORS', maxAgeMs: 0 } },
    });
    expect(!loadConfig({ ...base, ANCHOR_NATS_URL: 'audit:4222' }).ok).toBe(true);
    const prefixed = loadConfig({ ...base, ANCHOR_NATS_URL: 'nats://audit:4222', NATS_PREFIX: 'plant-1', NATS_NKEY_SEED_FILE: '/keys/governance.nk' });
    expect(prefixed.ok && prefixed.config).toMatchObject({
      anchors: { nats: { stream: 'plant-1_LEDGER_ANCHORS' } },
      nats: { prefix: 'plant-1', credentials: { kind: 'nkey', seedFile: '/keys/governance.nk' } },
    });
    expect(!loadConfig({ ...base, NATS_USER: 'governance' }).ok).toBe(true);
  });

  it('binds loopback by default and reads the TLS files in pairs', () => {
    const plain = loadConfig(base);
    expect(plain.ok && plain.config).toMatchObject({
      grpc: { host: '127.0.0.1' },
      http: { host: '127.0.0.1' },
      tls: { grpcServer: null, grpcClient: null, http: null },
    });
    const tls = loadConfig({
      ...base,
      GRPC_TLS_CERT_FILE: '/tls/s.crt',
      GRPC_TLS_KEY_FILE: '/tls/s.key',
      GRPC_TLS_CLIENT_CA_FILE: '/tls/ca.crt',
      HTTP_TLS_CERT_FILE: '/tls/h.crt',
      HTTP_TLS_KEY_FILE: '/tls/h.key',
    });
    expect(tls.ok && tls.config.tls).toEqual({
      grpcServer: { certFile: '/tls/s.crt', keyFile: '/tls/s.key', clientCaFile: '/tls/ca.crt' },
      grpcClient: null,
      http: { certFile: '/tls/h.crt', keyFile: '/tls/h.key' },
    });
    expect(loadConfig({ ...base, GRPC_TLS_CERT_FILE: '/tls/s.crt' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('GRPC_TLS_KEY_FILE is required when GRPC_TLS_CERT_FILE is set'),
    });
    expect(loadConfig({ ...base, HTTP_TLS_KEY_FILE: '/tls/h.key' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('HTTP_TLS_CERT_FILE is required'),
    });
    expect(loadConfig({ ...base, GRPC_TLS_CLIENT_CA_FILE: '/tls/ca.crt' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('GRPC_TLS_CERT_FILE is required'),
    });
    expect(loadConfig({ ...base, GRPC_TLS_CLIENT_CERT_FILE: '/c.crt', GRPC_TLS_CLIENT_KEY_FILE: '/c.key' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('GRPC_TLS_CA_FILE is required'),
    });
  });

  it('reads the gRPC rate limits as <burst>/<per second> or off', () => {
    expect(loadConfig(base)).toMatchObject({
      ok: true,
      config: { grpcRateLimit: { perSource: { burst: 100, perSecond: 50 }, perToken: { burst: 1000, perSecond: 200 } } },
    });
    expect(loadConfig({ ...base, GRPC_RATE_PER_SOURCE: '10/2.5', GRPC_RATE_PER_TOKEN: 'off' })).toMatchObject({
      ok: true,
      config: { grpcRateLimit: { perSource: { burst: 10, perSecond: 2.5 }, perToken: null } },
    });
    for (const bad of ['10', '0/1', '10/0', 'lots'])
      expect(loadConfig({ ...base, GRPC_RATE_PER_TOKEN: bad })).toMatchObject({
        ok: false,
        message: expect.stringContaining('GRPC_RATE_PER_TOKEN must be <burst>/<per second>'),
      });
  });

  describe('when a value is malformed', () => {
    it('returns one message naming the variable and the value', () => {
      const r = loadConfig({ ...base, GOVERNANCE_GRPC_PORT: 'fifty' });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.message).toMatch(/^invalid configuration: GOVERNANCE_GRPC_PORT .*"fifty"/);
    });
  });

  describe('when EVENTSTORE=postgres has no PG_URL', () => {
    it('names PG_URL', () => {
      const r = loadConfig({ ...base, EVENTSTORE: 'postgres' });
      expect(!r.ok && r.message).toContain('PG_URL is required when EVENTSTORE=postgres');
    });
  });

  describe('when a required variable is missing', () => {
    it('says it is required', () => {
      const r = loadConfig({ ACCESS_KEYS_DIR: '/k' });
      expect(!r.ok && r.message).toContain('LEDGER_KEY_FILE is required');
    });
  });

  it('refuses an unknown exporter', () => {
    const r = loadConfig({ ...base, OTEL_EXPORTER: 'jaeger' });
    expect(!r.ok && r.message).toContain('OTEL_EXPORTER must be "otlp" or "none"');
  });
});

describe('replay bounds', () => {
  it('allow 4 replays at once in pages of 500 by default, take GOVERNANCE_REPLAY_*, and name a bad one', () => {
    const d = loadConfig(base);
    expect(d.ok && d.config.replay).toEqual({ maxConcurrentReplays: 4, replayBatch: 500 });
    const set = loadConfig({ ...base, GOVERNANCE_REPLAY_MAX_CONCURRENT: '2', GOVERNANCE_REPLAY_BATCH: '100' });
    expect(set.ok && set.config.replay).toEqual({ maxConcurrentReplays: 2, replayBatch: 100 });
    const bad = loadConfig({ ...base, GOVERNANCE_REPLAY_MAX_CONCURRENT: '0' });
    expect(!bad.ok && bad.message).toContain('GOVERNANCE_REPLAY_MAX_CONCURRENT');
  });
});

describe('live monitoring', () => {
  it('checks every 60 s by default, takes GOVERNANCE_LIVE_MONITOR_INTERVAL_MS (0 = off), and names a bad one', () => {
    const d = loadConfig(base);
    expect(d.ok && d.config.liveMonitor).toEqual({ intervalMs: 60_000 });
    const off = loadConfig({ ...base, GOVERNANCE_LIVE_MONITOR_INTERVAL_MS: '0' });
    expect(off.ok && off.config.liveMonitor).toEqual({ intervalMs: 0 });
    const bad = loadConfig({ ...base, GOVERNANCE_LIVE_MONITOR_INTERVAL_MS: 'hourly' });
    expect(!bad.ok && bad.message).toContain('GOVERNANCE_LIVE_MONITOR_INTERVAL_MS');
  });
});
