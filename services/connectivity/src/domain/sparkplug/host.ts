// Sparkplug B host-side state machine for one group of one source (pure: decoded payloads and the
// receive time in, UNS samples and requests out). Per edge node it keeps the birth certificate
// (metric names, aliases, data types; bdSeq) of the node and of each of its devices, and the last
// sequence number:
// - NBIRTH / DBIRTH define the metrics (and carry their first values); NBIRTH forgets the devices,
//   which must be born again after it.
// - NDATA / DDATA carry metrics by alias (or name) → samples on the mapped asset; the metric
//   timestamp is the sourceTimestamp, the payload timestamp (else the receipt) the serverTimestamp.
// - NDEATH (with the bdSeq of the current birth; an older one is stale and ignored) / DDEATH →
//   every tag of the node (and its devices) / the device: its last value, BadNoCommunication.
// - seq: every message of a node but NDEATH carries seq = previous + 1 (mod 256), from the NBIRTH on.
//   A gap is reported and answers with a rebirth request (NCMD `Node Control/Rebirth` = true); the
//   message itself is still used, its aliases are known. Data from a node or device without a birth
//   (or with an alias/name its birth did not define) cannot be typed or named: it is dropped and a
//   rebirth requested. Requests per node are spaced by `rebirthIntervalMs` until the node is reborn.
// - is_null → the last value with BadNoData, or no sample when there is none (never 0).
import type { UnsSample } from '@industrial/contracts';
import { parseUnsAssetPath, unsAssetPath, type UnsAssetAddress } from '@industrial/contracts';
import { normaliseRange, normaliseUnit, toUnsToken, type TagMapping } from '../mapping.ts';
import { qualityOf, StatusCode, type SampleValue } from '../quality.ts';
import { isoOf, numberOf, property, sampleValueOf, tagDataTypeOf } from './metric-values.ts';
import { dataTypeName, type Metric, type Payload } from './payload.ts';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
export const REBIRTH_METRIC = 'Node Control/Rebirth';
/** No data exists for the value: a Sparkplug is_null metric. */
export const BAD_NO_DATA = 0x809b0000;

export type MessageType = 'NBIRTH' | 'NDEATH' | 'DBIRTH' | 'DDEATH' | 'NDATA' | 'DDATA' | 'NCMD' | 'DCMD';
const MESSAGE_TYPES = new Set<string>(['NBIRTH', 'NDEATH', 'DBIRTH', 'DDEATH', 'NDATA', 'DDATA', 'NCMD', 'DCMD']);

export interface SparkplugTopic {
  group: string;
  type: MessageType;
  edgeNode: string;
  device: string | null;
}

/** `spBv1.0/<group>/<type>/<edge node>[/<device>]`; null for anything else (STATE, other namespaces). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== SPARKPLUG_NAMESPACE || parts.length < 4 || parts.length > 5) return null;
  const [, group, type, edgeNode, device] = parts as [string, string, string, string, string?];
  if (!MESSAGE_TYPES.has(type) || group === '' || edgeNode === '' || device === '') return null;
  const isDevice = type.startsWith('D');
  if (isDevice !== (device !== undefined)) return null;
  return { group, type: type as MessageType, edgeNode, device: device ?? null };
}

export const ncmdTopic = (group: string, edgeNode: string) => `${SPARKPLUG_NAMESPACE}/${group}/NCMD/${edgeNode}`;

export interface SparkplugMapping {
  groupId: string;
  enterprise: string;
  site: string;
  /** Default: the group id as a UNS token. */
  area?: string | undefined;
  /** Asset of an edge node's own metrics (devices are assets of their own). */
  nodeAsset: string;
  /** Explicit asset paths per edge node (device null) or device; the rest map by default. */
  assets: readonly { edgeNode: string; device: string | null; assetPath: string }[];
  rebirthIntervalMs: number;
}

/**
 * The asset of an edge node (device null) or device: explicit when configured, otherwise
 * `<enterprise>.<site>.<area = group>.<line = edge node>.<asset = device | nodeAsset>`.
 */
