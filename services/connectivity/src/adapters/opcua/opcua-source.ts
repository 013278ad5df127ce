// OPC UA adapter: one client + session + subscription per source. Connects with the requested
// security mode/policy and identity, checks the server certificate against the trust list,
// browses the ISA-95 tree, reads unit/range/data type of mapped variables, and monitors them in
// ClientMonitoredItemGroups (one per sampling interval and filter). Reconnection and session
// re-creation are node-opcua's (infinite retries after the first session); the supervisor in
// the features only handle a source that was never reachable. Only this folder imports node-opcua.
// Implements the Source port (src/ports.ts).
import {
  AttributeIds,
  BrowseDirection,
  ClientMonitoredItemGroup,
  type ClientSubscription,
  type DataChangeFilter,
  MessageSecurityMode,
  NodeClass,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  resolveNodeId,
  type ClientSession,
  type DataValue,
  type OPCUACertificateManager,
  type UserIdentityInfo,
} from 'node-opcua';
import { createHash } from 'node:crypto';
import { context } from '@industrial/telemetry/api';
import { ConnectivityErrorCode, InvalidSourceInputError, NodeNotFoundError, SourceConnectError } from '../../domain/errors.ts';
import { autoMapBrowsePath, normaliseRange, normaliseUnit, type TagDataType, type TagMapping } from '../../domain/mapping.ts';
import { qualityOf, toSampleValue } from '../../domain/quality.ts';
import type { OpcUaSourceSpec } from '../../domain/source.ts';
import type { AutoMapped, BrowseNode, Source, SourceEvents } from '../../ports.ts';
import { dataTypeOfNode, filterFor, isPropertyRef, withDescription } from './node-description.ts';
import { PublishSpans } from './publish-span.ts';

/**
 * What the OPC UA source reports: a data change of a mapped tag (value already narrowed; Bad
 * values without a value come with `value: undefined`), then, synchronously after each,
 * onNotification (the features coalesce them into one cut per publish response).
 */
export type OpcUaHandlers = Pick<SourceEvents, 'onChange' | 'onNotification' | 'onConnected' | 'onLost'>;

export interface OpcUaSourceOptions {
  spec: OpcUaSourceSpec;
  certificateManager: OPCUACertificateManager;
  applicationName: string;
  applicationUri: string;
  handlers: OpcUaHandlers;
  /** Reconnection backoff, ms. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Timeout of the first connection, ms. */
  connectTimeoutMs?: number;
}

const policyUri: Record<OpcUaSourceSpec['securityPolicy'], SecurityPolicy> = {
  None: SecurityPolicy.None,
  Basic256Sha256: SecurityPolicy.Basic256Sha256,
  Aes128_Sha256_RsaOaep: SecurityPolicy.Aes128_Sha256_RsaOaep,
  Aes256_Sha256_RsaPss: SecurityPolicy.Aes256_Sha256_RsaPss,
};
const modeOf: Record<OpcUaSourceSpec['securityMode'], MessageSecurityMode> = {
  None: MessageSecurityMode.None,
  Sign: MessageSecurityMode.Sign,
  SignAndEncrypt: MessageSecurityMode.SignAndEncrypt,
};

/** Turns node-opcua's connect/session failures into errors naming the cause. */
export function classifyConnectError(err: unknown, spec: OpcUaSourceSpec, pkiHint: string): SourceConnectError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/certificate verification failed|BadCertificate/i.test(msg)) {
    const expired = /TimeInvalid|expired/i.test(msg);
    return new SourceConnectError(
      ConnectivityErrorCode.CertificateUntrusted,
      expired
        ? `the server certificate of ${spec.endpoint} has expired or is not yet valid (${msg.split('\n')[0]})`
        : `the server certificate of ${spec.endpoint} is not trusted (${msg.split('\n')[0]}); to trust it, move it from ${pkiHint}/rejected to ${pkiHint}/trusted/certs`,
      err,
    );
  }
  if (/cannot find endpoint/i.test(msg)) {
    return new SourceConnectError(
      ConnectivityErrorCode.SecurityNotOffered,
      `${spec.endpoint} offers no endpoint with security mode ${spec.securityMode} and policy ${spec.securityPolicy}`,
      err,
    );
  }
  if (/BadUserAccessDenied|BadIdentityToken|BadUser|password|Access ?Denied/i.test(msg)) {
    return new SourceConnectError(
      ConnectivityErrorCode.AuthenticationFailed,
      `${spec.endpoint} refused the ${spec.auth.kind === 'anonymous' ? 'anonymous identity' : `user "${spec.auth.username}"`} (${msg.split('\n')[0]})`,
      err,
    );
  }
  return new SourceConnectError(ConnectivityErrorCode.Unreachable, `cannot connect to ${spec.endpoint}: ${msg.split('\n')[0]}`, err);
}

