// MQTT sources against the real Mosquitto on 127.0.0.1:1883 (shared: every topic of this run lives
// under a unique prefix, nothing is retained) → connectivity → a NATS JetStream server of the test's
// own → a UNS consumer. Covers registration and mapping, decoding (bare value, value/timestamp/quality,
// mapped fields), malformed payloads next to valid ones, the MQTT mirror, an unreachable broker, and
// two sources on one broker (whose client ids once collided).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@industrial/bus';
import { parseUnsSampleBatch, type UnsSample, type UnsSampleBatch } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createConnectivityApp, type ConnectivityApp } from '../src/index.ts';
import { capturingLogger, collectUns, freePort, makeStore, natsBus, startNats, tempDir, until, type NatsServer, type Received } from './fixture.ts';

const BROKER = 'mqtt://127.0.0.1:1883';
const RUN = randomBytes(4).toString('hex');
const P = `it-connectivity/${RUN}`; // every topic of this run
// Ids share their first 8 characters on purpose (the adapter's client id used to be built from them).
const SRC_A = `${RUN}-0000-4000-8000-00000000000a`;
const SRC_B = `${RUN}-0000-4000-8000-00000000000b`;
const SRC_DOWN_CONFIG = `${RUN}-0000-4000-8000-0000000000c1`;
const SRC_DOWN_REGISTER = `${RUN}-0000-4000-8000-0000000000c2`;
const ASSET = 'acme.plant-1.utilities.cw.pump-1';
const ASSET_B = 'acme.plant-1.utilities.cw.pump-2';
const SUBJECT = `uns.v1.${ASSET}`;
const T = {
  flow: `${P}/pump-1/flow`,
  temp: `${P}/pump-1/temp`,
  running: `${P}/pump-1/running`,
  mode: `${P}/pump-1/mode`,
  b: `${P}/pump-2/flow`,
};
const MIRROR_PREFIX = `${P}/mirror`;

const mqttSource = (sourceId: string, endpoint: string, name = 'mqtt broker') => ({
  sourceId,
  name,
  protocol: 'mqtt',
  endpoint,
  subscription: { samplingIntervalMs: 100, publishingIntervalMs: 200, queueSize: 10, deadband: { type: 'none' } },
});

const { logs, logger } = capturingLogger();

let dir: string;
let nats: NatsServer;
let bus: Bus;
let store: EventStore;
let app: ConnectivityApp;
let uns: { received: Received[]; stop(): Promise<void> };
let pub: MqttClient;
let mirrorSub: MqttClient;
let closedPort: number;
const mirrored: { topic: string; payload: string }[] = [];

/** Fails loudly: these tests are about the real broker, never skipped. */
async function connectBroker(role: string): Promise<MqttClient> {
  try {
    const c = await connectAsync(BROKER, { clientId: `it-conn-${role}-${RUN}`, connectTimeout: 5_000, reconnectPeriod: 0 }, false);
    c.on('error', () => {});
    return c;
  } catch (err) {
    throw new Error(`Mosquitto at ${BROKER} is unreachable (${(err as Error).message}); the MQTT integration tests need it running`);
  }
}

const samplesOf = (subject: string, sourceId = SRC_A): UnsSample[] =>
  uns.received.filter((r) => r.subject === subject && r.batch.sourceId === sourceId).flatMap((r) => r.batch.samples);

async function publish(topic: string, payload: string): Promise<void> {
  await pub.publishAsync(topic, payload, { qos: 1 });
}

beforeAll(async () => {
  pub = await connectBroker('pub');
  mirrorSub = await connectBroker('mirror');
  mirrorSub.on('message', (topic, payload) => void mirrored.push({ topic, payload: payload.toString('utf8') }));
  await mirrorSub.subscribeAsync(`${MIRROR_PREFIX}/#`, { qos: 1 });
  closedPort = await freePort();

  dir = tempDir('mqtt');
  nats = await startNats();
  bus = await natsBus(nats.url);
  store = await makeStore(dir);
  app = createConnectivityApp({
    store,
    bus,
    logger,
    config: {
      stateDir: join(dir, 'conn'),
      reconnect: { initialDelayMs: 300, maxDelayMs: 2_000 },
      mqttMirror: { url: BROKER, topicPrefix: MIRROR_PREFIX },
      // Declared in configuration: started in the background, retried, reported in its health.
      sources: [mqttSource(SRC_DOWN_CONFIG, `mqtt://127.0.0.1:${closedPort}`, 'broker that is down')],
    },
  });
  await app.start();
  uns = await collectUns(bus);
});

