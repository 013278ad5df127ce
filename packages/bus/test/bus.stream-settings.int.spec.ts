// Stream replicas and limits on a real NATS (127.0.0.1:4222, a single server): the limits reach the
// stream's configuration, and a replica count this server cannot hold stops ensureStream with one
// message naming the setting (nothing created).
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { connectNatsBus } from '../src/nats/nats-bus.ts';

const NATS_URL = '127.0.0.1:4222';
const silent = { warn: () => {}, error: () => {} };

describe('stream settings (NATS_STREAM_*)', () => {
  it('connects through a NATS_URL list with an unreachable member, and names the setting when no member answers or the CA file is missing', async () => {
    const bus = await connectNatsBus({ servers: `nats://127.0.0.1:1,${NATS_URL}`, logger: silent });
    await bus.close();
    await expect(connectNatsBus({ servers: 'nats://127.0.0.1:1', logger: silent, connectTimeoutMs: 2000 })).rejects.toThrow(/NATS_URL/);
    await expect(connectNatsBus({ servers: NATS_URL, logger: silent, tls: { caFile: '/nonexistent/ca.crt' } })).rejects.toThrow(/NATS_TLS_CA_FILE|ca\.crt/);
  });

  it('applies max age and max bytes, and refuses replicas the server cannot hold naming the variable', async () => {
    const prefix = `streams_${randomBytes(4).toString('hex')}`;
    const raw = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(raw);
    const limited = await connectNatsBus({
      servers: `${NATS_URL}, ${NATS_URL}`,
      logger: silent,
      prefix,
      streams: { byStream: { UNS: { maxAgeMs: 3_600_000, maxBytes: 1_048_576 } } },
    });
    const tooMany = await connectNatsBus({ servers: NATS_URL, logger: silent, prefix, streams: { all: { replicas: 3 } } });
    try {
      await limited.ensureStream({ name: 'UNS', subjects: ['uns.>'] });
      const info = await jsm.streams.info(`${prefix}_UNS`);
      expect(info.config.max_bytes).toBe(1_048_576);
      expect(info.config.max_age).toBe(3_600_000 * 1_000_000);
      expect(info.config.num_replicas).toBe(1);
      await expect(tooMany.ensureStream({ name: 'EVENTS', subjects: ['evt.>'] })).rejects.toThrow(/stream EVENTS: 3 replicas \(NATS_STREAM_REPLICAS/);
      await expect(jsm.streams.info(`${prefix}_EVENTS`)).rejects.toThrow();
    } finally {
      await limited.close();
      await tooMany.close();
      for (const s of ['UNS', 'EVENTS']) await jsm.streams.delete(`${prefix}_${s}`).catch(() => undefined);
      await raw.close();
    }
  });
});
