// End to end over opc.tcp on loopback: the simulator (SignAndEncrypt, user/password) → connectivity
// → a real NATS JetStream server → a UNS consumer; plus the bad inputs a source registration meets.
import { readdirSync, rmSync } from 'node:fs';
import { StatusCodes } from 'node-opcua';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@industrial/bus';
import type { EventStore } from '@industrial/eventstore';
import type { Simulator } from '@industrial/simulator';
import type { ConnectivityApp } from '../src/index.ts';
import {
  collectUns,
  makeApp,
  makeSimulator,
  makeStore,
  natsBus,
  opcuaSource,
  startNats,
  tempDir,
  trustSimulator,
  until,
  type NatsServer,
  type Received,
} from './fixture.ts';

const SOURCE = '0190a0b0-0000-7000-8000-000000000001';
let dir: string;
let sim: Simulator;
let nats: NatsServer;
let bus: Bus;
let store: EventStore;
let app: ConnectivityApp;
let uns: { received: Received[]; stop(): Promise<void> };

beforeAll(async () => {
  dir = tempDir('flow');
  sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 2 });
  await sim.start();
  nats = await startNats();
  bus = await natsBus(nats.url);
  store = await makeStore(dir);
  trustSimulator(join(dir, 'sim'), join(dir, 'conn', 'pki'));
  app = makeApp(store, bus, { stateDir: join(dir, 'conn') });
  await app.start();
  uns = await collectUns(bus);
});

