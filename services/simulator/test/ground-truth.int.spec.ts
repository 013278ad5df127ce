// The simulator records its own ground truth, through the kernel, in a real event store (SQLite
// and PostgreSQL): an injected fault is one `fault-<id>` stream holding FaultInjected then
// FaultLabelled, written by svc:simulator; a restart that replays the run appends nothing twice;
// and the kernel lets the simulator write nothing but its fault- streams.
import { eventExamples, streamFamilies, type EventType } from '@industrial/contracts';
import type { EventStore, RecordedEvent } from '@industrial/eventstore';
import { createKernel, OwnershipError, type Draft } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../src/app.ts';
import type { LabelEvent } from '../src/domain/labels.ts';
import { simConfig, tempDir, testStore, until, type TestStore } from './support.ts';

const SCENARIO = [{ asset: 'pump-4', fault: 'bearing_wear', severity: 1, startInMinutes: 0, developMinutes: 5 }];

const faultEvents = async (store: EventStore): Promise<RecordedEvent[]> => (await store.readAll()).filter((e) => e.stream.startsWith('fault-'));

/** Runs the plant with the scenario until pump-4 has failed, then stops it (which drains the recorder). */
async function runUntilFailure(store: EventStore, pki: string) {
  const sim = createSimulator(simConfig(pki, { scenario: SCENARIO }), { store });
  const labels: LabelEvent[] = [];
  sim.onLabel((l) => labels.push(l));
  await sim.start();
  try {
    await until('the bearing failure label', () => labels.some((l) => l.type === 'FaultLabelled' && l.asset === 'pump-4'));
  } finally {
    await sim.stop();
  }
  return { labels, stats: sim.stats().groundTruth };
}

describe.each(['sqlite', 'postgres'] as const)('ground truth in a %s event store', (kind) => {
  let ts: TestStore;
  let pki: string;
  beforeAll(async () => {
    ts = await testStore(kind);
    pki = await tempDir('sim-gt-pki-');
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  it('records an injected fault as FaultInjected then FaultLabelled in its fault stream, written by the simulator', async () => {
    const store = await ts.open();
    try {
      const { labels, stats } = await runUntilFailure(store, pki);
      const events = await faultEvents(store);
      expect(events.map((e) => e.type)).toEqual(['FaultInjected', 'FaultLabelled']);
      expect(new Set(events.map((e) => e.stream)).size).toBe(1);
      const [injected, failed] = events as [RecordedEvent, RecordedEvent];
      expect(injected.stream).toBe(`fault-${(injected.data as { faultId: string }).faultId}`);
      expect(injected.data).toMatchObject({
        assetPath: 'acme.gt-plant.utilities.cooling-water.pump-4',
        faultType: 'bearing_wear',
        source: 'scenario',
        seed: 11,
      });
      expect(failed.data).toMatchObject({ faultType: 'bearing_failure', cause: 'injected' });
      for (const e of events)
        expect(e.metadata).toMatchObject({ actor: 'svc:simulator', role: 'service', correlationId: (injected.data as { faultId: string }).faultId });
      expect(failed.metadata.causationId).toBe(injected.id);
      expect(stats).toEqual({ recorded: labels.length, alreadyRecorded: 0, failed: 0 });
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('appends nothing twice when the simulator restarts and replays the same run', async () => {
    const store = await ts.open();
    try {
      const before = await faultEvents(store);
      const head = await store.headPosition();
      const { stats } = await runUntilFailure(store, pki);
      expect(stats).toEqual({ recorded: 0, alreadyRecorded: 2, failed: 0 });
      expect(await store.headPosition()).toBe(head);
      expect((await faultEvents(store)).map((e) => e.id)).toEqual(before.map((e) => e.id));
    } finally {
      await store.close();
    }
  });

  it('lets the simulator write its fault streams only', async () => {
    const store = await ts.open();
    try {
      const kernel = createKernel({ service: 'simulator', store });
      const head = await store.headPosition();
      const cause = { actor: 'svc:simulator', role: 'service', service: 'simulator', correlationId: 'c', causationId: null, traceparent: null } as const;
      const own = { type: 'FaultInjected', data: eventExamples.FaultInjected } as Draft;
      for (const family of streamFamilies.filter((f) => f !== 'fault-')) {
        await expect(kernel.append(`${family}x`, [own], cause), family).rejects.toBeInstanceOf(OwnershipError);
      }
      const foreign = (Object.keys(eventExamples) as EventType[]).filter((t) => t !== 'FaultInjected' && t !== 'FaultLabelled');
      for (const type of foreign) {
        const refusal = kernel.append('fault-x', [{ type, data: eventExamples[type] } as Draft], cause);
        await expect(refusal, type).rejects.toBeInstanceOf(OwnershipError);
      }
      expect(await store.headPosition()).toBe(head);
    } finally {
      await store.close();
    }
  });
});
