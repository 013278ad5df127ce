// The gRPC API (industrial.connectivity.v1) end to end with a real client and real tokens: a
// simulator on loopback (dev mode: SignAndEncrypt with user/password, and None), the app with
// config.grpc set, the in-process bus. Registration, browse, mapping, tags, health, live UNS,
// access denials, and the bad inputs a registration meets, each with its status and field.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { createInProcBus, type Bus } from '@industrial/bus';
import { parseUnsSampleBatch, type UnsSampleBatch } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { connectivityV1, createClient, ERROR_CODE_TRAILER, FIELD_TRAILER, unaryCall } from '@industrial/grpc';
import type { Simulator } from '@industrial/simulator';
import { createConnectivityApp, type ConnectivityApp } from '../src/index.ts';
import { freePort, makeSimulator, makeStore, tempDir, trustSimulator, until, USER } from './fixture.ts';

const require = createRequire(import.meta.url);
const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const SOURCE = '0190a0b0-0000-7000-8000-0000000000a1';
const { ConnectivityServiceClient, SecurityMode } = connectivityV1;
type Client = InstanceType<typeof ConnectivityServiceClient>;

let dir: string;
let sim: Simulator;
let bus: Bus;
let store: EventStore;
let app: ConnectivityApp;
let address: string;
let token: (role: Role, scopes?: string[]) => Promise<string>;
const logLines: string[] = [];
const clients: Client[] = [];

const capture = (level: string) => (fields: object, msg: string) => {
  logLines.push(`${level} ${msg} ${JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? { message: v.message, cause: String(v.cause) } : v))}`);
};
const logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

function client(t?: string): Client {
  const c = createClient(ConnectivityServiceClient, address, { ...(t === undefined ? {} : { token: t }), deadlineMs: 30_000 });
  clients.push(c);
  return c;
}

/** Awaits a failing call and returns its status, message and trailers. */
async function failure(p: Promise<unknown>): Promise<{ code: status; details: string; field: string | undefined; errorCode: string | undefined }> {
  const e = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  )) as ServiceError;
  const trailer = (k: string) => {
    const v = e.metadata?.get(k)[0];
    return v === undefined ? undefined : String(v);
  };
  return { code: e.code, details: e.details, field: trailer(FIELD_TRAILER), errorCode: trailer(ERROR_CODE_TRAILER) };
}

const register = (c: Client, overrides: Partial<connectivityV1.RegisterSourceRequest> = {}) =>
  unaryCall(
    c,
    c.registerSource,
    connectivityV1.RegisterSourceRequest.fromPartial({
      sourceId: SOURCE,
      name: 'simulator',
      protocol: 'opcua',
      endpoint: sim.endpointUrl,
      securityMode: SecurityMode.SECURITY_MODE_SIGN_AND_ENCRYPT,
      securityPolicy: 'Basic256Sha256',
      username: USER.username,
      password: USER.password,
      subscription: { samplingIntervalMs: 100, publishingIntervalMs: 200, queueSize: 10, deadband: { type: 'none', value: 0 } },
      ...overrides,
    }),
  );

