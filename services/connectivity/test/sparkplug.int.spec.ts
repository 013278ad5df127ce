// Sparkplug B through the real Mosquitto on 127.0.0.1:1883 (shared: a group of this run's own,
// nothing retained) → a connectivity MQTT source with payloadFormat sparkplug-b → a NATS JetStream
// server of the test's own → a UNS consumer, under an enterprise of this run's own. An edge node
// (a plain mqtt.js client with its NDEATH as MQTT will, encoding with the same schema) births a node
// and a device, sends data by alias, skips a seq (→ NCMD Node Control/Rebirth on the broker), answers
// the rebirth, kills a device (DDEATH) and then its own connection (the broker publishes NDEATH).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@industrial/bus';
import type { UnsSample } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createConnectivityApp, type ConnectivityApp } from '../src/index.ts';
import { decodePayload, encodePayload } from '../src/adapters/mqtt/sparkplug-codec.ts';
import { DataType, type Metric } from '../src/domain/sparkplug/payload.ts';
import { capturingLogger, collectUns, makeStore, natsBus, startNats, tempDir, until, type NatsServer, type Received } from './fixture.ts';

const BROKER = 'mqtt://127.0.0.1:1883';
const RUN = randomBytes(4).toString('hex');
const GROUP = `it-sp-${RUN}`;
const ENT = `sp${RUN}`; // this run's private enterprise
const EDGE = 'Edge-1';
const DEVICE = 'Pump 1';
const SRC = `${RUN}-0000-4000-8000-0000000000d1`;
const PUMP = `${ENT}.plant-1.utilities.cw.pump-1`; // explicit in sparkplug.assets
const NODE = `${ENT}.plant-1.${GROUP}.edge-1.node`; // default: group / edge node / nodeAsset
const T0 = Date.parse('2025-03-05T10:00:00.000Z');

const { logs, logger } = capturingLogger();

let dir: string;
let nats: NatsServer;
let bus: Bus;
let store: EventStore;
let app: ConnectivityApp;
let uns: { received: Received[]; stop(): Promise<void> };
let edge: MqttClient;
let cmd: MqttClient;
const commands: { topic: string; metrics: Metric[] }[] = [];

async function connectBroker(role: string, extra: IClientOptions = {}): Promise<MqttClient> {
  try {
    const c = await connectAsync(BROKER, { clientId: `it-sp-${role}-${RUN}`, connectTimeout: 5_000, reconnectPeriod: 0, ...extra }, false);
    c.on('error', () => {});
    return c;
  } catch (err) {
    throw new Error(`Mosquitto at ${BROKER} is unreachable (${(err as Error).message}); the Sparkplug integration tests need it running`);
  }
}

const topic = (type: string, device?: string) => `spBv1.0/${GROUP}/${type}/${EDGE}${device ? `/${device}` : ''}`;
const bdSeqMetric = (n: number): Metric => ({ name: 'bdSeq', datatype: DataType.Int64, value: { field: 'long', value: BigInt(n) } });
async function send(t: string, seq: number | null, metrics: Metric[], timestamp: number | null = T0): Promise<void> {
  const payload = encodePayload({ ...(timestamp === null ? {} : { timestamp: BigInt(timestamp) }), ...(seq === null ? {} : { seq: BigInt(seq) }), metrics });
  await edge.publishAsync(t, Buffer.from(payload), { qos: 0 });
}

const samplesOf = (assetPath: string): UnsSample[] =>
  uns.received.filter((r) => r.subject === `uns.v1.${assetPath}` && r.batch.sourceId === SRC).flatMap((r) => r.batch.samples);
const last = (assetPath: string, tag: string): UnsSample | undefined =>
  samplesOf(assetPath)
    .filter((s) => s.tag === tag)
    .at(-1);

const nbirth = (cpu: number): Metric[] => [
  bdSeqMetric(0),
  { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: { field: 'boolean', value: false } },
  { name: 'CPU', alias: 1n, datatype: DataType.Double, value: { field: 'double', value: cpu } },
];
const dbirth: Metric[] = [
  {
    name: 'Inputs/Flow',
    alias: 10n,
    datatype: DataType.Float,
    timestamp: BigInt(T0 - 100),
    value: { field: 'float', value: 12.25 },
    properties: { keys: ['engUnit'], values: [{ type: DataType.String, value: { field: 'string', value: 'm3/h' } }] },
  },
  { name: 'Running', alias: 11n, datatype: DataType.Boolean, value: { field: 'boolean', value: true } },
  { name: 'Mode', alias: 12n, datatype: DataType.String, value: { field: 'string', value: 'auto' } },
  { name: 'Count', alias: 13n, datatype: DataType.Int32, value: { field: 'int', value: 7 } },
  { name: 'Total', alias: 14n, datatype: DataType.UInt64, value: { field: 'long', value: 123_456_789_012n } },
];