/** Why a node is asked to publish its births again (SparkplugRebirthRequested.reason). */
export type RebirthKind = 'sequence-gap' | 'data-before-birth' | 'unknown-alias';

export interface RebirthRequest {
  edgeNode: string;
  kind: RebirthKind;
  reason: string;
  expectedSeq: number | null;
  receivedSeq: number | null;
}

export function sparkplugAsset(
  cfg: SparkplugMapping,
  edgeNode: string,
  device: string | null,
): { ok: true; asset: UnsAssetAddress; assetPath: string } | { ok: false; reason: string } {
  const explicit = cfg.assets.find((a) => a.edgeNode === edgeNode && a.device === device);
  if (explicit) {
    const asset = parseUnsAssetPath(explicit.assetPath);
    return { ok: true, asset, assetPath: unsAssetPath(asset) };
  }
  const area = cfg.area ?? toUnsToken(cfg.groupId);
  const line = toUnsToken(edgeNode);
  const assetName = device === null ? cfg.nodeAsset : toUnsToken(device);
  if (area === null) return { ok: false, reason: `group id "${cfg.groupId}" has no character usable in a UNS token (configure sparkplug.area)` };
  if (line === null) return { ok: false, reason: `edge node id "${edgeNode}" has no character usable in a UNS token (map it in sparkplug.assets)` };
  if (assetName === null) return { ok: false, reason: `device id "${device}" has no character usable in a UNS token (map it in sparkplug.assets)` };
  const asset = { enterprise: cfg.enterprise, site: cfg.site, area, line, asset: assetName };
  return { ok: true, asset, assetPath: unsAssetPath(asset) };
}

interface MetricDef {
  name: string;
  alias: bigint | undefined;
  datatype: number;
  /** null: a type a sample cannot carry (its data is ignored, not an unknown metric). */
  mapping: TagMapping | null;
  last: SampleValue | undefined;
}

interface MetricTable {
  byName: Map<string, MetricDef>;
  byAlias: Map<bigint, MetricDef>;
}

interface DeviceState {
  born: boolean;
  metrics: MetricTable;
}

interface NodeState {
  born: boolean;
  bdSeq: bigint | null;
  seq: number;
  metrics: MetricTable;
  devices: Map<string, DeviceState>;
  lastRebirthAt: number | null;
}

export interface SequenceGap {
  edgeNode: string;
  expected: number;
  /** null: the message had no (valid) seq. */
  got: number | null;
  messageType: MessageType;
}

export interface HostOutput {
  samples: { mapping: TagMapping; sample: UnsSample }[];
  /** Tags defined by a birth that were not mapped before, or changed (type, unit, range). */
  mapped: TagMapping[];
  /** Publish NCMD `Node Control/Rebirth` = true to this edge node. */
  rebirth: RebirthRequest | null;
  gap: SequenceGap | null;
  /** Metrics (or whole messages) refused, each with its reason. */
  refused: string[];
  /** Why the message was ignored as a whole (commands, stale deaths…), for debug logs. */
  ignored: string | null;
  birth: boolean;
  death: boolean;
}

const emptyTable = (): MetricTable => ({ byName: new Map(), byAlias: new Map() });
const CONTROL = /^(Node|Device) Control\//;

export class SparkplugHost {
  readonly #sourceId: string;
  readonly #cfg: SparkplugMapping;
  readonly #samplingIntervalMs: number;
  readonly #nodes = new Map<string, NodeState>();
  /** Every tag defined so far by address, to report only new or changed ones. */
  readonly #known = new Map<string, string>();

  constructor(sourceId: string, cfg: SparkplugMapping, samplingIntervalMs: number) {
    this.#sourceId = sourceId;
    this.#cfg = cfg;
    this.#samplingIntervalMs = samplingIntervalMs;
  }

  get subscription(): string {
    return `${SPARKPLUG_NAMESPACE}/${this.#cfg.groupId}/#`;
  }

