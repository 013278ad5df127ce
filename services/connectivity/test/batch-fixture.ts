// Test fixture shared by the buffer and forwarder unit specs: a sequenced batch of `samples`
// samples for one asset, its id and source timestamps derived from `seq`.
import type { SequencedBatch } from '../src/domain/batcher.ts';

export const FIXTURE_SOURCE = '0190a0b0-0000-7000-8000-000000000001';

export const fixtureBatch = (seq: number, samples: number, asset = 'e.s.a.l.x'): SequencedBatch & { subject: string } => ({
  assetPath: asset,
  seq,
  subject: `uns.v1.${asset}`,
  batch: {
    batchId: `00000000-0000-5000-8000-${seq.toString(16).padStart(12, '0')}`,
    sourceId: FIXTURE_SOURCE,
    assetPath: asset,
    plantTime: '2025-01-01T00:00:00Z',
    samples: Array.from({ length: samples }, (_, i) => ({
      tag: 't',
      value: i,
      quality: { severity: 'Good' as const, code: 0 },
      sourceTimestamp: `2025-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
      serverTimestamp: '2025-01-01T00:00:00.000Z',
    })),
  },
});