afterAll(async () => {
  await uns?.stop();
  await app?.stop({ drainMs: 1_000 });
  await bus?.close();
  await store?.close();
  await nats?.cleanup();
  await pub?.endAsync();
  await mirrorSub?.endAsync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an MQTT source with explicit topic → UNS mappings', () => {
  beforeAll(async () => {
    const reg = await app.registerSource(mqttSource(SRC_A, BROKER));
    expect(reg).toEqual({ sourceId: SRC_A, mappings: [], skipped: [] });
    await app.mapTags({
      sourceId: SRC_A,
      mappings: [
        { address: T.flow, unsPath: `${ASSET}.flow`, unit: 'm3/h' },
        { address: T.temp, unsPath: `${ASSET}.temperature`, unit: 'degC', valueField: 'data.temp', timestampField: 'data.ts' },
        { address: T.running, unsPath: `${ASSET}.running`, dataType: 'boolean' },
        { address: T.mode, unsPath: `${ASSET}.mode`, dataType: 'string' },
      ],
    });
  });

  it('delivers JSON payloads as schema-valid batches on the asset subject with value, unit, quality and timestamps', async () => {
    const ts = '2025-03-05T10:00:00.000Z';
    await publish(T.flow, JSON.stringify({ value: 21.5, timestamp: ts, quality: 'Good' }));
    await publish(T.temp, JSON.stringify({ data: { temp: 61.25, ts: Date.parse('2025-03-05T10:00:01.000Z') } }));
    await publish(T.running, 'true');
    await publish(T.mode, JSON.stringify({ value: 'auto', quality: 0x40000000 }));
    await until(
      () => ['flow', 'temperature', 'running', 'mode'].every((tag) => samplesOf(SUBJECT).some((s) => s.tag === tag)),
      60_000,
      'all four tags on NATS',
    );

    const batches = uns.received.filter((r) => r.subject === SUBJECT);
    for (const r of batches) {
      expect(parseUnsSampleBatch(r.batch)).toEqual(r.batch); // collectUns parsed it too; explicit here
      expect(r.batch).toMatchObject({ sourceId: SRC_A, assetPath: ASSET });
      expect(Date.parse(r.batch.plantTime)).not.toBeNaN();
    }
    const by = (tag: string) => samplesOf(SUBJECT).find((s) => s.tag === tag)!;
    expect(by('flow')).toEqual({
      tag: 'flow',
      value: 21.5,
      unit: 'm3/h',
      quality: { severity: 'Good', code: 0 },
      sourceTimestamp: ts,
      serverTimestamp: expect.any(String),
    });
    expect(Date.parse(by('flow').serverTimestamp)).toBeGreaterThan(Date.parse(ts));
    expect(by('temperature')).toMatchObject({
      value: 61.25,
      unit: 'degC',
      quality: { severity: 'Good', code: 0 },
      sourceTimestamp: '2025-03-05T10:00:01.000Z',
    });
    expect(by('running')).toMatchObject({ value: true, quality: { severity: 'Good', code: 0 } });
    expect(by('running').unit).toBeUndefined();
    // No timestamp in the payload: the receive time stands in for both.
    expect(by('running').sourceTimestamp).toBe(by('running').serverTimestamp);
    expect(by('mode')).toMatchObject({ value: 'auto', quality: { severity: 'Uncertain', code: 0x40000000 } });
    expect(app.sourceHealth(SRC_A)).toMatchObject({ state: 'connected', protocol: 'mqtt', mappedTags: 4, malformedPayloads: 0, lastError: null });
    expect(app.sourceHealth(SRC_A).samplesReceived).toBeGreaterThanOrEqual(4);
  });

  it('records SourceRegistered, TagMapped per topic and SourceConnected in source-<id>', async () => {
    await app.settled();
    const events = await store.readStream(`source-${SRC_A}`);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'SourceConnected')).toHaveLength(1);
    expect(types.filter((t) => t === 'SourceRegistered')).toHaveLength(1);
    expect(types).not.toContain('SourceLost');
    expect(events.find((e) => e.type === 'SourceRegistered')!.data).toMatchObject({
      sourceId: SRC_A,
      protocol: 'mqtt',
      endpoint: BROKER,
      securityMode: 'None',
      securityPolicy: null,
    });
    expect(events.find((e) => e.type === 'SourceConnected')!.data).toMatchObject({ sourceId: SRC_A, endpoint: BROKER, serverCertificateThumbprint: null });
    const mapped = events
      .filter((e) => e.type === 'TagMapped')
      .map((e) => e.data as { address: string; assetPath: string; tag: string; dataType: string; unit?: string });
    expect(mapped.map((m) => [m.address, m.assetPath, m.tag, m.dataType, m.unit]).sort()).toEqual(
      [
        [T.flow, ASSET, 'flow', 'number', 'm3/h'],
        [T.mode, ASSET, 'mode', 'string', undefined],
        [T.running, ASSET, 'running', 'boolean', undefined],
        [T.temp, ASSET, 'temperature', 'number', 'degC'],
      ].sort(),
    );
  });

  it('refuses malformed payloads with a counted, named reason and nothing half-written, while valid messages keep flowing', async () => {
    const before = app.sourceHealth(SRC_A);
    const bad: [string, string][] = [
      [T.flow, 'not json {'], // not JSON
      [T.flow, JSON.stringify({ value: 'high' })], // wrong type for a number tag
      [T.flow, JSON.stringify({ v: 3 })], // no value field
      [T.running, JSON.stringify({ value: 1 })], // number on a boolean tag
      [T.flow, JSON.stringify({ value: 7, quality: 'Great' })], // unknown quality
      [T.flow, JSON.stringify({ value: 8, timestamp: 1e20 })], // epoch beyond any date
      [T.flow, JSON.stringify({ value: 9, timestamp: 1e15 })], // year 33658: no ISO-8601 the contract accepts
      [T.temp, JSON.stringify({ data: { temp: null } })], // null value
    ];
    // Interleaved with valid samples of the same asset: a bad one must not take the batch with it.
    await publish(T.mode, JSON.stringify({ value: 'before-bad' }));
    for (const [topic, payload] of bad) await publish(topic, payload);
    await publish(T.flow, JSON.stringify({ value: 42.5 }));
    await publish(T.temp, JSON.stringify({ data: { temp: 70 } }));
    await publish(T.mode, JSON.stringify({ value: 'after-bad' }));

    await until(() => app.sourceHealth(SRC_A).malformedPayloads >= before.malformedPayloads + bad.length, 60_000, 'malformed payloads counted');
    await until(
      () => ['before-bad', 'after-bad', 42.5, 70].every((v) => samplesOf(SUBJECT).some((s) => s.value === v)),
      60_000,
      'the valid samples around the malformed ones',
    );
    const h = app.sourceHealth(SRC_A);
    expect(h.malformedPayloads).toBe(before.malformedPayloads + bad.length);
    expect(h.state).toBe('connected');
    expect(h.samplesReceived).toBe(before.samplesReceived + 4);
    expect(h.lastError).toMatch(/^payload on it-connectivity\/.+\/pump-1\/temp/);

    // Every refusal is logged with its topic and reason.
    const refused = logs.filter((l) => l.msg === 'malformed MQTT payload refused' && String(l.fields.topic).startsWith(P));
    expect(refused).toHaveLength(bad.length);
    const reasons = refused.map((l) => String(l.fields.reason));
    expect(reasons[0]).toMatch(/is not JSON/);
    expect(reasons[1]).toMatch(/must be a number \(got "high"\)/);
    expect(reasons[2]).toMatch(/has no value field/);
    expect(reasons[3]).toMatch(/must be a boolean/);
    expect(reasons[4]).toMatch(/quality "Great"/);
    expect(reasons[5]).toMatch(/timestamp 100000000000000000000 is neither ISO-8601 nor epoch milliseconds/);
    expect(reasons[6]).toMatch(/timestamp 1000000000000000 is neither ISO-8601 nor epoch milliseconds/);
    expect(reasons[7]).toMatch(/data\.temp/);

    // Nothing of the refused payloads reached NATS, and no batch was refused by the schema.
    const values = samplesOf(SUBJECT).map((s) => s.value);
    for (const v of ['high', 7, 8, 9, 1, 3]) expect(values).not.toContain(v);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('mirrors every forwarded batch to <prefix>/<asset path with /> on the broker', async () => {
    await publish(T.flow, JSON.stringify({ value: 123.25 }));
    await until(() => samplesOf(SUBJECT).some((s) => s.value === 123.25), 60_000, 'the sample on NATS');
    const onNats = uns.received.find((r) => r.subject === SUBJECT && r.batch.samples.some((s) => s.value === 123.25))!.batch;
    const topic = `${MIRROR_PREFIX}/${ASSET.split('.').join('/')}`;
    await until(
      () => mirrored.some((m) => m.topic === topic && (JSON.parse(m.payload) as UnsSampleBatch).batchId === onNats.batchId),
      60_000,
      'the batch on the mirror topic',
    );
    const copy = parseUnsSampleBatch(JSON.parse(mirrored.find((m) => (JSON.parse(m.payload) as UnsSampleBatch).batchId === onNats.batchId)!.payload));
    expect(copy).toEqual(onNats);
    // Every batch stored on NATS so far is mirrored (the mirror is best effort, but the broker is up).
    await until(
      () => uns.received.every((r) => mirrored.some((m) => (JSON.parse(m.payload) as UnsSampleBatch).batchId === r.batch.batchId)),
      60_000,
      'all batches mirrored',
    );
    expect(mirrored.every((m) => m.topic.startsWith(`${MIRROR_PREFIX}/acme/plant-1/utilities/cw/`))).toBe(true);
  });
});