  /** Edge nodes whose current birth is known (not dead). */
  onlineNodes(): string[] {
    return [...this.#nodes.entries()].filter(([, n]) => n.born).map(([id]) => id);
  }

  handle(t: SparkplugTopic, p: Payload, receivedAtMs: number): HostOutput {
    const out: HostOutput = { samples: [], mapped: [], rebirth: null, gap: null, refused: [], ignored: null, birth: false, death: false };
    if (t.group !== this.#cfg.groupId) {
      out.ignored = `group ${t.group} is not ${this.#cfg.groupId}`;
      return out;
    }
    if (t.type === 'NCMD' || t.type === 'DCMD') {
      out.ignored = `${t.type} is a command to the edge node`;
      return out;
    }
    const received = new Date(receivedAtMs).toISOString();
    const ts = isoOf(p.timestamp, received);
    if (!ts.ok) {
      out.refused.push(`${t.type} from ${t.edgeNode}: payload timestamp ${p.timestamp} is out of range`);
      return out;
    }
    const serverTs = ts.iso;
    let node = this.#nodes.get(t.edgeNode);

    if (t.type === 'NDEATH') {
      const bd = p.metrics.find((m) => m.name === 'bdSeq');
      const bdSeq = bd?.value?.field === 'long' ? bd.value.value : bd?.value?.field === 'int' ? BigInt(bd.value.value) : null;
      if (node === undefined || !node.born) {
        out.ignored = `NDEATH of ${t.edgeNode}, which is not born`;
        return out;
      }
      if (bdSeq !== null && node.bdSeq !== null && bdSeq !== node.bdSeq) {
        out.ignored = `stale NDEATH of ${t.edgeNode} (bdSeq ${bdSeq}, current birth ${node.bdSeq})`;
        return out;
      }
      out.death = true;
      this.#markBad(node.metrics, received, out);
      for (const d of node.devices.values()) {
        if (d.born) this.#markBad(d.metrics, received, out);
        d.born = false;
      }
      node.born = false;
      return out;
    }

    // Every other message of the node carries a sequence number.
    const seq = p.seq !== undefined && p.seq <= 255n ? Number(p.seq) : null;
    if (t.type === 'NBIRTH') {
      const bd = p.metrics.find((m) => m.name === 'bdSeq');
      node = {
        born: true,
        bdSeq: bd?.value?.field === 'long' ? bd.value.value : bd?.value?.field === 'int' ? BigInt(bd.value.value) : null,
        seq: seq ?? 0,
        metrics: emptyTable(),
        devices: new Map(),
        lastRebirthAt: null,
      };
      this.#nodes.set(t.edgeNode, node);
      out.birth = true;
      if (seq === null) out.refused.push(`NBIRTH from ${t.edgeNode} has no seq 0–255 (taken as 0)`);
      this.#birth(t, node.metrics, p.metrics, serverTs, out);
      return out;
    }

    if (node === undefined || !node.born) {
      this.#requestRebirth(
        t.edgeNode,
        node,
        receivedAtMs,
        { kind: 'data-before-birth', reason: `${t.type} from ${t.edgeNode}${t.device ? `/${t.device}` : ''} before its NBIRTH` },
        out,
      );
      out.ignored = `${t.type} before NBIRTH: metrics unknown, dropped`;
      return out;
    }
    const expected = (node.seq + 1) % 256;
    if (seq !== expected) {
      out.gap = { edgeNode: t.edgeNode, expected, got: seq, messageType: t.type };
      this.#requestRebirth(
        t.edgeNode,
        node,
        receivedAtMs,
        {
          kind: 'sequence-gap',
          reason: `seq gap from ${t.edgeNode}: expected ${expected}, got ${seq ?? 'none'} (${t.type})`,
          expectedSeq: expected,
          receivedSeq: seq,
        },
        out,
      );
    }
    if (seq !== null) node.seq = seq;

