// OPC UA adapter: builds the ISA-95 address space (enterprise/site/area/line/asset) from the
// plant layout, pushes tag updates with setValueFromSource (plant time as sourceTimestamp)
// and exposes InjectFault(faultType, severity, developMinutes) on every asset.
// Access: users log in with a name and password (SIM_USERS_FILE); the simulator's namespace lets
// every session browse, read and subscribe, and only users holding the fault permission (the
// platform's `sim.inject_fault`, mapped to the OPC UA role Engineer) call InjectFault or write a
// value: anyone else gets BadUserAccessDenied from the server's own permission check.

import { createHash, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import {
  DataType,
  DataValue,
  makeEUInformation,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  PermissionFlag,
  resolveNodeId,
  SecurityPolicy,
  standardUnits,
  StatusCodes,
  UserNameIdentityToken,
  Variant,
  WellKnownRoles,
} from 'node-opcua';
import type { EUInformation, ISessionContext, Namespace, NodeId, UAObject, UAObjectType, UAVariable } from 'node-opcua';
import type { FaultActor } from '../domain/labels.ts';
import type { AssetInfo, TagUpdate } from '../domain/plant.ts';
import type { AssetKind, TagSpec, Unit } from '../domain/tags.ts';
import type { MethodInjectHandler, TagServer } from '../features/ports.ts';
import { pickFreePort } from './free-port.ts';

export interface OpcuaUser {
  username: string;
  password: string;
  /** the user's platform role granting `sim.inject_fault` (InjectFault, writes); null: read only */
  faultRole: string | null;
}

export interface OpcuaServerConfig {
  host: string;
  /** 0 picks a free port */
  port: number;
  pkiDir: string;
  /** anonymous sessions (browse, read, subscribe; never InjectFault) — development only (SIM_ALLOW_INSECURE) */
  allowAnonymous: boolean;
  /** exposes the SecurityPolicy None endpoint — development only (SIM_ALLOW_INSECURE) */
  allowSecurityNone: boolean;
  autoAcceptUnknownCertificates: boolean;
  users: readonly OpcuaUser[];
}

export type InjectFaultHandler = MethodInjectHandler;
export type OpcuaServerAdapter = TagServer;

export const NAMESPACE_URI = 'urn:industrial:simulator';

const UNIT_INFO: Record<Unit, () => EUInformation> = {
  'm3/h': () => standardUnits.cubic_metre_per_hour,
  bar: () => standardUnits.bar,
  degC: () => standardUnits.degree_celsius,
  'mm/s': () => makeEUInformation('C16', 'mm/s', 'millimetre per second'),
  A: () => standardUnits.ampere,
  rpm: () => standardUnits.revolutions_per_minute,
  K: () => standardUnits.kelvin,
  Nm: () => makeEUInformation('NU', 'N·m', 'newton metre'),
  min: () => standardUnits.minute,
  W: () => standardUnits.watt,
  s: () => standardUnits.second,
  ppm: () => standardUnits.part_per_million,
};

const TYPE_NAMES: Record<AssetKind, string> = {
  pump: 'CentrifugalPumpType',
  mill: 'MillingMachineType',
  packaging: 'PackagingMachineType',
};

interface Bound {
  variable: UAVariable;
  dataType: DataType;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** checks every configured user without an early exit, comparing digests in constant time */
export function makeCredentialCheck(users: readonly OpcuaUser[]): (username: string, password: string) => boolean {
  const table = users.map((u) => ({ user: digest(u.username), pass: digest(u.password) }));
  return (username, password) => {
    const u = digest(username);
    const p = digest(password);
    let ok = false;
    for (const row of table) {
      const match = timingSafeEqual(row.user, u) && timingSafeEqual(row.pass, p);
      ok = ok || match;
    }
    return ok;
  };
}

const READ = PermissionFlag.Browse | PermissionFlag.Read | PermissionFlag.ReadRolePermissions | PermissionFlag.ReceiveEvents;
/**
 * The simulator namespace's default role permissions. node-opcua evaluates every session with the
 * Anonymous role added, so Anonymous gets nothing a reader would not; Call and Write only with Engineer.
 */
export const NAMESPACE_ROLE_PERMISSIONS = [
  { roleId: WellKnownRoles.Anonymous, permissions: PermissionFlag.Browse | PermissionFlag.Read | PermissionFlag.ReceiveEvents },
  { roleId: WellKnownRoles.AuthenticatedUser, permissions: READ },
  { roleId: WellKnownRoles.Observer, permissions: READ },
  { roleId: WellKnownRoles.Engineer, permissions: READ | PermissionFlag.Call | PermissionFlag.Write },
];

const AUTHENTICATED_USER = () => resolveNodeId(WellKnownRoles.AuthenticatedUser);

/** OPC UA roles of a user: Engineer when it may inject faults, Observer otherwise (AuthenticatedUser is added by the server). */
export function makeRoleLookup(users: readonly OpcuaUser[]): (username: string) => NodeId[] {
  const faultUsers = new Set(users.filter((u) => u.faultRole !== null).map((u) => u.username));
  return (username) => [resolveNodeId(faultUsers.has(username) ? WellKnownRoles.Engineer : WellKnownRoles.Observer)];
}

/** The user of a method call's session, when it holds the fault permission; null otherwise (anonymous, X.509, read-only). */
function faultActorOf(context: ISessionContext | undefined, users: ReadonlyMap<string, OpcuaUser>): FaultActor | null {
  const token = (context as { session?: { userIdentityToken?: unknown } } | undefined)?.session?.userIdentityToken;
  if (!(token instanceof UserNameIdentityToken) || !token.userName) return null;
  const user = users.get(token.userName);
  return user?.faultRole ? { subject: `opcua:${user.username}`, role: user.faultRole } : null;
}

function dataTypeOf(spec: TagSpec): DataType {
  switch (spec.kind) {
    case 'analog':
      return DataType.Double;
    case 'counter':
      return DataType.UInt32;
    case 'flag':
      return DataType.Boolean;
    case 'text':
      return DataType.String;
    case 'state':
      return DataType.Int32;
  }
}

export async function startOpcuaServer(
  config: OpcuaServerConfig,
  assets: readonly AssetInfo[],
  initial: readonly TagUpdate[],
  injectFault: InjectFaultHandler,
): Promise<OpcuaServerAdapter> {
  const port = config.port === 0 ? await pickFreePort(config.host) : config.port;
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(config.pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: config.autoAcceptUnknownCertificates,
  });
  const userCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(config.pkiDir, 'users'),
    automaticallyAcceptUnknownCertificate: false,
  });
  const isValidUser = makeCredentialCheck(config.users);
  const userRoles = makeRoleLookup(config.users);
  const usersByName = new Map(config.users.map((u) => [u.username, u]));
  const securityPolicies = [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss];
  const securityModes = [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt];
  if (config.allowSecurityNone) {
    securityPolicies.unshift(SecurityPolicy.None);
    securityModes.unshift(MessageSecurityMode.None);
  }
  const server = new OPCUAServer({
    port,
    host: config.host,
    alternateHostname: config.host,
    securityPolicies,
    securityModes,
    allowAnonymous: config.allowAnonymous,
    userManager: { isValidUser: (username: string, password: string) => isValidUser(username, password), getUserRoles: userRoles },
    // a session whose user resolves to no role gets nothing (fail closed)
    unresolvedPermissionPolicy: 'deny',
    serverCertificateManager,
    userCertificateManager,
    isAuditing: false,
    serverInfo: {
      applicationUri: NAMESPACE_URI,
      productUri: 'urn:industrial:simulator:product',
      applicationName: { text: 'Industrial plant simulator' },
    },
    buildInfo: { productName: 'industrial-plant-simulator', manufacturerName: 'industrial-ai-platform' },
  });
  // node-opcua resolves a session's roles on every read of a monitored item (three times per sample)
  // and, because its list of role resolvers exists (empty), builds their context each time: it parses
  // the client certificate and asks the OS for the host name. That was about 40% of the simulator's
  // CPU at 1,000 tags. This override answers what that resolution gives here — the user's role and
  // AuthenticatedUser — and leaves anonymous sessions, and any registered resolver, to the default.
  server.setRolePolicyOverride({
    getUserRoles: (username) => (username === 'anonymous' || server.roleResolvers.length > 0 ? null : [...userRoles(username), AUTHENTICATED_USER()]),
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA address space not available after initialize()');
  const namespace = addressSpace.getOwnNamespace();
  namespace.setDefaultRolePermissions(NAMESPACE_ROLE_PERMISSIONS);
  const bound = buildAddressSpace(namespace, addressSpace.rootFolder.objects, assets, (input, context) => {
    // the server has refused Call to every role but Engineer; checked again here, and the user named
    const actor = faultActorOf(context, usersByName);
    if (!actor) return { ok: false, field: 'session', error: 'BadUserAccessDenied' };
    return injectFault(input, actor);
  });
  applyUpdates(bound, initial);
  await server.start();

  return {
    endpointUrl: `opc.tcp://${config.host}:${port}`,
    apply: (updates) => applyUpdates(bound, updates),
    async stop() {
      await server.shutdown(0);
      await Promise.allSettled([serverCertificateManager.dispose(), userCertificateManager.dispose()]);
    },
  };
}

/** node-opcua's setter of a whole DataValue (setValueFromSource stamps the server timestamp with the source's). */
type SettableVariable = UAVariable & { _internal_set_dataValue(dataValue: DataValue): void };

function applyUpdates(bound: Map<string, Bound>, updates: readonly TagUpdate[]): void {
  // The source timestamp is the plant's (the device's clock: ahead of the wall clock when the plant runs
  // accelerated); the server timestamp is this OPC UA server's own clock when it took the value, as a real
  // server stamps it, so a latency measured from it downstream (sample to score, ingest lag) is wall time.
  const serverTimestamp = new Date();
  for (const u of updates) {
    const b = bound.get(`${u.asset}/${u.tag}`);
    if (!b) continue;
    (b.variable as SettableVariable)._internal_set_dataValue(
      new DataValue({
        value: new Variant({ dataType: b.dataType, value: u.value }),
        statusCode: u.quality === 'good' ? StatusCodes.Good : StatusCodes.BadSensorFailure,
        sourceTimestamp: new Date(u.timestampMs),
        serverTimestamp,
      }),
    );
  }
}

type SessionInjectHandler = (input: Parameters<InjectFaultHandler>[0], context: ISessionContext | undefined) => ReturnType<InjectFaultHandler>;

function buildAddressSpace(ns: Namespace, objectsFolder: UAObject, assets: readonly AssetInfo[], injectFault: SessionInjectHandler): Map<string, Bound> {
  const level = (name: string) => ns.addObjectType({ browseName: name, description: `ISA-95 ${name.replace('Type', '')} level` });
  const enterpriseType = level('EnterpriseType');
  const siteType = level('SiteType');
  const areaType = level('AreaType');
  const lineType = level('ProductionLineType');
  const assetType = ns.addObjectType({ browseName: 'AssetType', isAbstract: true });
  const assetTypes: Record<AssetKind, UAObjectType> = {
    pump: ns.addObjectType({ browseName: TYPE_NAMES.pump, subtypeOf: assetType }),
    mill: ns.addObjectType({ browseName: TYPE_NAMES.mill, subtypeOf: assetType, description: 'AI4I 2020 milling process' }),
    packaging: ns.addObjectType({ browseName: TYPE_NAMES.packaging, subtypeOf: assetType }),
  };

  const folders = new Map<string, UAObject>();
  const folder = (key: string, name: string, parent: UAObject, type: UAObjectType): UAObject => {
    let o = folders.get(key);
    if (!o) {
      o = ns.addObject({ nodeId: `s=${key}`, browseName: name, organizedBy: parent, typeDefinition: type });
      folders.set(key, o);
    }
    return o;
  };

  const bound = new Map<string, Bound>();
  for (const a of assets) {
    const e = folder(a.enterprise, a.enterprise, objectsFolder, enterpriseType);
    const s = folder(`${a.enterprise}/${a.site}`, a.site, e, siteType);
    const ar = folder(`${a.enterprise}/${a.site}/${a.area}`, a.area, s, areaType);
    const l = folder(`${a.enterprise}/${a.site}/${a.area}/${a.line}`, a.line, ar, lineType);
    const obj = ns.addObject({ nodeId: `s=${a.path}`, browseName: a.id, organizedBy: l, typeDefinition: assetTypes[a.kind] });
    ns.addVariable({
      propertyOf: obj,
      browseName: 'UnsPath',
      dataType: 'String',
      value: { dataType: DataType.String, value: a.path },
    });
    for (const t of a.tags) {
      const common = { componentOf: obj, nodeId: `s=${a.path}/${t.name}`, browseName: t.name, description: t.description, minimumSamplingInterval: 100 };
      let variable: UAVariable;
      if (t.kind === 'analog') {
        variable = ns.addAnalogDataItem({
          ...common,
          dataType: 'Double',
          engineeringUnits: UNIT_INFO[t.unit](),
          engineeringUnitsRange: t.range,
        });
      } else if (t.kind === 'state') {
        variable = ns.addMultiStateValueDiscrete({ ...common, dataType: 'Int32', enumValues: t.states, value: 0 });
      } else {
        const dataType = dataTypeOf(t);
        variable = ns.addVariable({ ...common, dataType: DataType[dataType] });
      }
      bound.set(`${a.id}/${t.name}`, { variable, dataType: dataTypeOf(t) });
    }
    const method = ns.addMethod(obj, {
      nodeId: `s=${a.path}/InjectFault`,
      browseName: 'InjectFault',
      description: 'Injects a scripted fault; sensor faults as "sensor_stuck:<tag>"',
      inputArguments: [
        { name: 'faultType', dataType: DataType.String, description: { text: 'e.g. bearing_wear, sensor_drift:flow' } },
        { name: 'severity', dataType: DataType.Double, description: { text: '0..1' } },
        { name: 'developMinutes', dataType: DataType.Double, description: { text: 'plant minutes to full severity' } },
      ],
      outputArguments: [{ name: 'faultId', dataType: DataType.String }],
    });
    // two parameters: node-opcua tells the promise form from the callback form by arity
    method.bindMethod(async (inputArguments: Variant[], context: ISessionContext) => {
      const [faultType, severity, developMinutes] = inputArguments.map((v) => v.value as unknown);
      const r = injectFault(
        {
          asset: a.id,
          fault: String(faultType),
          severity: Number(severity),
          developMinutes: Number(developMinutes),
        },
        context,
      );
      if (!r.ok && r.field === 'session') return { statusCode: StatusCodes.BadUserAccessDenied };
      if (!r.ok) return { statusCode: StatusCodes.BadInvalidArgument, statusText: `${r.field}: ${r.error}` };
      return { statusCode: StatusCodes.Good, outputArguments: [{ dataType: DataType.String, value: r.faultId }] };
    });
  }
  return bound;
}
