// Ports of connectivity: the interfaces the features (src/features/) need from the outside and
// the one they offer to it. Interfaces and types only, no code. The adapters implement the driven
// ports (a Source per protocol, the store-and-forward buffer, the source catalog); the gRPC
// adapter drives the features through ConnectivityApi. app.ts wires them together.
import type { UnsSample, UnsSampleBatch } from '@industrial/contracts';
import type { Cause } from '@industrial/kernel';
import type { SequencedBatch } from './domain/batcher.ts';
import type { ExplicitMappingInput, TagDataType, TagMapping } from './domain/mapping.ts';
import type { OverflowPolicy, SourceSpec, publicSpec } from './domain/source.ts';
import type { RebirthRequest, SequenceGap } from './domain/sparkplug/host.ts';

export interface ConnectivityLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

// ── Source: one connection to a plant data source (OPC UA server, MQTT broker) ─────────────────

/** What a source reports; the features turn it into samples, batches and recorded decisions. */
export interface SourceEvents {
  /** A complete sample of a mapped tag (MQTT JSON, Sparkplug B metrics). */
  onSample(mapping: TagMapping, sample: UnsSample): void;
  /** An OPC UA data change: quality follows the status code; a Bad change may carry no value. */
  onChange(mapping: TagMapping, change: { value: UnsSample['value'] | undefined; statusCode: number; sourceTimestamp: string; serverTimestamp: string }): void;
  /** Every change of one OPC UA publish response was delivered (cut the batches now). */
  onNotification(): void;
  onConnected(info: { serverCertificateThumbprint: string | null; reconnected: boolean }): void;
  onLost(info: { reason: string; statusCode: number | null; retryInMs: number }): void;
  /** A payload or metric refused (`address`: the topic it came on). */
  onMalformed(address: string, reason: string): void;
  /** Sparkplug B: tags a birth defined (new or changed), before their first samples. */
  onMapped(mappings: TagMapping[]): void;
  onSequenceGap(gap: SequenceGap): void;
  /** Sparkplug B: an NCMD `Node Control/Rebirth` was published to an edge node. */
  onRebirthRequested(info: RebirthRequest & { groupId: string; topic: string }): void;
  onLifecycle(info: { birth: boolean; death: boolean }): void;
}

export interface BrowseNode {
  nodeId: string;
  browseName: string;
  displayName: string;
  nodeClass: 'Object' | 'Variable' | 'Method' | 'Other';
  hasChildren: boolean;
}

export interface AutoMapped {
  mappings: TagMapping[];
  skipped: { address: string; reason: string }[];
}

/** Explicit settings of a mapping that win over what the server describes. */
export interface ExplicitTagSettings {
  unit?: string;
  range?: unknown;
  dataType?: TagDataType;
}

/**
 * One connection to a source, implemented by the OPC UA and the MQTT (JSON and Sparkplug B)
 * adapters. Errors are the domain's typed errors (SourceConnectError, NodeNotFoundError,
 * InvalidSourceInputError) naming the cause or the field.
 */
export interface Source {
  /** First connection; throws a SourceConnectError naming the cause. Reconnection is the adapter's. */
  connect(): Promise<void>;
  /** Samples exactly these tags from now on (replaces the previous set). */
  monitor(mappings: readonly TagMapping[]): Promise<void>;
  /** Children of a node (OPC UA); the root when nodeId is undefined. */
  browse(nodeId?: string): Promise<BrowseNode[]>;
  /** Maps every ISA-95 variable below `root` (OPC UA). */
  autoMap(root: string): Promise<AutoMapped>;
  /** Fills data type, unit and range of explicit mappings from the source, where it knows them. */
  complete(mappings: readonly TagMapping[], explicit: readonly ExplicitTagSettings[]): Promise<TagMapping[]>;
  /** Sparkplug B edge nodes whose birth is current; null when the source is not Sparkplug B. */
  onlineEdgeNodes(): string[] | null;
  close(): Promise<void>;
}

/** Opens (without connecting) the source a spec describes. */
export type OpenSource = (spec: SourceSpec, events: SourceEvents) => Source;

// ── Store-and-forward buffer ──────────────────────────────────────────────────────────────────

