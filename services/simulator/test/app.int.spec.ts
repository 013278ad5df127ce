// The simulator end to end over opc.tcp on loopback with a real node-opcua client, plus the
// HTTP endpoint with platform tokens. Plant time runs ×1000 so faults develop in well under a second.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
} from 'node-opcua';
import type { ClientSession } from 'node-opcua';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../src/app.ts';
import type { Simulator } from '../src/app.ts';
import type { LabelEvent } from '../src/domain/labels.ts';
import { NAMESPACE_URI } from '../src/adapters/opcua-server.ts';

const USER = { username: 'engineer', password: 'correct horse battery staple', faultRole: 'engineer' };
const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const READER = { username: 'reader', password: 'a reader may only look around', faultRole: null };
let TOKEN: string;
let OPERATOR_TOKEN: string;
let LINE_ENGINEER_TOKEN: string;
let platform: Awaited<ReturnType<typeof platformKeys>>;

async function platformKeys() {
  const material = await createKeySet({ now: new Date() });
  const signingKey = await importSigningKey(material.signingKey);
  const keySet = await importKeySet(material.keySet);
  const token = (subject: string, roles: Role[], scopes = ['*']) =>
    issueToken(signingKey, { subject, roles, scopes, tokenId: subject, issuer: ISSUER, audience: AUDIENCE, now: new Date(), ttlSeconds: 3600 });
  return { keySet, token };
}
const PUMP = (n: number) => `acme/plant-1/utilities/cooling-water/pump-${n}`;

let pki: string;
let sim: Simulator;
let clientCertificateManager: OPCUACertificateManager;
const labels: LabelEvent[] = [];
const clients: OPCUAClient[] = [];

async function connect(policy: SecurityPolicy, mode: MessageSecurityMode): Promise<OPCUAClient> {
  const client = OPCUAClient.create({
    applicationName: 'simulator-int-test',
    applicationUri: 'urn:industrial:simulator:int-test',
    securityPolicy: policy,
    securityMode: mode,
    endpointMustExist: false,
    clientCertificateManager,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    requestedSessionTimeout: 20_000,
  });
  clients.push(client);
  await client.connect(sim.endpointUrl);
  return client;
}

async function nsIndex(session: ClientSession): Promise<number> {
  const dv = await session.read({ nodeId: 'ns=0;i=2255', attributeId: AttributeIds.Value });
  return (dv.value.value as string[]).indexOf(NAMESPACE_URI);
}

async function readNumber(session: ClientSession, ns: number, id: string) {
  const dv = await session.read({ nodeId: `ns=${ns};s=${id}`, attributeId: AttributeIds.Value });
  return { value: dv.value.value as number, status: dv.statusCode, ts: dv.sourceTimestamp?.getTime() ?? 0 };
}

// A generous bound: on a loaded CI machine (two test workers beside e2e platforms on two cores) the
// ticks that develop a fault can lag well behind the plant clock.
async function until(pred: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(25);
  }
}

