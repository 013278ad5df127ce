// Deployment settings of the NATS connection: a server list in NATS_URL, and per-stream replicas,
// age and size limits from NATS_STREAM_* (a bad value names its variable).
import { describe, expect, it } from 'vitest';
import { natsEnv, natsServerList, streamStorageOf } from '../src/nats/connection.ts';

describe('NATS_URL', () => {
  it('takes one server or a comma-separated list of the cluster members', () => {
    expect(natsServerList('nats://a:4222')).toEqual(['nats://a:4222']);
    expect(natsServerList('nats://a:4222, nats://b:4222,nats://c:4222')).toEqual(['nats://a:4222', 'nats://b:4222', 'nats://c:4222']);
    expect(() => natsServerList(' , ')).toThrow(/NATS_URL names no server/);
  });
});

describe('NATS_STREAM_*', () => {
  it('gives every stream the defaults and one stream its own values', () => {
    const { streams } = natsEnv({
      NATS_STREAM_REPLICAS: '3',
      NATS_STREAM_MAX_BYTES: '1000000',
      NATS_STREAM_UNS_MAX_AGE_MS: '86400000',
      NATS_STREAM_DLQ_UNS_REPLICAS: '1',
    });
    expect(streamStorageOf(streams, 'UNS')).toEqual({ replicas: 3, maxBytes: 1_000_000, maxAgeMs: 86_400_000 });
    expect(streamStorageOf(streams, 'EVENTS')).toEqual({ replicas: 3, maxBytes: 1_000_000 });
    expect(streamStorageOf(streams, 'DLQ-UNS')).toEqual({ replicas: 1, maxBytes: 1_000_000 });
    expect(natsEnv({}).streams).toBeUndefined();
  });

  it('refuses a value out of range, naming the variable', () => {
    expect(() => natsEnv({ NATS_STREAM_REPLICAS: '7' })).toThrow(/NATS_STREAM_REPLICAS must be a whole number from 1 to 5/);
    expect(() => natsEnv({ NATS_STREAM_UNS_MAX_BYTES: 'lots' })).toThrow(/NATS_STREAM_UNS_MAX_BYTES must be a whole number/);
  });
});
