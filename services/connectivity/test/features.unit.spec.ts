// The use cases over their ports, without a plant: a fake Source (what an OPC UA or MQTT adapter
// reports), the real SQLite buffer in memory, a catalog in a Map, and the command kernel over a
// SQLite event store. Checks what is recorded where, with which cause, and that a refused append
// leaves nothing registered.
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, OwnershipError, serviceCause, type Cause, type Kernel } from '@industrial/kernel';
import { SqliteBuffer } from '../src/adapters/buffer/sqlite-buffer.ts';
import type { TagMapping } from '../src/domain/mapping.ts';
import type { SourceSpec } from '../src/domain/source.ts';
import { connectivityFeatures, type ConnectivityFeatures } from '../src/features/connectivity.ts';
import { eventRecorder } from '../src/features/record-events.ts';
import type { BufferedRow, OpenSource, SourceCatalog, SourceEvents } from '../src/ports.ts';
import { makeStore, quietLogger, tempDir } from './fixture.ts';

const SRC = '0190a0b0-0000-7000-8000-0000000000f1';
const spec = {
  sourceId: SRC,
  name: 'line 2 broker',
  protocol: 'mqtt',
  endpoint: 'mqtt://127.0.0.1:1',
  subscription: { samplingIntervalMs: 100, publishingIntervalMs: 60_000, queueSize: 10, deadband: { type: 'none' } },
};
const CAUSE: Cause = { actor: 'user:eve', role: 'engineer', correlationId: '0190a0b0-0000-7000-8000-00000000c0de', causationId: null, traceparent: null };

function memoryCatalog(): SourceCatalog & { saved: SourceSpec[] } {
  const saved: SourceSpec[] = [];
  const mappings = new Map<string, TagMapping>();
  return {
    saved,
    sources: () => [...saved],
    mappings: (id) => [...mappings.values()].filter((m) => m.sourceId === id),
    saveSource: (s) => void saved.push(s),
    saveMappings: (ms) => ms.forEach((m) => mappings.set(`${m.sourceId}|${m.address}`, m)),
  };
}

/** A source that connects at once and hands its event callbacks to the test. */
function fakeSources(): { open: OpenSource; events: () => SourceEvents } {
  let last: SourceEvents | null = null;
  const open: OpenSource = (_spec, events) => {
    last = events;
    return {
      connect: async () => events.onConnected({ serverCertificateThumbprint: null, reconnected: false }),
      monitor: async () => {},
      browse: async () => [],
      autoMap: async () => ({ mappings: [], skipped: [] }),
      complete: async (ms) => [...ms],
      onlineEdgeNodes: () => null,
      close: async () => {},
    };
  };
  return { open, events: () => last! };
}

let dir: string;
let store: EventStore;
let buffer: SqliteBuffer;
let features: ConnectivityFeatures | null;
let forwarded: BufferedRow[];

const build = (kernel: Kernel, catalog: SourceCatalog, open: OpenSource): ConnectivityFeatures =>
  connectivityFeatures({
    kernel,
    openSource: open,
    buffer,
    catalog,
    logger: quietLogger,
    clock: () => new Date('2025-03-04T05:06:07.000Z'),
    overflowPolicy: 'drop-oldest',
    reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    onBuffered: (rows) => void forwarded.push(...rows),
  });

beforeEach(async () => {
  dir = tempDir('features');
  store = await makeStore(dir);
  buffer = new SqliteBuffer({ path: ':memory:' });
  features = null;
  forwarded = [];
});

afterEach(async () => {
  await features?.stop();
  buffer.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('register source, map tags, link decisions (features over fakes)', () => {
  it("records the caller's registration, the mappings and the link's decisions in source-<id>, through the kernel", async () => {
    const fake = fakeSources();
    features = build(createKernel({ service: 'connectivity', store }), memoryCatalog(), fake.open);
    await features.api.registerSource(spec, CAUSE);
    const { mappings } = await features.api.mapTags(
      { sourceId: SRC, mappings: [{ address: 'line2/pump-1/flow', unsPath: 'acme.plant-1.area-1.line-2.pump-1.flow', unit: 'm3/h' }] },
      CAUSE,
    );
    expect(mappings).toHaveLength(1);
    fake.events().onSample(mappings[0]!, {
      tag: 'flow',
      value: 4.2,
      quality: { severity: 'Good', code: 0 },
      sourceTimestamp: '2025-03-04T05:06:06.000Z',
      serverTimestamp: '2025-03-04T05:06:06.000Z',
    });
    fake.events().onLost({ reason: 'broker went away', statusCode: null, retryInMs: 1_000 });
    await features.settled();

    const events = await store.readStream(`source-${SRC}`);
    expect(events.map((e) => e.type)).toEqual(['SourceConnected', 'SourceRegistered', 'TagMapped', 'SourceLost']);
    const registered = events.find((e) => e.type === 'SourceRegistered')!;
    expect(registered.metadata).toMatchObject({ actor: 'user:eve', role: 'engineer', correlationId: CAUSE.correlationId });
    // Decisions the service took on its own are its own.
    expect(events.find((e) => e.type === 'SourceLost')!.metadata).toMatchObject({ actor: 'svc:connectivity', role: 'service' });
    // The loss cut the pending sample and a Bad copy of it (the outage in the data itself).
    const batch = JSON.parse(forwarded.at(-1)!.payload) as { samples: { value: unknown; quality: { severity: string } }[] };
    expect(batch.samples.map((s) => s.quality.severity)).toEqual(['Good', 'Bad']);
    expect(features.api.sourceHealth(SRC)).toMatchObject({ state: 'lost', lastError: 'broker went away', mappedTags: 1, samplesReceived: 1 });
  });

  it('a refused append leaves nothing registered: the kernel error comes back typed, naming type, stream and owner', async () => {
    const catalog = memoryCatalog();
    // A kernel that writes for another service: connectivity's events are not its own.
    features = build(createKernel({ service: 'dataops', store }), catalog, fakeSources().open);
    const failure = await features.api.registerSource(spec, CAUSE).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OwnershipError);
    expect(failure).toMatchObject({ code: 'OWNERSHIP', type: 'SourceRegistered', stream: `source-${SRC}`, owner: 'connectivity' });
    expect(features.api.listSources()).toEqual([]);
    expect(catalog.saved).toEqual([]);
    expect(await store.readStream(`source-${SRC}`).catch(() => [])).toEqual([]);
  });

  it('connectivity may not write into the quality- streams dataops owns', async () => {
    const record = eventRecorder(createKernel({ service: 'connectivity', store }));
    const foreign = { type: 'DataQualityIssueRaised', data: {} } as never;
    await expect(record(SRC, [foreign], serviceCause('connectivity', 'c-1'))).rejects.toBeInstanceOf(OwnershipError);
  });
});