const post = (body: unknown, token: string | null = TOKEN, raw?: string): Promise<Response> =>
  fetch(`${sim.httpUrl}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw ?? JSON.stringify(body),
  });

beforeAll(async () => {
  pki = await mkdtemp(path.join(os.tmpdir(), 'sim-pki-'));
  const keys = await platformKeys();
  platform = keys;
  TOKEN = await keys.token('first-engineer', ['engineer']);
  OPERATOR_TOKEN = await keys.token('first-operator', ['operator']);
  LINE_ENGINEER_TOKEN = await keys.token('line-engineer', ['engineer'], ['line:plant-1/packaging/packing-line-1']);
  clientCertificateManager = new OPCUACertificateManager({ rootFolder: path.join(pki, 'client'), automaticallyAcceptUnknownCertificate: true });
  sim = createSimulator(
    {
      seed: 7,
      timeAcceleration: 1000,
      tickHz: 10,
      plantStartMs: Date.UTC(2025, 0, 6, 6),
      layout: { enterprise: 'acme', site: 'plant-1', pumps: 4, mills: 3, packagers: 2 },
      opcua: {
        host: '127.0.0.1',
        port: 0,
        pkiDir: path.join(pki, 'sim'),
        allowAnonymous: false,
        allowSecurityNone: false,
        autoAcceptUnknownCertificates: true,
        users: [USER, READER],
      },
      http: { host: '127.0.0.1', port: 0 },
    },
    { access: { keySet: keys.keySet, issuer: ISSUER, audience: AUDIENCE } },
  );
  sim.onLabel((l) => labels.push(l));
  await sim.start();
});

afterAll(async () => {
  for (const c of clients) await c.disconnect().catch(() => {});
  await clientCertificateManager?.dispose().catch(() => {});
  await sim?.stop();
  if (pki) await rm(pki, { recursive: true, force: true });
});

describe('over a SignAndEncrypt Basic256Sha256 session with username and password', () => {
  let session: ClientSession;
  let ns: number;
  beforeAll(async () => {
    const client = await connect(SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    session = await client.createSession({ type: UserTokenType.UserName, userName: USER.username, password: USER.password });
    ns = await nsIndex(session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('browses the ISA-95 tree down to typed assets', async () => {
    const names = async (nodeId: string) => {
      const r = await session.browse({
        nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        resultMask: 63,
      });
      return r.references ?? [];
    };
    expect((await names('ns=0;i=85')).map((r) => r.browseName.name)).toContain('acme');
    expect((await names(`ns=${ns};s=acme`)).map((r) => r.browseName.name)).toEqual(['plant-1']);
    expect((await names(`ns=${ns};s=acme/plant-1`)).map((r) => r.browseName.name).sort()).toEqual(['machining', 'packaging', 'utilities']);
    const pumps = await names(`ns=${ns};s=acme/plant-1/utilities/cooling-water`);
    expect(pumps.map((r) => r.browseName.name)).toEqual(['pump-1', 'pump-2', 'pump-3', 'pump-4']);
    const typeName = async (typeId: string) => (await session.read({ nodeId: typeId, attributeId: AttributeIds.BrowseName })).value.value.name as string;
    expect(await typeName(pumps[0]!.typeDefinition.toString())).toBe('CentrifugalPumpType');
    const mills = await names(`ns=${ns};s=acme/plant-1/machining/milling-line-1`);
    expect(mills).toHaveLength(3);
    expect(await typeName(mills[0]!.typeDefinition.toString())).toBe('MillingMachineType');
    const packers = await names(`ns=${ns};s=acme/plant-1/packaging/packing-line-1`);
    expect(packers).toHaveLength(2);
    expect(await typeName(packers[0]!.typeDefinition.toString())).toBe('PackagingMachineType');
  });

  it('gives every analog tag engineering units and a range', async () => {
    for (const [id, unit] of [
      [`${PUMP(1)}/flow`, 'm³/h'],
      [`${PUMP(1)}/vibration_rms`, 'mm/s'],
      ['acme/plant-1/machining/milling-line-1/mill-1/torque', 'N·m'],
      ['acme/plant-1/packaging/packing-line-1/packer-1/ideal_cycle_time', 's'],
    ] as const) {
      const children = (await session.browse({ nodeId: `ns=${ns};s=${id}`, browseDirection: BrowseDirection.Forward, resultMask: 63 })).references ?? [];
      const eu = children.find((c) => c.browseName.name === 'EngineeringUnits');
      const range = children.find((c) => c.browseName.name === 'EURange');
      expect(eu, id).toBeDefined();
      expect(range, id).toBeDefined();
      const euValue = (await session.read({ nodeId: eu!.nodeId, attributeId: AttributeIds.Value })).value.value as { displayName: { text: string } };
      const rangeValue = (await session.read({ nodeId: range!.nodeId, attributeId: AttributeIds.Value })).value.value as { low: number; high: number };
      expect(euValue.displayName.text).toBe(unit);
      expect(rangeValue.high).toBeGreaterThan(rangeValue.low);
    }
  });

  it('evolves values with plant-time source timestamps', async () => {
    const a = await readNumber(session, ns, `${PUMP(2)}/flow`);
    await sleep(600);
    const b = await readNumber(session, ns, `${PUMP(2)}/flow`);
    expect(b.value).not.toBe(a.value);
    // ×1000: 0.6 s of real time is ~10 plant minutes
    expect(b.ts - a.ts).toBeGreaterThan(5 * 60_000);
    const state = await session.read({ nodeId: `ns=${ns};s=acme/plant-1/packaging/packing-line-1/packer-1/good_count`, attributeId: AttributeIds.Value });
    expect(state.value.value).toBeGreaterThan(0);
  });

  it('stamps the server timestamp with its own wall clock and the source timestamp with plant time', async () => {
    const before = Date.now();
    await sleep(300);
    const dv = await session.read({ nodeId: `ns=${ns};s=${PUMP(2)}/flow`, attributeId: AttributeIds.Value });
    const after = Date.now();
    const server = dv.serverTimestamp?.getTime() ?? 0;
    // updated within the last tick (10 Hz) by the server's clock, not the plant's (which started in January 2025)
    expect(server).toBeGreaterThanOrEqual(before - 1_000);
    expect(server).toBeLessThanOrEqual(after);
    expect(dv.sourceTimestamp?.getTime() ?? 0).toBeLessThan(server - 86_400_000);
  });

  describe('when bearing wear is injected on pump-4 through the InjectFault method', () => {
    it("shows only in pump-4's tags and arrives as label events", async () => {
      const before = labels.length;
      const result = await session.call({
        objectId: `ns=${ns};s=${PUMP(4)}`,
        methodId: `ns=${ns};s=${PUMP(4)}/InjectFault`,
        inputArguments: [
          { dataType: DataType.String, value: 'bearing_wear' },
          { dataType: DataType.Double, value: 1 },
          { dataType: DataType.Double, value: 10 },
        ],
      });
      expect(result.statusCode).toBe(StatusCodes.Good);
      const faultId = result.outputArguments![0]!.value as string;
      await until(() => labels.slice(before).some((l) => l.type === 'FaultLabelled' && l.faultId === faultId));
      expect(labels.slice(before)).toContainEqual(
        expect.objectContaining({
          type: 'FaultInjected',
          faultId,
          asset: 'pump-4',
          path: PUMP(4),
          fault: 'bearing_wear',
          source: 'opcua-method',
          actor: { subject: 'opcua:engineer', role: 'engineer' },
        }),
      );
      expect(labels.slice(before)).toContainEqual(
        expect.objectContaining({ type: 'FaultLabelled', faultId, asset: 'pump-4', path: PUMP(4), fault: 'bearing_failure', cause: 'injected' }),
      );
      expect(labels.slice(before).every((l) => l.asset === 'pump-4' || l.asset.startsWith('mill') || l.asset.startsWith('packer'))).toBe(true);
      // the failed bearing shows in the next published tick (not within a fixed 300 ms on a loaded machine)
      await until(async () => (await readNumber(session, ns, `${PUMP(4)}/vibration_rms`)).value > 7.1);
      for (const n of [1, 2, 3]) expect((await readNumber(session, ns, `${PUMP(n)}/vibration_rms`)).value).toBeLessThan(4);
    });

    it('refuses an unknown fault type with BadInvalidArgument', async () => {
      const result = await session.call({
        objectId: `ns=${ns};s=${PUMP(1)}`,
        methodId: `ns=${ns};s=${PUMP(1)}/InjectFault`,
        inputArguments: [
          { dataType: DataType.String, value: 'meltdown' },
          { dataType: DataType.Double, value: 1 },
          { dataType: DataType.Double, value: 0 },
        ],
      });
      expect(result.statusCode).toBe(StatusCodes.BadInvalidArgument);
    });
  });

  describe('through the HTTP endpoint', () => {
    it('injects cavitation on pump-4 and labels it, leaving the other pumps alone', async () => {
      const before = labels.length;
      const flows = await Promise.all([1, 2, 3].map((n) => readNumber(session, ns, `${PUMP(n)}/discharge_pressure`)));
      const res = await post({ asset: 'pump-4', fault: 'cavitation', startInMinutes: 0, developMinutes: 20 });
      expect(res.status).toBe(201);
      const { faultId } = (await res.json()) as { faultId: string };
      await until(() => labels.slice(before).some((l) => l.type === 'FaultLabelled' && l.faultId === faultId));
      expect(labels.slice(before)).toContainEqual(
        expect.objectContaining({ type: 'FaultInjected', faultId, source: 'http', asset: 'pump-4', actor: { subject: 'first-engineer', role: 'engineer' } }),
      );
      const pumpLabels = labels.slice(before).filter((l) => l.asset.startsWith('pump'));
      expect(new Set(pumpLabels.map((l) => l.asset))).toEqual(new Set(['pump-4']));
      const after = await Promise.all([1, 2, 3].map((n) => readNumber(session, ns, `${PUMP(n)}/discharge_pressure`)));
      after.forEach((a, i) => expect(Math.abs(a.value - flows[i]!.value)).toBeLessThan(1.5));
    });

    it.each([
      [{ asset: 'pump-99', fault: 'bearing_wear' }, 'asset'],
      [{ asset: 'pump-4', fault: 'explode' }, 'fault'],
      [{ asset: 'pump-4', fault: 'bearing_wear', developMinutes: -5 }, 'developMinutes'],
      [{ asset: 'pump-4', fault: 'bearing_wear', severity: 3 }, 'severity'],
      [{ asset: 'pump-4', fault: 'sensor_stuck' }, 'tag'],
      [[1, 2], 'body'],
    ])('answers %j with 400 naming %s', async (body, field) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field, error: expect.any(String) });
    });

    it('answers malformed JSON with 400 naming the body', async () => {
      const res = await post(null, TOKEN, '{"asset": ');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'body' });
    });

    it('refuses a missing or wrong token with 401, before looking at the body', async () => {
      const before = labels.length;
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, null)).status).toBe(401);
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, 'nope')).status).toBe(401);
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, TOKEN.slice(0, -4) + 'AAAA')).status).toBe(401);
      expect((await post(null, null, '{"asset": ')).status).toBe(401);
      const other = await createKeySet({ now: new Date() });
      const forged = await issueToken(await importSigningKey(other.signingKey), {
        subject: 'mallory',
        roles: ['engineer'],
        scopes: ['*'],
        tokenId: 'f',
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 60,
      });
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, forged)).status).toBe(401);
      // Nothing injected (mills and packers fail by themselves, AI4I-style, so other labels may come meanwhile).
      expect(labels.slice(before).filter((l) => l.type === 'FaultInjected' || l.asset.startsWith('pump'))).toEqual([]);
    });

    it('refuses a token without sim.inject_fault with 403, before validating the body', async () => {
      const before = labels.length;
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, OPERATOR_TOKEN)).status).toBe(403);
      expect((await post({ asset: 'pump-99', fault: 'nope' }, OPERATOR_TOKEN)).status).toBe(403);
      const scenario = await fetch(`${sim.httpUrl}/scenarios`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` },
        body: JSON.stringify([{ asset: 'pump-1', fault: 'cavitation' }]),
      });
      expect(scenario.status).toBe(403);
      expect((await fetch(`${sim.httpUrl}/status`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).status).toBe(403);
      // Nothing injected (mills and packers fail by themselves, AI4I-style, so other labels may come meanwhile).
      expect(labels.slice(before).filter((l) => l.type === 'FaultInjected' || l.asset.startsWith('pump'))).toEqual([]);
    });

    it("checks the engineer's scope against the asset's location", async () => {
      expect((await post({ asset: 'pump-1', fault: 'cavitation' }, LINE_ENGINEER_TOKEN)).status).toBe(403);
      const res = await post({ asset: 'packer-1', fault: 'jam', developMinutes: 600 }, LINE_ENGINEER_TOKEN);
      expect(res.status).toBe(201);
      const { faultId } = (await res.json()) as { faultId: string };
      expect(labels).toContainEqual(expect.objectContaining({ type: 'FaultInjected', faultId, actor: { subject: 'line-engineer', role: 'engineer' } }));
      void platform;
    });

    it('shows a sensor dropout as Bad status on that tag only', async () => {
      const res = await post({ asset: 'pump-3', fault: 'sensor_dropout', tag: 'flow' });
      expect(res.status).toBe(201);
      // the dropout shows from the next tick on (not within a fixed 300 ms on a loaded machine)
      await until(async () => (await readNumber(session, ns, `${PUMP(3)}/flow`)).status === StatusCodes.BadSensorFailure);
      expect((await readNumber(session, ns, `${PUMP(3)}/speed`)).status).toBe(StatusCodes.Good);
    });

    it('takes a scenario, and rejects a malformed one naming the entry', async () => {
      const scenario = (faults: unknown) =>
        fetch(`${sim.httpUrl}/scenarios`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(faults),
        });
      const bad = await scenario([
        { asset: 'mill-1', fault: 'heat_dissipation' },
        { asset: 'mill-9', fault: 'power_failure' },
      ]);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ field: 'faults[1].asset' });
      const good = await scenario([{ asset: 'mill-1', fault: 'power_failure', startInMinutes: 60, developMinutes: 30 }]);
      expect(good.status).toBe(201);
      expect(((await good.json()) as { faultIds: string[] }).faultIds).toHaveLength(1);
    });

    it('keeps the simulation running after bad input', async () => {
      await post({ asset: 'nope' });
      const a = await readNumber(session, ns, `${PUMP(1)}/flow`);
      await until(async () => (await readNumber(session, ns, `${PUMP(1)}/flow`)).ts > a.ts);
    });
  });
});