describe('two sources on the same broker', () => {
  it('keep their own connections and both deliver', async () => {
    await app.registerSource(mqttSource(SRC_B, BROKER, 'second source'));
    await app.mapTags({ sourceId: SRC_B, mappings: [{ address: T.b, unsPath: `${ASSET_B}.flow`, unit: 'm3/h' }] });
    for (let i = 0; i < 5; i++) {
      await publish(T.b, String(1000 + i));
      await publish(T.flow, String(2000 + i));
    }
    await until(
      () => samplesOf(`uns.v1.${ASSET_B}`, SRC_B).filter((s) => typeof s.value === 'number' && s.value >= 1000).length >= 5,
      60_000,
      'source B samples',
    );
    await until(() => samplesOf(SUBJECT).filter((s) => typeof s.value === 'number' && s.value >= 2000).length >= 5, 60_000, 'source A samples');
    await app.settled();
    // Had they shared an MQTT client id, the broker would have dropped one for the other, over and over.
    for (const id of [SRC_A, SRC_B]) {
      expect(app.sourceHealth(id).state).toBe('connected');
      expect((await store.readStream(`source-${id}`)).map((e) => e.type)).not.toContain('SourceLost');
    }
    expect(samplesOf(`uns.v1.${ASSET_B}`, SRC_B).map((s) => s.value)).toEqual([1000, 1001, 1002, 1003, 1004]);
  });
});

