// A start never lowers a stream's replicas (a real 3-node nats-server cluster on loopback): the UNS
// stream the launcher made R3 was scaled down to R1 by a process whose bus had no NATS_STREAM_REPLICAS
// (inference), so the stream lived on one node and went offline with it in the kill test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../../../scripts/platform/nats-cluster.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';

const PORT = 17_930; // clients 17930–17932, routes 17940–17942
let dir = '';
let nats: NatsCluster;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bus-replicas-'));
  nats = await startNatsCluster(dir, PORT);
}, 120_000);

afterAll(() => {
  nats?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('ensureStream on a stream with more replicas than the process asks for', () => {
  it('keeps the replicas, still applies the other settings, and warns naming the setting', async () => {
    const warnings: string[] = [];
    const r3 = await connectNatsBus({ servers: nats.url, logger: { warn: () => {}, error: () => {} }, streams: { all: { replicas: 3 } } });
    const r1 = await connectNatsBus({ servers: nats.url, logger: { warn: (_f, msg) => void warnings.push(msg), error: () => {} } });
    const raw = await connect({ servers: nats.url.split(',') });
    try {
      await r3.ensureStream({ name: 'KEEP', subjects: ['keep.>'], maxAgeMs: 3_600_000 });
      await r1.ensureStream({ name: 'KEEP', subjects: ['keep.>'], maxAgeMs: 7_200_000 });
      const info = await (await jetstreamManager(raw, { timeout: 10_000 })).streams.info('KEEP');
      expect(info.config.num_replicas).toBe(3);
      expect(info.config.max_age).toBe(7_200_000 * 1_000_000);
      expect(info.cluster?.replicas).toHaveLength(2);
      expect(warnings.join('\n')).toMatch(/NATS_STREAM_REPLICAS/);
    } finally {
      await r3.close();
      await r1.close();
      await raw.close();
    }
  }, 120_000);
});