beforeAll(async () => {
  dir = tempDir('grpc');
  sim = makeSimulator({ pkiDir: join(dir, 'sim'), pumps: 2, allowNone: true });
  await sim.start();
  trustSimulator(join(dir, 'sim'), join(dir, 'conn', 'pki'));
  bus = createInProcBus({ logger: { debug() {}, info() {}, warn() {}, error() {} } as never });
  store = await makeStore(dir);
  const material = await createKeySet({ now: new Date() });
  const signingKey = await importSigningKey(material.signingKey);
  token = (role, scopes = ['*']) =>
    issueToken(signingKey, {
      subject: `${role}-1`,
      roles: [role],
      scopes,
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 600,
    });
  app = createConnectivityApp({
    store,
    bus,
    logger,
    keySet: await importKeySet(material.keySet),
    config: {
      stateDir: join(dir, 'conn'),
      reconnect: { initialDelayMs: 300, maxDelayMs: 2_000 },
      grpc: { host: '127.0.0.1', port: 0, access: { issuer: ISSUER, audience: AUDIENCE }, shutdownGraceMs: 1_000 },
    },
  });
  const { grpcPort } = await app.start();
  expect(grpcPort).toBeGreaterThan(0);
  address = `127.0.0.1:${grpcPort}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await app?.stop({ drainMs: 1_000 });
  await bus?.close();
  await store?.close();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('server', () => {
  it('serves grpc.health.v1 (SERVING) and lists ConnectivityService by reflection, without a token', async () => {
    const def = loadSync(healthProtoPath, { keepCase: true, enums: String });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    const health = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      check(req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
    };
    const check = (service: string) => new Promise<string>((resolve, reject) => health.check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))));
    expect(await check('industrial.connectivity.v1.ConnectivityService')).toBe('SERVING');
    health.close();
    const refl = loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true });
    const rpkg = grpc.loadPackageDefinition(refl) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
    const rc = new rpkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = (
        rc as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }> }
      ).ServerReflectionInfo();
      call.on('data', (r) => {
        resolve((r.list_services_response?.service ?? []).map((x: { name: string }) => x.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    rc.close();
    expect(names).toContain('industrial.connectivity.v1.ConnectivityService');
  });
});

describe('access', () => {
  it('refuses RegisterSource to an operator (PERMISSION_DENIED) and records the denial', async () => {
    const f = await failure(register(client(await token('operator'))));
    expect(f.code).toBe(status.PERMISSION_DENIED);
    expect(f.details).toContain('source.write');
    const denied = (await store.readAll({ fromPosition: 1, maxCount: 1000 })).filter((e) => e.type === 'AccessDenied');
    expect(denied.at(-1)?.data).toMatchObject({ permission: 'source.write' });
  });

  it('refuses a call without a token (UNAUTHENTICATED)', async () => {
    const c = client();
    expect((await failure(unaryCall(c, c.listTags, { sourceId: '' }))).code).toBe(status.UNAUTHENTICATED);
  });
});

describe('a source registered, browsed and mapped over gRPC', () => {
  let engineer: Client;
  let mapped = 0;
  beforeAll(async () => {
    engineer = client(await token('engineer'));
  });

  it('registers a SignAndEncrypt source with user and password; the password is never echoed', async () => {
    const r = await register(engineer);
    expect(r.sourceId).toBe(SOURCE);
    expect(r.tags).toEqual([]);
    expect(JSON.stringify(r)).not.toContain(USER.password);
  });

  it('browses the Objects folder and the ISA-95 tree', async () => {
    const root = await unaryCall(engineer, engineer.browse, { sourceId: SOURCE, nodeId: '' });
    const acme = root.nodes.find((n) => n.browseName === 'acme');
    expect(acme).toMatchObject({ nodeClass: 'Object', hasChildren: true });
    const utilities = await unaryCall(engineer, engineer.browse, { sourceId: SOURCE, nodeId: 'ns=1;s=acme/plant-1/utilities/cooling-water/pump-1' });
    expect(utilities.nodes.map((n) => n.browseName)).toContain('flow');
  });

  it('answers NOT_FOUND naming node_id for an unknown node', async () => {
    const f = await failure(unaryCall(engineer, engineer.browse, { sourceId: SOURCE, nodeId: 'ns=1;s=acme/nowhere' }));
    expect(f).toMatchObject({ code: status.NOT_FOUND, field: 'node_id' });
    expect(f.details).toContain('ns=1;s=acme/nowhere');
  });

  it('maps the ISA-95 tree automatically and a tag explicitly, with unit and range', async () => {
    const auto = await unaryCall(engineer, engineer.mapTags, { sourceId: SOURCE, autoMapRoot: 'ns=1;s=acme/plant-1/utilities', mappings: [] });
    const flow = auto.tags.find((t) => t.assetPath === 'acme.plant-1.utilities.cooling-water.pump-1' && t.tag === 'flow');
    expect(flow).toMatchObject({ sourceId: SOURCE, dataType: 'number', unit: 'm³/h', samplingIntervalMs: 100 });
    expect(flow?.range?.high).toBeGreaterThan(flow?.range?.low ?? Infinity);
    expect(auto.tags.filter((t) => t.assetPath.endsWith('pump-2')).length).toBeGreaterThanOrEqual(5);
    const explicit = await unaryCall(
      engineer,
      engineer.mapTags,
      connectivityV1.MapTagsRequest.fromPartial({
        sourceId: SOURCE,
        mappings: [{ address: 'ns=1;s=acme/plant-1/utilities/cooling-water/pump-2/flow', unsPath: 'acme.plant-1.utilities.cooling-water.pump-2-alias.flow' }],
      }),
    );
    expect(explicit.tags).toHaveLength(1);
    // The explicit mapping re-maps an address the automatic one already had: same tag count.
    mapped = auto.tags.length;
    expect(explicit.tags[0]).toMatchObject({ assetPath: 'acme.plant-1.utilities.cooling-water.pump-2-alias', tag: 'flow', unit: 'm³/h' });
  });

  it('refuses an illegal UNS token (INVALID_ARGUMENT naming the mapping and the level) and an unknown node (NOT_FOUND)', async () => {
    const bad = await failure(
      unaryCall(
        engineer,
        engineer.mapTags,
        connectivityV1.MapTagsRequest.fromPartial({ sourceId: SOURCE, mappings: [{ address: 'ns=1;s=x', unsPath: 'acme.Plant 1.utilities.cw.pump-1.flow' }] }),
      ),
    );
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, field: 'mappings[0].uns_path' });
    expect(bad.details).toMatch(/site "Plant 1"/);
    const unknown = await failure(
      unaryCall(
        engineer,
        engineer.mapTags,
        connectivityV1.MapTagsRequest.fromPartial({
          sourceId: SOURCE,
          mappings: [{ address: 'ns=1;s=acme/none/flow', unsPath: 'acme.plant-1.utilities.cw.ghost.flow' }],
        }),
      ),
    );
    expect(unknown).toMatchObject({ code: status.NOT_FOUND, field: 'mappings[0].address' });
  });

  it('lists the tags of the source and of all sources', async () => {
    const one = await unaryCall(engineer, engineer.listTags, { sourceId: SOURCE });
    expect(one.tags.length).toBe(mapped);
    expect(one.tags.some((t) => t.assetPath.endsWith('pump-2-alias'))).toBe(true);
    const all = await unaryCall(engineer, engineer.listTags, { sourceId: '' });
    expect(all.tags.length).toBe(one.tags.length);
  });

  it('reports the health of the source', async () => {
    await until(async () => (await unaryCall(engineer, engineer.getSourceHealth, { sourceId: SOURCE })).samplesReceived > 0, 60_000, 'samples');
    const h = await unaryCall(engineer, engineer.getSourceHealth, { sourceId: SOURCE });
    expect(h).toMatchObject({ sourceId: SOURCE, state: 'connected', lastError: '', bufferCapacity: 1_000_000, droppedSamples: 0 });
    expect(h.mappedTags).toBe(mapped);
    const f = await failure(unaryCall(engineer, engineer.getSourceHealth, { sourceId: randomUUID() }));
    expect(f).toMatchObject({ code: status.NOT_FOUND, field: 'source_id' });
  });

  it('streams live UNS batches of the assets under a prefix (operator, telemetry.subscribe)', async () => {
    const operator = client(await token('operator'));
    const call = operator.subscribeUns({ assetPathPrefix: 'acme.plant-1.utilities.cooling-water.pump-1' });
    const batches: UnsSampleBatch[] = [];
    const subjects = new Set<string>();
    call.on('data', (r: connectivityV1.SubscribeUnsResponse) => {
      subjects.add(r.subject);
      batches.push(parseUnsSampleBatch(JSON.parse(r.batchJson)));
    });
    const ended = new Promise<ServiceError | null>((resolve) => {
      call.on('error', (e: ServiceError) => resolve(e));
      call.on('end', () => resolve(null));
    });
    await until(() => batches.length >= 3, 60_000, 'three live batches');
    call.cancel();
    expect((await ended)?.code).toBe(status.CANCELLED);
    expect([...subjects]).toEqual(['uns.v1.acme.plant-1.utilities.cooling-water.pump-1']);
    const flow = batches.flatMap((b) => b.samples).find((s) => s.tag === 'flow');
    expect(flow).toMatchObject({ unit: 'm³/h', quality: { severity: 'Good' } });
    expect(typeof flow?.value).toBe('number');
  });

  it('refuses a bad UNS token in the prefix (INVALID_ARGUMENT naming it) and a prefix outside the scope', async () => {
    const operator = client(await token('operator'));
    const stream = (c: Client, prefix: string) =>
      new Promise<never>((_, reject) => {
        const call = c.subscribeUns({ assetPathPrefix: prefix });
        call.on('data', () => {});
        call.on('error', reject);
        call.on('end', () => reject(new Error('stream ended without an error')));
      });
    const bad = await failure(stream(operator, 'acme.plant-1.Utilities'));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, field: 'asset_path_prefix' });
    expect(bad.details).toContain('area "Utilities"');
    const scoped = client(await token('operator', ['site:plant-2']));
    const outside = await failure(stream(scoped, 'acme.plant-1'));
    expect(outside.code).toBe(status.PERMISSION_DENIED);
  });
});

describe('registration failures map to a status with the cause', () => {
  let engineer: Client;
  beforeAll(async () => {
    engineer = client(await token('engineer'));
  });

  it('names the field of a malformed request (INVALID_ARGUMENT)', async () => {
    expect(await failure(register(engineer, { sourceId: 'not-a-uuid' }))).toMatchObject({ code: status.INVALID_ARGUMENT, field: 'source_id' });
    expect(await failure(register(engineer, { sourceId: randomUUID(), securityMode: SecurityMode.SECURITY_MODE_NONE }))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      field: 'security_policy',
    });
    expect(await failure(register(engineer, { sourceId: randomUUID(), endpoint: 'http://x' }))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      field: 'endpoint',
    });
  });

  it('registers a Sparkplug B group on the real Mosquitto, reports its health, and names a bad Sparkplug field', async () => {
    const sp = { groupId: `grp-${randomUUID().slice(0, 8)}`, enterprise: 'acme', site: 'plant-9', area: '', nodeAsset: '', assets: [], rebirthIntervalMs: 0 };
    const sourceId = randomUUID();
    const mqttSource = {
      sourceId,
      name: 'sparkplug group',
      protocol: 'mqtt',
      endpoint: 'mqtt://127.0.0.1:1883',
      securityMode: SecurityMode.SECURITY_MODE_UNSPECIFIED,
      securityPolicy: '',
      autoMapRoot: '',
    };
    await register(engineer, { ...mqttSource, sparkplug: sp });
    await until(async () => (await unaryCall(engineer, engineer.getSourceHealth, { sourceId })).state === 'connected', 60_000, 'the broker session');
    const h = await unaryCall(engineer, engineer.getSourceHealth, { sourceId });
    expect(h.sparkplug).toEqual({ onlineEdgeNodes: [], births: 0, deaths: 0, sequenceGaps: 0, rebirthRequests: 0 });
    expect((await store.readStream(`source-${sourceId}`)).find((e) => e.type === 'SourceRegistered')?.data).toMatchObject({ protocol: 'sparkplug' });
    expect(await failure(register(engineer, { ...mqttSource, sourceId: randomUUID(), sparkplug: { ...sp, groupId: 'a/b' } }))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      field: 'sparkplug.group_id',
    });
    expect(await failure(register(engineer, { sourceId: randomUUID(), sparkplug: sp }))).toMatchObject({ code: status.INVALID_ARGUMENT, field: 'sparkplug' });
  });

  it('wrong credentials → PERMISSION_DENIED with the refused user, never the password (reply or log)', async () => {
    const secret = 'wrong-secret-Zq81';
    const f = await failure(register(engineer, { sourceId: randomUUID(), password: secret }));
    expect(f.code).toBe(status.PERMISSION_DENIED);
    expect(f.details).toMatch(/^SOURCE_AUTHENTICATION_FAILED: .*refused the user "engineer"/);
    expect(f.details).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain(secret);
    expect(logLines.join('\n')).not.toContain(USER.password);
  });

  it('an unreachable endpoint → UNAVAILABLE', async () => {
    const port = await freePort();
    const f = await failure(register(engineer, { sourceId: randomUUID(), endpoint: `opc.tcp://127.0.0.1:${port}` }));
    expect(f.code).toBe(status.UNAVAILABLE);
    expect(f.details).toMatch(/^SOURCE_UNREACHABLE: cannot connect to opc\.tcp:\/\/127\.0\.0\.1/);
  });

  it('the same source id with another configuration → ALREADY_EXISTS', async () => {
    const f = await failure(register(engineer, { name: 'renamed' }));
    expect(f).toMatchObject({ code: status.ALREADY_EXISTS, field: 'source_id' });
  });

  it('carries the correlation id of the call into the recorded events', async () => {
    const id = randomUUID();
    const metadata = new Metadata();
    metadata.set('x-correlation-id', id);
    const other = randomUUID();
    await unaryCall(
      engineer,
      engineer.registerSource,
      connectivityV1.RegisterSourceRequest.fromPartial({
        sourceId: other,
        name: 'sim none',
        protocol: 'opcua',
        endpoint: sim.endpointUrl,
        securityMode: SecurityMode.SECURITY_MODE_NONE,
        securityPolicy: 'None',
      }),
      { metadata },
    );
    await app.settled();
    const events = await store.readStream(`source-${other}`);
    expect(events.find((e) => e.type === 'SourceRegistered')?.metadata).toMatchObject({ actor: 'engineer-1', role: 'engineer', correlationId: id });
  });
});
