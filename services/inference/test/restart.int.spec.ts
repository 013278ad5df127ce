// A replica restart on the REAL NATS: the restarted process resumes its durable UNS consumer, so the
// history it had acknowledged is not delivered again. At the first batch of each pump it owns, it
// rebuilds the pump's window from JetStream and scores at once, with the full window the previous
// process had — instead of waiting a whole window length of plant time (a cold start).
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceApp } from '../src/app.ts';
import { createFleet, startHarness, until, type Fleet, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream } from './pump-data.ts';

const WINDOW_MINUTES = 30;
let h: Harness;
let fleet: Fleet;
let restarted: InferenceApp;
let startedAt = 0;
const minuteMs = (m: number) => startedAt + m * 60_000;

beforeAll(async () => {
  const model = buildPumpModel(5, 30, 10);
  h = await startHarness({ grpc: null, http: null, monitor: { minSamples: 1_000_000 } });
  const v1 = await h.register(model.bundle, { threshold: model.threshold });
  await h.promote(v1, 'production');
  fleet = createFleet(h);
  fleet.assets = [1, 2].map((i) => `${h.enterprise}.plant-1.utilities.cooling-water.pump-${i}`);
  startedAt = Date.now() - 2 * 3_600_000;
  const rng = createRng(17);
  for (const a of fleet.assets) fleet.streams.set(a, pumpStream(rng, 60, { startMs: startedAt }));
  fleet.track('before', h.app);
  await fleet.publishMinutes(0, 40);
  await fleet.consumed(['before']);
  await h.app.stop();
  // The same replica id and durable, as a restarted process would have.
  restarted = await h.replica({ replicaId: 'r1', replicas: ['r1'], unsDurable: `inference-${h.enterprise}` });
  fleet.apps.delete('before');
  fleet.track('after', restarted);
  await fleet.publishMinutes(40, 45);
  // (fleet.consumed counts every batch ever published; the restarted process only gets the new ones)
  await until(() => restarted.pipeline.counters().batches >= 5 * fleet.assets.length, 60_000, 'the new batches consumed');
  await restarted.settle();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('a restarted replica', () => {
  it('was delivered only what came after the restart (the durable consumer resumed)', () => {
    expect(restarted.pipeline.counters().batches).toBe(5 * fleet.assets.length);
  });

  it('rebuilt each pump window from JetStream at its first batch and scores at once with the full window', () => {
    expect(restarted.membership().firstSightRebuilds).toBe(fleet.assets.length);
    for (const a of fleet.assets) {
      const after = fleet.scored.get('after')!.filter((s) => s.assetPath === a);
      const before = fleet.scored.get('before')!.filter((s) => s.assetPath === a);
      // a cold start would score nothing before minute 40 + 30; the rebuilt window covers what
      // JetStream holds, so the first score is within the five minutes published after the restart
      expect(after.length).toBeGreaterThan(0);
      const first = after[0]!;
      expect(first.toMs).toBeGreaterThanOrEqual(minuteMs(40));
      expect(first.toMs).toBeLessThanOrEqual(minuteMs(44));
      expect(first.toMs - first.fromMs).toBe(before.at(-1)!.toMs - before.at(-1)!.fromMs);
      expect(first.toMs - first.fromMs).toBeGreaterThanOrEqual((WINDOW_MINUTES - 1) * 60_000);
      expect(first.source).toBe('model');
    }
  });
});