afterAll(async () => {
  await uns?.stop();
  await app?.stop({ drainMs: 1_000 });
  await bus?.close();
  await store?.close();
  await sim?.stop();
  await nats?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('a SignAndEncrypt Basic256Sha256 source with user and password, mapped from its ISA-95 tree', () => {
  let mapped: Awaited<ReturnType<ConnectivityApp['registerSource']>>;
  beforeAll(async () => {
    mapped = await app.registerSource(opcuaSource(sim.endpointUrl, { autoMapRoot: 'ns=1;s=acme/plant-1/utilities' }));
  });

  it('maps every pump tag to enterprise.site.area.line.asset.tag with unit and range', () => {
    const flow = mapped.mappings.find((m) => m.assetPath === 'acme.plant-1.utilities.cooling-water.pump-1' && m.tag === 'flow');
    expect(flow).toMatchObject({ dataType: 'number', unit: 'm³/h', address: 'ns=1;s=acme/plant-1/utilities/cooling-water/pump-1/flow' });
    expect(flow?.range?.high).toBeGreaterThan(flow?.range?.low ?? Infinity);
    expect(mapped.mappings.filter((m) => m.assetPath.endsWith('pump-2')).length).toBeGreaterThanOrEqual(6);
  });

  it('records SourceRegistered, TagMapped (with unit and range) and SourceConnected in source-<id>', async () => {
    await app.settled();
    const events = await store.readStream(`source-${SOURCE}`);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('SourceConnected');
    expect(types).toContain('SourceRegistered');
    const tm = events.filter((e) => e.type === 'TagMapped').map((e) => e.data as { tag: string; unit?: string; range?: unknown; assetPath: string });
    expect(tm.length).toBe(mapped.mappings.length);
    expect(tm.find((d) => d.tag === 'vibration_rms')).toMatchObject({ unit: 'mm/s', range: expect.any(Object) });
    const connected = events.find((e) => e.type === 'SourceConnected')!.data as { serverCertificateThumbprint: string | null };
    expect(connected.serverCertificateThumbprint).toMatch(/^[0-9a-f]{40}$/);
    expect(events[0]!.metadata).toMatchObject({ actor: 'svc:connectivity', role: 'service', schemaVersion: 1 });
  });

  it('delivers values on the asset subjects with value, unit, quality and both timestamps', async () => {
    const subject = 'uns.v1.acme.plant-1.utilities.cooling-water.pump-1';
    await until(() => uns.received.filter((r) => r.subject === subject).length >= 3, 60_000, 'pump-1 batches');
    const batch = uns.received.find((r) => r.subject === subject)!.batch;
    expect(batch.sourceId).toBe(SOURCE);
    expect(batch.assetPath).toBe('acme.plant-1.utilities.cooling-water.pump-1');
    const flow = uns.received
      .filter((r) => r.subject === subject)
      .flatMap((r) => r.batch.samples)
      .find((s) => s.tag === 'flow');
    expect(flow).toMatchObject({ unit: 'm³/h', quality: { severity: 'Good', code: 0 } });
    expect(typeof flow!.value).toBe('number');
    expect(Date.parse(flow!.sourceTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(flow!.serverTimestamp)).toBeGreaterThanOrEqual(Date.parse(flow!.sourceTimestamp) - 1_000);
    expect(app.sourceHealth(SOURCE)).toMatchObject({ state: 'connected', protocol: 'opcua' });
  });

  it('carries a sensor dropout as Bad quality with its OPC UA status code', async () => {
    const r = sim.injectFault({ asset: 'pump-2', fault: 'sensor_dropout', tag: 'speed' });
    expect(r.ok).toBe(true);
    await until(
      () => uns.received.some((x) => x.subject.endsWith('pump-2') && x.batch.samples.some((s) => s.tag === 'speed' && s.quality.severity === 'Bad')),
      60_000,
      'a Bad speed sample',
    );
    const bad = uns.received.flatMap((x) => x.batch.samples).find((s) => s.tag === 'speed' && s.quality.severity === 'Bad')!;
    expect(bad.quality.code).toBe(StatusCodes.BadSensorFailure.value);
  });

  it('browses the address space', async () => {
    const top = await app.browse(SOURCE);
    expect(top.map((n) => n.browseName)).toContain('acme');
    const lines = await app.browse(SOURCE, 'ns=1;s=acme/plant-1/utilities/cooling-water');
    expect(lines.map((n) => n.browseName)).toEqual(['pump-1', 'pump-2']);
  });
});

describe('bad input', () => {
  it('refuses a UNS path with illegal characters, naming the level', async () => {
    await expect(
      app.mapTags({
        sourceId: SOURCE,
        mappings: [{ address: 'ns=1;s=acme/plant-1/utilities/cooling-water/pump-1/flow', unsPath: 'acme.plant-1.Utilities.cw.pump 1.flow' }],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'mappings[0].uns_path', message: expect.stringMatching(/area "Utilities" is invalid/) });
  });

  it('refuses a node id that does not exist on the server', async () => {
    await expect(
      app.mapTags({ sourceId: SOURCE, mappings: [{ address: 'ns=1;s=acme/plant-1/nowhere/flow', unsPath: 'acme.plant-1.x.y.z.flow' }] }),
    ).rejects.toMatchObject({ code: 'NODE_NOT_FOUND', message: expect.stringMatching(/ns=1;s=acme\/plant-1\/nowhere\/flow does not exist.*BadNodeIdUnknown/) });
  });

  it('maps an explicit node to a chosen UNS path, reading its unit from the server', async () => {
    const { mappings } = await app.mapTags({
      sourceId: SOURCE,
      mappings: [
        {
          address: 'ns=1;s=acme/plant-1/utilities/cooling-water/pump-1/discharge_pressure',
          unsPath: 'acme.plant-1.utilities.cooling-water.pump-1.outlet_pressure',
        },
      ],
    });
    expect(mappings[0]).toMatchObject({ tag: 'outlet_pressure', unit: 'bar', dataType: 'number' });
    await until(() => uns.received.some((r) => r.batch.samples.some((s) => s.tag === 'outlet_pressure')), 60_000, 'outlet_pressure');
  });

  it('refuses wrong credentials, naming the user', async () => {
    await expect(
      app.registerSource(
        opcuaSource(sim.endpointUrl, {
          sourceId: '0190a0b0-0000-7000-8000-000000000002',
          auth: { kind: 'userPassword', username: 'engineer', password: 'wrong' },
        }),
      ),
    ).rejects.toMatchObject({ code: 'SOURCE_AUTHENTICATION_FAILED', message: expect.stringMatching(/refused the user "engineer"/) });
  });

  it('refuses an unreachable endpoint with the cause', async () => {
    await expect(app.registerSource(opcuaSource('opc.tcp://127.0.0.1:1', { sourceId: '0190a0b0-0000-7000-8000-000000000003' }))).rejects.toMatchObject({
      code: 'SOURCE_UNREACHABLE',
      message: expect.stringMatching(/cannot connect to opc\.tcp:\/\/127\.0\.0\.1:1/),
    });
    expect(app.sourceHealth(SOURCE).state).toBe('connected');
  });

  it('refuses a security policy the mode does not allow, naming the field', async () => {
    await expect(
      app.registerSource(opcuaSource(sim.endpointUrl, { sourceId: '0190a0b0-0000-7000-8000-000000000004', securityMode: 'None' })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'securityPolicy',
    });
  });
});

describe('an untrusted server certificate', () => {
  it('is refused with a message saying how to trust it, and lands in rejected/', async () => {
    const other = tempDir('untrusted');
    const app2 = makeApp(store, bus, { stateDir: other });
    await app2.start();
    try {
      const err = await app2.registerSource(opcuaSource(sim.endpointUrl, { sourceId: '0190a0b0-0000-7000-8000-000000000005' })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CERTIFICATE_UNTRUSTED' });
      expect((err as Error).message).toMatch(
        /server certificate of opc\.tcp:\/\/127\.0\.0\.1:\d+ is not trusted.*BadCertificateUntrusted.*move it from .*rejected to .*trusted\/certs/s,
      );
      expect(readdirSync(join(other, 'pki', 'rejected')).length).toBeGreaterThan(0);
    } finally {
      await app2.stop({ drainMs: 100 });
      rmSync(other, { recursive: true, force: true });
    }
  });
});