describe('a broker that is unreachable', () => {
  it('fails a registration with SOURCE_UNREACHABLE naming the endpoint, and registers nothing', async () => {
    const endpoint = `mqtt://127.0.0.1:${closedPort}`;
    const err = await app.registerSource(mqttSource(SRC_DOWN_REGISTER, endpoint)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'SourceConnectError', code: 'SOURCE_UNREACHABLE' });
    expect((err as Error).message).toMatch(new RegExp(`^cannot connect to ${endpoint.replace(/[.]/g, '\\.')}: .*ECONNREFUSED`));
    expect(app.listSources().map((s) => s.sourceId)).not.toContain(SRC_DOWN_REGISTER);
    expect(() => app.sourceHealth(SRC_DOWN_REGISTER)).toThrow(/is not registered/);
    await expect(store.readStream(`source-${SRC_DOWN_REGISTER}`)).rejects.toThrow(/does not exist/); // no event recorded
  });

  it('reports a configured source as lost with the cause in its health and a SourceLost event, while the others keep flowing', async () => {
    const endpoint = `mqtt://127.0.0.1:${closedPort}`;
    await until(() => app.sourceHealth(SRC_DOWN_CONFIG).state === 'lost', 60_000, 'the configured source to be reported lost');
    const h = app.sourceHealth(SRC_DOWN_CONFIG);
    expect(h).toMatchObject({ protocol: 'mqtt', endpoint, state: 'lost', samplesReceived: 0 });
    expect(h.lastError).toMatch(new RegExp(`^cannot connect to ${endpoint.replace(/[.]/g, '\\.')}: .*ECONNREFUSED`));
    await app.settled();
    const events = await store.readStream(`source-${SRC_DOWN_CONFIG}`);
    expect(events.map((e) => e.type)).toEqual(['SourceRegistered', 'SourceLost']); // retries do not repeat it
    expect(events[1]!.data).toMatchObject({ sourceId: SRC_DOWN_CONFIG, reason: expect.stringMatching(/ECONNREFUSED/), statusCode: null });

    // Meanwhile both live sources keep delivering.
    await publish(T.flow, '555.5');
    await publish(T.b, '666.5');
    await until(
      () => samplesOf(SUBJECT).some((s) => s.value === 555.5) && samplesOf(`uns.v1.${ASSET_B}`, SRC_B).some((s) => s.value === 666.5),
      60_000,
      'live sources',
    );
    expect(app.sourceHealth(SRC_A).state).toBe('connected');
    expect(app.sourceHealth(SRC_DOWN_CONFIG).state).toBe('lost');
  });
});