    if (t.type === 'NDATA') {
      this.#data(t, node, node.metrics, p.metrics, serverTs, receivedAtMs, out);
      return out;
    }
    const deviceId = t.device as string;
    if (t.type === 'DBIRTH') {
      const d: DeviceState = { born: true, metrics: emptyTable() };
      node.devices.set(deviceId, d);
      out.birth = true;
      this.#birth(t, d.metrics, p.metrics, serverTs, out);
      return out;
    }
    const device = node.devices.get(deviceId);
    if (device === undefined || !device.born) {
      if (t.type === 'DDEATH') {
        out.ignored = `DDEATH of ${t.edgeNode}/${deviceId}, which is not born`;
        return out;
      }
      this.#requestRebirth(
        t.edgeNode,
        node,
        receivedAtMs,
        { kind: 'data-before-birth', reason: `DDATA from ${t.edgeNode}/${deviceId} before its DBIRTH` },
        out,
      );
      out.ignored = 'DDATA before DBIRTH: metrics unknown, dropped';
      return out;
    }
    if (t.type === 'DDEATH') {
      out.death = true;
      this.#markBad(device.metrics, serverTs, out);
      device.born = false;
      return out;
    }
    this.#data(t, node, device.metrics, p.metrics, serverTs, receivedAtMs, out);
    return out;
  }

  #requestRebirth(
    edgeNode: string,
    node: NodeState | undefined,
    now: number,
    why: { kind: RebirthKind; reason: string; expectedSeq?: number; receivedSeq?: number | null },
    out: HostOutput,
  ): void {
    let n = node;
    if (n === undefined) {
      n = { born: false, bdSeq: null, seq: 0, metrics: emptyTable(), devices: new Map(), lastRebirthAt: null };
      this.#nodes.set(edgeNode, n);
    }
    if (n.lastRebirthAt !== null && now - n.lastRebirthAt < this.#cfg.rebirthIntervalMs) return;
    n.lastRebirthAt = now;
    out.rebirth = { edgeNode, kind: why.kind, reason: why.reason, expectedSeq: why.expectedSeq ?? null, receivedSeq: why.receivedSeq ?? null };
  }

  #birth(t: SparkplugTopic, table: MetricTable, metrics: readonly Metric[], serverTs: string, out: HostOutput): void {
    const where = `${t.type} from ${t.edgeNode}${t.device ? `/${t.device}` : ''}`;
    const asset = sparkplugAsset(this.#cfg, t.edgeNode, t.device);
    if (!asset.ok) {
      out.refused.push(`${where}: ${asset.reason}`);
      return;
    }
    const tags = new Map<string, string>();
    for (const m of metrics) {
      if (m.name === undefined || m.name === '') {
        out.refused.push(`${where}: a metric without a name`);
        continue;
      }
      if (m.name === 'bdSeq' || CONTROL.test(m.name)) continue;
      if (m.datatype === undefined) {
        out.refused.push(`${where}: metric "${m.name}" has no datatype`);
        continue;
      }
      if (m.alias !== undefined && table.byAlias.has(m.alias)) {
        out.refused.push(`${where}: metric "${m.name}" reuses alias ${m.alias} of "${table.byAlias.get(m.alias)?.name}"`);
        continue;
      }
      const def: MetricDef = { name: m.name, alias: m.alias, datatype: m.datatype, mapping: null, last: undefined };
      const dataType = tagDataTypeOf(m.datatype);
      const tag = toUnsToken(m.name);
      if (dataType === null) out.refused.push(`${where}: metric "${m.name}" is a ${dataTypeName(m.datatype)}, not a type a UNS sample can carry`);
      else if (tag === null) out.refused.push(`${where}: metric "${m.name}" has no character usable in a UNS tag`);
      else if (tags.has(tag)) out.refused.push(`${where}: metrics "${tags.get(tag)}" and "${m.name}" both map to tag ${tag}`);
      else {
        tags.set(tag, m.name);
        const unitRaw = property(m.properties, ['engUnit', 'engUnits', 'unit']);
        const unit = dataType === 'number' && unitRaw?.field === 'string' ? normaliseUnit(unitRaw.value) : undefined;
        const low = numberOf(property(m.properties, ['engLow']));
        const high = numberOf(property(m.properties, ['engHigh']));
        const range = dataType === 'number' && low !== undefined && high !== undefined ? normaliseRange({ low, high }) : undefined;
        const address = `${SPARKPLUG_NAMESPACE}/${t.group}/${t.edgeNode}${t.device ? `/${t.device}` : ''}#${m.name}`.slice(0, 500);
        def.mapping = {
          sourceId: this.#sourceId,
          address,
          asset: asset.asset,
          assetPath: asset.assetPath,
          tag,
          dataType,
          samplingIntervalMs: this.#samplingIntervalMs,
          ...(unit === undefined ? {} : { unit }),
          ...(range === undefined ? {} : { range }),
        };
        const key = JSON.stringify(def.mapping);
        if (this.#known.get(address) !== key) {
          this.#known.set(address, key);
          out.mapped.push(def.mapping);
        }
      }
      table.byName.set(m.name, def);
      if (m.alias !== undefined) table.byAlias.set(m.alias, def);
      this.#value(where, def, m, serverTs, out);
    }
  }

  #data(t: SparkplugTopic, node: NodeState, table: MetricTable, metrics: readonly Metric[], serverTs: string, now: number, out: HostOutput): void {
    const where = `${t.type} from ${t.edgeNode}${t.device ? `/${t.device}` : ''}`;
    for (const m of metrics) {
      const def = m.alias !== undefined ? table.byAlias.get(m.alias) : m.name !== undefined ? table.byName.get(m.name) : undefined;
      if (def === undefined) {
        const what = m.alias !== undefined ? `alias ${m.alias}` : m.name !== undefined ? `"${m.name}"` : 'a metric with neither name nor alias';
        out.refused.push(`${where}: ${what} is not in the birth certificate; dropped`);
        this.#requestRebirth(t.edgeNode, node, now, { kind: 'unknown-alias', reason: `${where}: unknown metric ${what}` }, out);
        continue;
      }
      if (m.datatype !== undefined && m.datatype !== def.datatype) {
        out.refused.push(`${where}: metric "${def.name}" is a ${dataTypeName(m.datatype)}, its birth said ${dataTypeName(def.datatype)}`);
        continue;
      }
      this.#value(where, def, m, serverTs, out);
    }
  }

  #value(where: string, def: MetricDef, m: Metric, serverTs: string, out: HostOutput): void {
    const mapping = def.mapping;
    if (mapping === null) return;
    if (m.isTransient) return; // not to be historized (Sparkplug), and the UNS feeds the historian
    const ts = isoOf(m.timestamp, serverTs);
    if (!ts.ok) {
      out.refused.push(`${where}: metric "${def.name}" timestamp ${m.timestamp} is out of range`);
      return;
    }
    if (m.isNull || m.value === undefined) {
      // No value: never 0. The last one, Bad, so downstream sees it go; nothing when there is none.
      if (def.last !== undefined) out.samples.push({ mapping, sample: this.#sample(mapping, def.last, BAD_NO_DATA, ts.iso, serverTs) });
      return;
    }
    const v = sampleValueOf(def.datatype, m.value);
    if (!v.ok) {
      out.refused.push(`${where}: metric "${def.name}": ${v.reason}`);
      return;
    }
    def.last = v.value;
    out.samples.push({ mapping, sample: this.#sample(mapping, v.value, StatusCode.Good, ts.iso, serverTs) });
  }

  #markBad(table: MetricTable, at: string, out: HostOutput): void {
    for (const def of table.byName.values()) {
      if (def.mapping === null || def.last === undefined) continue;
      out.samples.push({ mapping: def.mapping, sample: this.#sample(def.mapping, def.last, StatusCode.BadNoCommunication, at, at) });
    }
  }

  #sample(m: TagMapping, value: SampleValue, code: number, sourceTimestamp: string, serverTimestamp: string): UnsSample {
    const s: UnsSample = { tag: m.tag, value, quality: qualityOf(code), sourceTimestamp, serverTimestamp };
    if (m.unit !== undefined && typeof value === 'number') s.unit = m.unit;
    return s;
  }
}