describe('security', () => {
  const inject = (session: ClientSession, ns: number, asset = PUMP(2)) =>
    session.call({
      objectId: `ns=${ns};s=${asset}`,
      methodId: `ns=${ns};s=${asset}/InjectFault`,
      inputArguments: [
        { dataType: DataType.String, value: 'cavitation' },
        { dataType: DataType.Double, value: 1 },
        { dataType: DataType.Double, value: 10 },
      ],
    });

  it('gives a user without the fault permission BadUserAccessDenied on InjectFault and on writes, and lets it read', async () => {
    const client = await connect(SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    const session = await client.createSession({ type: UserTokenType.UserName, userName: READER.username, password: READER.password });
    try {
      const ns = await nsIndex(session);
      const before = labels.length;
      expect((await inject(session, ns)).statusCode).toBe(StatusCodes.BadUserAccessDenied);
      const write = await session.write({
        nodeId: `ns=${ns};s=${PUMP(2)}/flow`,
        attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.Double, value: 0 } },
      });
      expect(write).toBe(StatusCodes.BadUserAccessDenied);
      expect(labels.slice(before).filter((l) => l.type === 'FaultInjected')).toEqual([]);
      expect((await readNumber(session, ns, `${PUMP(2)}/flow`)).status).toBe(StatusCodes.Good);
      const executable = await session.read({ nodeId: `ns=${ns};s=${PUMP(2)}/InjectFault`, attributeId: AttributeIds.UserExecutable });
      expect(executable.value.value).toBe(false);
    } finally {
      await session.close();
    }
  });

  it('refuses a SecurityPolicy None channel', async () => {
    await expect(
      (async () => {
        const client = await connect(SecurityPolicy.None, MessageSecurityMode.None);
        await client.createSession({ type: UserTokenType.UserName, userName: USER.username, password: USER.password });
      })(),
    ).rejects.toThrow();
  });

  it('opens anonymous sessions and SecurityPolicy None only with the development flag, says so loudly, and still refuses them InjectFault', async () => {
    const logged: { level: string; message: string }[] = [];
    const dev = createSimulator(
      {
        seed: 3,
        timeAcceleration: 1000,
        tickHz: 10,
        plantStartMs: Date.UTC(2025, 0, 6, 6),
        layout: { enterprise: 'acme', site: 'plant-1', pumps: 2, mills: 0, packagers: 0 },
        opcua: {
          host: '127.0.0.1',
          port: 0,
          pkiDir: path.join(pki, 'dev'),
          allowAnonymous: true,
          allowSecurityNone: true,
          autoAcceptUnknownCertificates: true,
          users: [],
        },
        http: null,
      },
      { log: (level, message) => logged.push({ level, message }) },
    );
    await dev.start();
    const client = OPCUAClient.create({
      applicationName: 'simulator-int-test-dev',
      securityPolicy: SecurityPolicy.None,
      securityMode: MessageSecurityMode.None,
      endpointMustExist: false,
      clientCertificateManager,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    try {
      expect(logged).toContainEqual({ level: 'warn', message: expect.stringMatching(/^INSECURE \(SIM_ALLOW_INSECURE/) });
      await client.connect(dev.endpointUrl);
      const session = await client.createSession();
      const ns = await nsIndex(session);
      expect((await readNumber(session, ns, `${PUMP(1)}/flow`)).status).toBe(StatusCodes.Good);
      expect((await inject(session, ns, PUMP(1))).statusCode).toBe(StatusCodes.BadUserAccessDenied);
      await session.close();
    } finally {
      await client.disconnect();
      await dev.stop();
    }
  });

  it('refuses an anonymous session when not in dev mode', async () => {
    const client = await connect(SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    await expect(client.createSession()).rejects.toThrow();
  });

  it('refuses a wrong password', async () => {
    const client = await connect(SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    await expect(client.createSession({ type: UserTokenType.UserName, userName: USER.username, password: 'wrong' })).rejects.toThrow();
  });

  it('accepts Aes256_Sha256_RsaPss with Sign', async () => {
    const client = await connect(SecurityPolicy.Aes256_Sha256_RsaPss, MessageSecurityMode.Sign);
    const session = await client.createSession({ type: UserTokenType.UserName, userName: USER.username, password: USER.password });
    await session.close();
  });

  it('offers no SecurityPolicy None endpoint', async () => {
    const client = await connect(SecurityPolicy.Basic256Sha256, MessageSecurityMode.SignAndEncrypt);
    const endpoints = await client.getEndpoints();
    expect(endpoints.length).toBeGreaterThan(0);
    expect(endpoints.some((e) => e.securityMode === MessageSecurityMode.None)).toBe(false);
  });
});