beforeAll(async () => {
  // The edge node's death certificate is its MQTT will, as Sparkplug prescribes.
  edge = await connectBroker('edge', {
    will: { topic: topic('NDEATH'), payload: Buffer.from(encodePayload({ metrics: [bdSeqMetric(0)] })), qos: 1, retain: false },
  });
  cmd = await connectBroker('cmd');
  cmd.on('message', (t, payload) => void commands.push({ topic: t, metrics: decodePayload(payload).metrics }));
  await cmd.subscribeAsync(`spBv1.0/${GROUP}/NCMD/#`, { qos: 1 });

  dir = tempDir('sparkplug');
  nats = await startNats();
  bus = await natsBus(nats.url);
  store = await makeStore(dir);
  app = createConnectivityApp({ store, bus, logger, config: { stateDir: join(dir, 'conn'), reconnect: { initialDelayMs: 300, maxDelayMs: 2_000 } } });
  await app.start();
  uns = await collectUns(bus);
  await app.registerSource({
    sourceId: SRC,
    name: 'sparkplug edge broker',
    protocol: 'mqtt',
    endpoint: BROKER,
    subscription: { samplingIntervalMs: 100, publishingIntervalMs: 200, queueSize: 10, deadband: { type: 'none' } },
    payloadFormat: 'sparkplug-b',
    sparkplug: { groupId: GROUP, enterprise: ENT, site: 'plant-1', rebirthIntervalMs: 0, assets: [{ edgeNode: EDGE, device: DEVICE, assetPath: PUMP }] },
  });
});