export interface BufferedRow {
  /** Buffer position (monotonic, never reused). */
  pos: number;
  sourceId: string;
  subject: string;
  batchId: string;
  payload: string;
  samples: number;
}

export interface Overflow {
  sourceId: string;
  droppedSamples: number;
  capacity: number;
  policy: OverflowPolicy;
  oldestDroppedAt: string;
  newestDroppedAt: string;
}

export interface BufferAppend {
  sourceId: string;
  capacity: number;
  policy: OverflowPolicy;
  batches: readonly (SequencedBatch & { subject: string })[];
}

export interface BufferAppendResult {
  /** The loss to report, if the batches did not all fit. */
  overflow: Overflow | null;
  /** The rows written (accepted batches), in buffer order: the forwarder sends these from memory. */
  rows: BufferedRow[];
}

/** What the features need of the on-disk buffer (the forwarder, an adapter, drains it). */
export interface SampleBuffer {
  /** Last batch sequence per asset path of a source (to resume the batcher after a restart). */
  lastSequences(sourceId: string): Map<string, number>;
  usedSamples(sourceId?: string): number;
  droppedSamples(sourceId: string): number;
  /** Writes the batches in one transaction (the durability point); the overflow decided, and the rows. */
  append(input: BufferAppend): BufferAppendResult;
}

// ── Source catalog (local, with credentials) ──────────────────────────────────────────────────

export interface SourceCatalog {
  sources(): SourceSpec[];
  mappings(sourceId: string): TagMapping[];
  saveSource(spec: SourceSpec): void;
  saveMappings(mappings: readonly TagMapping[]): void;
}

// ── What the features offer (driven by the gRPC adapter, the launchers and the tests) ─────────

export type LinkState = 'connecting' | 'connected' | 'lost' | 'stopped';

export interface SparkplugHealth {
  /** Edge nodes whose NBIRTH is current (not dead). */
  onlineEdgeNodes: string[];
  births: number;
  deaths: number;
  /** seq out of order (lost or reordered messages), per message. */
  sequenceGaps: number;
  lastSequenceGap: { edgeNode: string; expected: number; got: number | null; at: string } | null;
  /** NCMD `Node Control/Rebirth` requests published. */
  rebirthRequests: number;
}

export interface SourceHealth {
  sourceId: string;
  name: string;
  protocol: SourceSpec['protocol'];
  endpoint: string;
  state: LinkState;
  lastError: string | null;
  lastChangeAt: string | null;
  mappedTags: number;
  samplesReceived: number;
  batchesBuffered: number;
  malformedPayloads: number;
  bufferedSamples: number;
  droppedSamples: number;
  bufferCapacity: number;
  /** Sparkplug B sources only (null otherwise). */
  sparkplug: SparkplugHealth | null;
}

export interface MapTagsRequest {
  sourceId: string;
  /** Browse below this node and map every ISA-95 variable. */
  autoMapRoot?: string;
  mappings?: ExplicitMappingInput[];
}

export interface Mapped {
  mappings: TagMapping[];
  skipped: { address: string; reason: string }[];
}

export type UnsListener = (batch: UnsSampleBatch) => void;

/** The use cases of connectivity, as its API adapters call them. */
export interface ConnectivityApi {
  /** Validates, connects (failing with the cause), records SourceRegistered, then maps autoMapRoot if given. */
  registerSource(input: unknown, cause?: Cause): Promise<Mapped & { sourceId: string }>;
  browse(sourceId: string, nodeId?: string): Promise<BrowseNode[]>;
  mapTags(request: MapTagsRequest, cause?: Cause): Promise<Mapped>;
  listTags(sourceId?: string): TagMapping[];
  listSources(): ReturnType<typeof publicSpec>[];
  sourceHealth(sourceId: string): SourceHealth;
  /**
   * Live batches of the assets at or below `assetPathPrefix` (whole levels: `acme.plant-1` covers
   * `acme.plant-1.utilities…`, not `acme.plant-10…`; `''` = all); returns unsubscribe.
   */
  subscribeUns(assetPathPrefix: string, listener: UnsListener): () => void;
}
