// The benches' plant feed: the simulator's plant (8 pumps) published to the harness over NATS, one
// plant minute per step (one UnsSampleBatch per asset), paced at one step per 20 ms so latency is
// not queueing behind a burst.
import { randomUUID } from 'node:crypto';
import type { UnsSampleBatch } from '@industrial/contracts';
import { createPlant } from '@industrial/simulator';
import type { Harness } from '../test/fixture.ts';

export function plantFeed(h: Harness) {
  const plant = createPlant({ seed: 11, startMs: Date.now(), layout: { enterprise: h.enterprise, site: 'plant-1', pumps: 8, mills: 0, packagers: 0 } });
  const feed = {
    plant,
    sent: 0,
    async stepMinute(): Promise<void> {
      const { updates } = plant.advance(plant.nowMs + 60_000);
      const byAsset = new Map<string, typeof updates>();
      for (const u of updates) byAsset.set(u.asset, [...(byAsset.get(u.asset) ?? []), u]);
      for (const [asset, us] of byAsset) {
        const b: UnsSampleBatch = {
          batchId: randomUUID(),
          sourceId: '0193a1b2-7c00-7a10-8b00-0000000000f3',
          assetPath: `${h.enterprise}.plant-1.utilities.cooling-water.${asset}`,
          plantTime: new Date(plant.nowMs).toISOString(),
          samples: us
            .filter((u) => typeof u.value === 'number')
            .map((u) => ({
              tag: u.tag,
              value: u.value as number,
              quality: u.quality === 'good' ? { severity: 'Good' as const, code: 0 } : { severity: 'Bad' as const, code: 0x80000000 },
              sourceTimestamp: new Date(u.timestampMs).toISOString(),
              serverTimestamp: new Date().toISOString(),
            })),
        };
        await h.publish(b);
        feed.sent++;
      }
      await new Promise((r) => setTimeout(r, 20));
    },
  };
  return feed;
}