afterAll(async () => {
  await uns?.stop();
  await app?.stop({ drainMs: 1_000 });
  await bus?.close();
  await store?.close();
  await nats?.cleanup();
  await edge?.endAsync(true).catch(() => {});
  await cmd?.endAsync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a Sparkplug B source', () => {
  it('NBIRTH/DBIRTH values and DDATA by alias arrive on the mapped UNS subjects with types, units, quality and timestamps', async () => {
    await send(topic('NBIRTH'), 0, nbirth(12.5));
    await send(topic('DBIRTH', DEVICE), 1, dbirth, T0 + 1);
    await send(
      topic('DDATA', DEVICE),
      2,
      [
        { alias: 10n, timestamp: BigInt(T0 + 990), value: { field: 'float', value: 21.5 } },
        { alias: 11n, value: { field: 'boolean', value: false } },
        { alias: 13n, value: { field: 'int', value: 0xfffffffb } }, // Int32 -5, two's complement in uint32
        { alias: 12n, isNull: true },
      ],
      T0 + 1000,
    );
    await until(() => samplesOf(PUMP).length >= 9 && samplesOf(NODE).length >= 1, 60_000, 'birth and data samples on NATS');

    expect(samplesOf(NODE)).toEqual([
      {
        tag: 'cpu',
        value: 12.5,
        quality: { severity: 'Good', code: 0 },
        sourceTimestamp: new Date(T0).toISOString(),
        serverTimestamp: new Date(T0).toISOString(),
      },
    ]);
    const pump = samplesOf(PUMP);
    const good = { severity: 'Good', code: 0 };
    // birth values: metric timestamp when it has one, else the payload's
    expect(pump.slice(0, 5)).toEqual([
      {
        tag: 'inputs_flow',
        value: 12.25,
        unit: 'm3/h',
        quality: good,
        sourceTimestamp: new Date(T0 - 100).toISOString(),
        serverTimestamp: new Date(T0 + 1).toISOString(),
      },
      { tag: 'running', value: true, quality: good, sourceTimestamp: new Date(T0 + 1).toISOString(), serverTimestamp: new Date(T0 + 1).toISOString() },
      { tag: 'mode', value: 'auto', quality: good, sourceTimestamp: new Date(T0 + 1).toISOString(), serverTimestamp: new Date(T0 + 1).toISOString() },
      { tag: 'count', value: 7, quality: good, sourceTimestamp: new Date(T0 + 1).toISOString(), serverTimestamp: new Date(T0 + 1).toISOString() },
      { tag: 'total', value: 123_456_789_012, quality: good, sourceTimestamp: new Date(T0 + 1).toISOString(), serverTimestamp: new Date(T0 + 1).toISOString() },
    ]);
    expect(pump.slice(5)).toEqual([
      {
        tag: 'inputs_flow',
        value: 21.5,
        unit: 'm3/h',
        quality: good,
        sourceTimestamp: new Date(T0 + 990).toISOString(),
        serverTimestamp: new Date(T0 + 1000).toISOString(),
      },
      { tag: 'running', value: false, quality: good, sourceTimestamp: new Date(T0 + 1000).toISOString(), serverTimestamp: new Date(T0 + 1000).toISOString() },
      { tag: 'count', value: -5, quality: good, sourceTimestamp: new Date(T0 + 1000).toISOString(), serverTimestamp: new Date(T0 + 1000).toISOString() },
      // is_null: the last value, Bad (BadNoData), not 0 and not an empty string
      {
        tag: 'mode',
        value: 'auto',
        quality: { severity: 'Bad', code: 0x809b0000 },
        sourceTimestamp: new Date(T0 + 1000).toISOString(),
        serverTimestamp: new Date(T0 + 1000).toISOString(),
      },
    ]);
    expect(commands).toEqual([]); // nothing out of order so far
    const h = app.sourceHealth(SRC);
    expect(h).toMatchObject({ state: 'connected', protocol: 'mqtt', mappedTags: 6, malformedPayloads: 0, lastError: null });
    expect(h.sparkplug).toEqual({ onlineEdgeNodes: [EDGE], births: 2, deaths: 0, sequenceGaps: 0, lastSequenceGap: null, rebirthRequests: 0 });
    expect(
      app
        .listTags(SRC)
        .map((m) => `${m.assetPath}.${m.tag}:${m.dataType}`)
        .sort(),
    ).toEqual(
      [
        `${NODE}.cpu:number`,
        `${PUMP}.inputs_flow:number`,
        `${PUMP}.running:boolean`,
        `${PUMP}.mode:string`,
        `${PUMP}.count:number`,
        `${PUMP}.total:number`,
      ].sort(),
    );
  });

  it('records SourceRegistered (protocol sparkplug) and a TagMapped per metric of the births', async () => {
    await app.settled();
    const events = await store.readStream(`source-${SRC}`);
    expect(events.find((e) => e.type === 'SourceRegistered')!.data).toMatchObject({ sourceId: SRC, protocol: 'sparkplug', endpoint: BROKER });
    const mapped = events
      .filter((e) => e.type === 'TagMapped')
      .map((e) => e.data as { address: string; assetPath: string; tag: string; dataType: string; unit?: string });
    expect(mapped).toHaveLength(6);
    expect(mapped.find((m) => m.tag === 'inputs_flow')).toEqual({
      sourceId: SRC,
      address: `spBv1.0/${GROUP}/${EDGE}/${DEVICE}#Inputs/Flow`,
      assetPath: PUMP,
      tag: 'inputs_flow',
      dataType: 'number',
      unit: 'm3/h',
      samplingIntervalMs: 100,
    });
    await expect(app.mapTags({ sourceId: SRC, mappings: [{ address: 'x/y', unsPath: `${PUMP}.x` }] })).rejects.toThrow(/NBIRTH\/DBIRTH/);
  });

  it('a seq gap is recorded and answered with an NCMD Node Control/Rebirth on the broker; the data still arrives; the rebirth restores order', async () => {
    await send(topic('NDATA'), 5, [{ alias: 1n, value: { field: 'double', value: 55 } }], T0 + 2000); // expected 3
    await until(() => commands.length >= 1, 60_000, 'a rebirth request on the broker');
    expect(commands[0]!.topic).toBe(`spBv1.0/${GROUP}/NCMD/${EDGE}`);
    expect(commands[0]!.metrics).toEqual([
      { name: 'Node Control/Rebirth', timestamp: expect.any(BigInt), datatype: DataType.Boolean, value: { field: 'boolean', value: true } },
    ]);
    await until(() => last(NODE, 'cpu')?.value === 55, 60_000, 'the NDATA after the gap');
    const h = app.sourceHealth(SRC);
    expect(h.sparkplug).toMatchObject({ sequenceGaps: 1, rebirthRequests: 1, lastSequenceGap: { edgeNode: EDGE, expected: 3, got: 5 } });
    expect(h.lastError).toBe(`Sparkplug seq gap from ${EDGE}: expected 3, got 5 (NDATA)`);
    expect(logs.some((l) => l.level === 'warn' && l.msg.includes('sequence gap') && l.fields.edgeNode === EDGE)).toBe(true);
    // the decision to ask for a rebirth is an event, with why
    const requested = async () => (await store.readStream(`source-${SRC}`)).filter((e) => e.type === 'SparkplugRebirthRequested');
    await until(async () => (await requested()).length >= 1, 60_000, 'SparkplugRebirthRequested recorded');
    expect((await requested())[0]!.data).toMatchObject({
      sourceId: SRC,
      groupId: GROUP,
      edgeNode: EDGE,
      reason: 'sequence-gap',
      expectedSeq: 3,
      receivedSeq: 5,
    });

    // The edge node answers: NBIRTH (seq 0, same bdSeq: same MQTT session) and DBIRTH, then in order.
    await send(topic('NBIRTH'), 0, nbirth(60), T0 + 3000);
    await send(topic('DBIRTH', DEVICE), 1, dbirth, T0 + 3001);
    await send(topic('DDATA', DEVICE), 2, [{ alias: 10n, value: { field: 'float', value: 30 } }], T0 + 3002);
    await until(() => last(PUMP, 'inputs_flow')?.value === 30, 60_000, 'data after the rebirth');
    expect(app.sourceHealth(SRC).sparkplug).toMatchObject({ sequenceGaps: 1, rebirthRequests: 1, births: 4 });
  });

  it('data from an edge node that never sent NBIRTH is dropped and a rebirth requested from it; a garbage payload is refused and counted', async () => {
    const before = app.sourceHealth(SRC);
    await edge.publishAsync(
      `spBv1.0/${GROUP}/NDATA/Edge-2`,
      Buffer.from(encodePayload({ seq: 4n, metrics: [{ name: 'CPU', datatype: DataType.Double, value: { field: 'double', value: 1 } }] })),
      { qos: 0 },
    );
    await edge.publishAsync(topic('NDATA'), Buffer.from('{"value": 1}'), { qos: 0 });
    await until(() => commands.some((c) => c.topic.endsWith('/NCMD/Edge-2')), 60_000, 'a rebirth request to Edge-2');
    await until(
      async () =>
        (await store.readStream(`source-${SRC}`)).some((e) => e.type === 'SparkplugRebirthRequested' && (e.data as { edgeNode: string }).edgeNode === 'Edge-2'),
      60_000,
      'its rebirth request recorded',
    );
    expect(
      (await store.readStream(`source-${SRC}`)).find((e) => e.type === 'SparkplugRebirthRequested' && (e.data as { edgeNode: string }).edgeNode === 'Edge-2')!
        .data,
    ).toMatchObject({ reason: 'data-before-birth', expectedSeq: null, receivedSeq: null });
    await until(() => app.sourceHealth(SRC).malformedPayloads > before.malformedPayloads, 60_000, 'the garbage payload counted');
    expect(app.sourceHealth(SRC).lastError).toMatch(/^Sparkplug B payload on spBv1\.0\/.*\/NDATA\/Edge-1 refused: /);
    expect(uns.received.some((r) => r.subject.includes('.edge-2.'))).toBe(false);
    expect(app.sourceHealth(SRC).sparkplug?.sequenceGaps).toBe(1); // the garbage had no seq to count
  });

  it('DDEATH marks the device tags Bad; the edge node dying (its will: NDEATH) marks the node Bad', async () => {
    await send(topic('DDEATH', DEVICE), 3, [], T0 + 4000);
    await until(() => ['inputs_flow', 'running', 'mode', 'count', 'total'].every((t) => last(PUMP, t)?.quality.severity === 'Bad'), 60_000, 'device tags Bad');
    for (const t of ['inputs_flow', 'running', 'mode', 'count', 'total']) {
      expect(last(PUMP, t)).toMatchObject({ quality: { severity: 'Bad', code: 0x80310000 }, sourceTimestamp: new Date(T0 + 4000).toISOString() });
    }
    expect(last(PUMP, 'inputs_flow')!.value).toBe(30); // the last value, not 0
    expect(last(NODE, 'cpu')?.quality.severity).toBe('Good');

    // Drop the TCP connection without DISCONNECT: Mosquitto publishes the will (NDEATH, bdSeq 0).
    edge.stream.destroy();
    await until(() => last(NODE, 'cpu')?.quality.severity === 'Bad', 60_000, 'node tags Bad after the NDEATH will');
    expect(last(NODE, 'cpu')).toMatchObject({ value: 60, quality: { severity: 'Bad', code: 0x80310000 } });
    expect(app.sourceHealth(SRC).sparkplug).toMatchObject({ onlineEdgeNodes: [], deaths: 2 });
    expect(app.sourceHealth(SRC).state).toBe('connected'); // the broker link itself is fine
  });
});