export class OpcUaSource implements Source {
  readonly #o: OpcUaSourceOptions;
  #client: OPCUAClient | null = null;
  #session: ClientSession | null = null;
  #subscription: ClientSubscription | null = null;
  #groups: ClientMonitoredItemGroup[] = [];
  #thumbprint: string | null = null;
  readonly #reads: PublishSpans;
  #lost = false;
  #closed = false;

  constructor(options: OpcUaSourceOptions) {
    this.#o = options;
    this.#reads = new PublishSpans(options.spec.sourceId, options.spec.endpoint);
  }

  get connected(): boolean {
    return this.#session !== null && !this.#lost;
  }

  /** Opens the secure channel and the session; throws a SourceConnectError naming the cause. */
  async connect(): Promise<void> {
    const { spec } = this.#o;
    const client = OPCUAClient.create({
      applicationName: this.#o.applicationName,
      applicationUri: this.#o.applicationUri,
      securityMode: modeOf[spec.securityMode],
      securityPolicy: policyUri[spec.securityPolicy],
      endpointMustExist: false,
      clientCertificateManager: this.#o.certificateManager,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      // maxRetry 1: the first connect fails fast; reconnection after a loss is always infinite in node-opcua.
      connectionStrategy: { maxRetry: 1, initialDelay: this.#o.initialDelayMs ?? 500, maxDelay: this.#o.maxDelayMs ?? 5_000 },
      transportTimeout: this.#o.connectTimeoutMs ?? 10_000,
    });
    this.#client = client;
    const pki = this.#o.certificateManager.rootDir;
    try {
      await client.connect(spec.endpoint);
      const identity: UserIdentityInfo =
        spec.auth.kind === 'userPassword'
          ? { type: UserTokenType.UserName, userName: spec.auth.username, password: spec.auth.password }
          : { type: UserTokenType.Anonymous };
      this.#session = await client.createSession(identity);
    } catch (err) {
      this.#client = null;
      await client.disconnect().catch(() => {});
      throw classifyConnectError(err, spec, pki);
    }
    const chain = client.serverCertificate;
    const leaf = Array.isArray(chain) ? chain[0] : chain;
    this.#thumbprint = spec.securityMode === 'None' || !leaf ? null : createHash('sha1').update(leaf).digest('hex');
    client.on('connection_lost', () => {
      if (this.#closed || this.#lost) return;
      this.#lost = true;
      this.#o.handlers.onLost({ reason: `connection to ${spec.endpoint} lost`, statusCode: 0x80ae0000, retryInMs: this.#o.initialDelayMs ?? 500 });
    });
    client.on('after_reconnection', () => {
      if (this.#closed) return;
      this.#lost = false;
      this.#o.handlers.onConnected({ serverCertificateThumbprint: this.#thumbprint, reconnected: true });
    });
    this.#o.handlers.onConnected({ serverCertificateThumbprint: this.#thumbprint, reconnected: false });
  }

  #requireSession(): ClientSession {
    if (this.#session === null)
      throw new SourceConnectError(ConnectivityErrorCode.NotConnected, `source ${this.#o.spec.sourceId} has no session to ${this.#o.spec.endpoint}`);
    return this.#session;
  }

  /** Children of a node (default: the Objects folder). */
  async browse(nodeId?: string): Promise<BrowseNode[]> {
    const session = this.#requireSession();
    const id = nodeId ?? 'ns=0;i=85';
    try {
      resolveNodeId(id);
    } catch {
      throw new InvalidSourceInputError('node_id', `"${id}" is not an OPC UA node id (e.g. ns=1;s=acme/plant-1)`);
    }
    const r = await session.browse({
      nodeId: id,
      browseDirection: BrowseDirection.Forward,
      referenceTypeId: 'HierarchicalReferences',
      includeSubtypes: true,
      resultMask: 63,
    });
    if (r.statusCode.isNotGood()) throw new NodeNotFoundError(id, r.statusCode.name);
    return (r.references ?? []).map((ref) => ({
      nodeId: ref.nodeId.toString(),
      browseName: ref.browseName.name ?? '',
      displayName: ref.displayName.text ?? ref.browseName.name ?? '',
      nodeClass:
        ref.nodeClass === NodeClass.Object
          ? 'Object'
          : ref.nodeClass === NodeClass.Variable
            ? 'Variable'
            : ref.nodeClass === NodeClass.Method
              ? 'Method'
              : 'Other',
      hasChildren: ref.nodeClass === NodeClass.Object,
    }));
  }

  /**
   * Walks the tree below `rootNodeId` (Organizes/HasComponent, objects only) and maps every
   * variable whose browse path ends in enterprise/site/area/line/asset/tag. Unmappable variables
   * come back in `skipped` with the reason.
   */
  async autoMap(rootNodeId: string): Promise<AutoMapped> {
    const samplingIntervalMs = this.#o.spec.subscription.samplingIntervalMs;
    const session = this.#requireSession();
    const rootPath = await this.#pathOf(rootNodeId);
    type Item = { nodeId: string; path: string[] };
    let frontier: Item[] = [{ nodeId: rootNodeId, path: rootPath }];
    const variables: Item[] = [];
    for (let depth = 0; depth < 8 && frontier.length > 0; depth++) {
      const next: Item[] = [];
      for (let i = 0; i < frontier.length; i += 500) {
        const chunk = frontier.slice(i, i + 500);
        const results = await session.browse(
          chunk.map((f) => ({
            nodeId: f.nodeId,
            browseDirection: BrowseDirection.Forward,
            referenceTypeId: 'HierarchicalReferences',
            includeSubtypes: true,
            nodeClassMask: NodeClass.Object | NodeClass.Variable,
            resultMask: 63,
          })),
        );
        results.forEach((res, k) => {
          const parent = chunk[k]!;
          for (const ref of res.references ?? []) {
            if (!ref.isForward) continue;
            const item = { nodeId: ref.nodeId.toString(), path: [...parent.path, ref.browseName.name ?? ''] };
            if (ref.nodeClass === NodeClass.Object) next.push(item);
            else if (ref.nodeClass === NodeClass.Variable && !isPropertyRef(ref)) variables.push(item);
          }
        });
      }
      frontier = next;
    }
    const mappings: TagMapping[] = [];
    const skipped: { address: string; reason: string }[] = [];
    const described = await this.#describe(variables.map((v) => v.nodeId));
    variables.forEach((v, i) => {
      const d = described[i]!;
      if (!d.ok) {
        skipped.push({ address: v.nodeId, reason: d.reason });
        return;
      }
      const uns = autoMapBrowsePath(v.path);
      if (!uns.ok) {
        skipped.push({ address: v.nodeId, reason: uns.reason });
        return;
      }
      mappings.push(
        withDescription(
          {
            sourceId: this.#o.spec.sourceId,
            address: v.nodeId,
            asset: uns.asset,
            assetPath: uns.assetPath,
            tag: uns.tag,
            dataType: d.dataType,
            samplingIntervalMs,
          },
          d,
        ),
      );
    });
    return { mappings, skipped };
  }

  /** Fills data type, unit and range from the server; a node that does not exist fails naming it. */
  async complete(mappings: readonly TagMapping[], explicit: readonly { unit?: string; range?: unknown; dataType?: TagDataType }[]): Promise<TagMapping[]> {
    const described = await this.#describe(mappings.map((m) => m.address));
    return mappings.map((m, i) => {
      const d = described[i]!;
      if (!d.ok) throw new NodeNotFoundError(m.address, d.reason);
      const e = explicit[i] ?? {};
      const dataType = e.dataType ?? d.dataType;
      const merged: TagMapping = { ...m, dataType };
      delete merged.unit;
      delete merged.range;
      return withDescription(merged, { ...d, unit: m.unit ?? d.unit, range: m.range ?? d.range });
    });
  }

  /** Browse names from below the Objects folder down to `nodeId`, following inverse hierarchical references. */
  async #pathOf(nodeId: string): Promise<string[]> {
    const session = this.#requireSession();
    const names = [await this.#readBrowseName(nodeId)];
    let current = nodeId;
    for (let i = 0; i < 12; i++) {
      const r = await session.browse({
        nodeId: current,
        browseDirection: BrowseDirection.Inverse,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        resultMask: 63,
      });
      const parent = (r.references ?? [])[0];
      if (parent === undefined) break;
      const id = parent.nodeId.toString();
      if (id === 'ns=0;i=85' || id === 'i=85') break;
      names.unshift(parent.browseName.name ?? '');
      current = id;
    }
    return names;
  }

  async #readBrowseName(nodeId: string): Promise<string> {
    const session = this.#requireSession();
    let dv: DataValue;
    try {
      dv = await session.read({ nodeId, attributeId: AttributeIds.BrowseName });
    } catch (err) {
      throw new InvalidSourceInputError('node_id', `"${nodeId}" is not a valid node id (${(err as Error).message.split('\n')[0]})`);
    }
    if (dv.statusCode.isNotGood()) throw new NodeNotFoundError(nodeId, dv.statusCode.name);
    return (dv.value.value as { name?: string } | null)?.name ?? nodeId;
  }

  async #describe(
    nodeIds: readonly string[],
  ): Promise<
    Array<{ ok: true; dataType: TagDataType; unit: string | undefined; range: { low: number; high: number } | undefined } | { ok: false; reason: string }>
  > {
    const session = this.#requireSession();
    const out: Array<
      { ok: true; dataType: TagDataType; unit: string | undefined; range: { low: number; high: number } | undefined } | { ok: false; reason: string }
    > = [];
    for (let i = 0; i < nodeIds.length; i += 500) {
      const chunk = nodeIds.slice(i, i + 500);
      for (const id of chunk) {
        try {
          resolveNodeId(id);
        } catch {
          throw new InvalidSourceInputError('address', `"${id}" is not an OPC UA node id (e.g. ns=1;s=acme/plant-1/…/flow)`);
        }
      }
      const [types, classes, props] = await Promise.all([
        session.read(chunk.map((nodeId) => ({ nodeId, attributeId: AttributeIds.DataType }))),
        session.read(chunk.map((nodeId) => ({ nodeId, attributeId: AttributeIds.NodeClass }))),
        session.browse(
          chunk.map((nodeId) => ({ nodeId, browseDirection: BrowseDirection.Forward, referenceTypeId: 'HasProperty', includeSubtypes: true, resultMask: 63 })),
        ),
      ]);
      // EngineeringUnits and EURange property values, read in one call.
      const want: { index: number; kind: 'unit' | 'range'; nodeId: string }[] = [];
      props.forEach((p, k) => {
        for (const ref of p.references ?? []) {
          if (ref.browseName.name === 'EngineeringUnits') want.push({ index: k, kind: 'unit', nodeId: ref.nodeId.toString() });
          if (ref.browseName.name === 'EURange') want.push({ index: k, kind: 'range', nodeId: ref.nodeId.toString() });
        }
      });
      const values = want.length === 0 ? [] : await session.read(want.map((w) => ({ nodeId: w.nodeId, attributeId: AttributeIds.Value })));
      const units = new Map<number, string | undefined>();
      const ranges = new Map<number, { low: number; high: number } | undefined>();
      want.forEach((w, k) => {
        const v = values[k]?.value.value as { displayName?: { text?: string }; low?: number; high?: number } | null | undefined;
        if (w.kind === 'unit') units.set(w.index, normaliseUnit(v?.displayName?.text ?? null));
        else if (v && typeof v.low === 'number' && typeof v.high === 'number') ranges.set(w.index, normaliseRange({ low: v.low, high: v.high }));
      });
      chunk.forEach((_, k) => {
        const t = types[k]!;
        const c = classes[k]!;
        if (c.statusCode.isNotGood()) return out.push({ ok: false, reason: c.statusCode.name });
        if (c.value.value !== NodeClass.Variable) return out.push({ ok: false, reason: 'not a variable' });
        if (t.statusCode.isNotGood()) return out.push({ ok: false, reason: t.statusCode.name });
        const typeId = t.value.value as { namespace: number; value: unknown };
        out.push({ ok: true, dataType: dataTypeOfNode(typeId), unit: units.get(k), range: ranges.get(k) });
      });
    }
    return out;
  }

  /** (Re)creates the subscription and monitors `mappings`, one group per sampling interval and filter. */
  async monitor(mappings: readonly TagMapping[]): Promise<void> {
    const sub = this.#o.spec.subscription;
    const session = this.#requireSession();
    await this.#terminateSubscription();
    if (mappings.length === 0) return;
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: sub.publishingIntervalMs,
      requestedLifetimeCount: 60,
      requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    this.#subscription = subscription;
    const byKey = new Map<string, { filter: DataChangeFilter | null; sampling: number; items: TagMapping[] }>();
    for (const m of mappings) {
      const filter = filterFor(m, sub.deadband);
      const key = `${m.samplingIntervalMs}|${filter === null ? 'none' : sub.deadband.type}`;
      let g = byKey.get(key);
      if (!g) byKey.set(key, (g = { filter, sampling: m.samplingIntervalMs, items: [] }));
      g.items.push(m);
    }
    for (const g of byKey.values()) {
      const group = ClientMonitoredItemGroup.create(
        subscription,
        g.items.map((m) => ({ nodeId: m.address, attributeId: AttributeIds.Value })),
        { samplingInterval: g.sampling, queueSize: sub.queueSize, discardOldest: true, ...(g.filter === null ? {} : { filter: g.filter }) },
        TimestampsToReturn.Both,
      );
      group.on('changed', (_item, dv: DataValue, index: number) => {
        const m = g.items[index];
        if (m === undefined) return;
        context.with(this.#reads.context(), () => this.#changed(m, dv));
      });
      this.#groups.push(group);
      await new Promise<void>((resolve, reject) => {
        group.once('initialized', () => resolve());
        group.once('err', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
      });
    }
  }

  #changed(m: TagMapping, dv: DataValue): void {
    const statusCode = dv.statusCode.value >>> 0;
    const value = dv.value.value === null || dv.value.value === undefined ? undefined : toSampleValue(dv.value.value);
    const source = dv.sourceTimestamp ?? dv.serverTimestamp;
    const server = dv.serverTimestamp;
    const now = source && server ? '' : new Date().toISOString();
    this.#o.handlers.onChange(m, {
      value,
      statusCode: value === undefined && qualityOf(statusCode).severity === 'Good' ? 0x80070000 : statusCode,
      sourceTimestamp: source ? isoSource(source) : now,
      serverTimestamp: server ? isoServer(server) : now,
    });
    this.#o.handlers.onNotification();
  }

  async #terminateSubscription(): Promise<void> {
    const s = this.#subscription;
    this.#subscription = null;
    this.#groups = [];
    if (s) await s.terminate().catch(() => {});
  }

  /** Not a Sparkplug B source. */
  onlineEdgeNodes(): null {
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#terminateSubscription();
    await this.#session?.close().catch(() => {});
    this.#session = null;
    await this.#client?.disconnect().catch(() => {});
    this.#client = null;
  }
}

/**
 * Date → ISO string, remembering the last one: the samples of one publish response mostly share
 * their timestamps (every tag of a simulator tick, or of a server's sampling pass), so most
 * conversions are a comparison instead of a toISOString.
 */
function isoMemo(): (d: Date) => string {
  let lastMs = NaN;
  let lastIso = '';
  return (d) => {
    const ms = d.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = d.toISOString();
    }
    return lastIso;
  };
}
const isoSource = isoMemo();
const isoServer = isoMemo();
