// Use case "keep a source linked": one running source behind the Source port (OPC UA or MQTT,
// JSON or Sparkplug B). The link's decisions are recorded in the source's stream: SourceConnected
// and SourceLost (a loss also writes one Bad sample per tag carrying its last value, so the
// historian shows the outage), TagMapped for the tags a Sparkplug B birth defines, and
// SparkplugRebirthRequested for each rebirth the host asked of an edge node. A source that was
// never reachable is retried with backoff (reconnection after a first success is the adapter's).
// A failing source never throws into the others: every callback is contained here.
import type { UnsSampleBatch } from '@industrial/contracts';
import { ConnectivityErrorCode, SourceConnectError } from '../domain/errors.ts';
import { sourceConnected, sourceLost, sparkplugRebirthRequested, tagMapped, type ConnectivityEvent } from '../domain/events.ts';
import type { TagMapping } from '../domain/mapping.ts';
import { payloadFormatOf, type OverflowPolicy, type SourceSpec } from '../domain/source.ts';
import type {
  AutoMapped,
  BrowseNode,
  BufferedRow,
  ConnectivityLogger,
  ExplicitTagSettings,
  LinkState,
  OpenSource,
  SampleBuffer,
  Source,
  SourceHealth,
  SparkplugHealth,
} from '../ports.ts';
import type { RecordEvents } from './record-events.ts';
import { SourceSampler } from './sampling.ts';

export interface LinkDeps {
  openSource: OpenSource;
  buffer: SampleBuffer;
  record: RecordEvents;
  logger: ConnectivityLogger;
  clock: () => Date;
  overflowPolicy: OverflowPolicy;
  /** Backoff of the background connection of a source that was never reachable. */
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  onBuffered: (batches: readonly UnsSampleBatch[], rows: readonly BufferedRow[]) => void;
}

/** What a link knows about itself (source-health.ts adds the spec and the buffer's share). */
export type LinkSnapshot = Pick<
  SourceHealth,
  'state' | 'lastError' | 'lastChangeAt' | 'mappedTags' | 'samplesReceived' | 'batchesBuffered' | 'malformedPayloads' | 'sparkplug'
>;

export class SourceLink {
  readonly spec: SourceSpec;
  readonly #d: LinkDeps;
  readonly #sampler: SourceSampler;
  #mappings: TagMapping[] = [];
  #source: Source | null = null;
  #retry: NodeJS.Timeout | null = null;
  #events: Promise<void> = Promise.resolve();
  #state: LinkState = 'connecting';
  #lastError: string | null = null;
  #lastChangeAt: string | null = null;
  #malformed = 0;
  #stopped = false;
  #lostRecorded = false;
  #sp: Omit<SparkplugHealth, 'onlineEdgeNodes'> = { births: 0, deaths: 0, sequenceGaps: 0, lastSequenceGap: null, rebirthRequests: 0 };

  constructor(spec: SourceSpec, deps: LinkDeps, mappings: readonly TagMapping[] = []) {
    this.spec = spec;
    this.#d = deps;
    this.#mappings = [...mappings];
    this.#sampler = new SourceSampler(spec, {
      buffer: deps.buffer,
      logger: deps.logger,
      overflowPolicy: deps.overflowPolicy,
      now: () => this.#now(),
      emit: (events) => this.#emit(events),
      onBuffered: deps.onBuffered,
    });
  }

  get mappings(): readonly TagMapping[] {
    return this.#mappings;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** First connection; throws a SourceConnectError naming the cause (used by RegisterSource). */
  async connect(): Promise<void> {
    const spec = this.spec;
    const sampler = this.#sampler;
    const source = this.#d.openSource(spec, {
      onSample: (m, s) => sampler.add(m, s),
      onChange: (m, c) => sampler.change(m, c.value, c.statusCode, c.sourceTimestamp, c.serverTimestamp),
      onNotification: () => sampler.cutSoon(),
      onConnected: (i) => this.#onConnected(i.serverCertificateThumbprint, i.reconnected),
      onLost: (i) => this.#onLost(i.reason, i.statusCode, i.retryInMs),
      onMalformed: (address, reason) => {
        this.#malformed++;
        this.#lastError = reason;
        this.#d.logger.warn({ sourceId: spec.sourceId, topic: address, reason }, 'malformed MQTT payload refused');
      },
      onMapped: (mappings) => this.#onDiscovered(mappings),
      onSequenceGap: (gap) => {
        this.#sp.sequenceGaps++;
        this.#sp.lastSequenceGap = { edgeNode: gap.edgeNode, expected: gap.expected, got: gap.got, at: this.#now() };
        this.#lastError = `Sparkplug seq gap from ${gap.edgeNode}: expected ${gap.expected}, got ${gap.got ?? 'none'} (${gap.messageType})`;
        this.#d.logger.warn({ sourceId: spec.sourceId, ...gap }, 'Sparkplug B sequence gap: messages of the edge node were lost or reordered');
      },
      onRebirthRequested: (r) => {
        this.#sp.rebirthRequests++;
        this.#d.logger.info({ sourceId: spec.sourceId, ...r }, 'Sparkplug B rebirth requested');
        this.#emit([sparkplugRebirthRequested(spec.sourceId, r, this.#now())]);
      },
      onLifecycle: (l) => {
        if (l.birth) this.#sp.births++;
        if (l.death) this.#sp.deaths++;
      },
    });
    await source.connect();
    this.#source = source;
    sampler.startTimer();
  }

  /** Connects in the background, retrying with backoff; the first failure is recorded as SourceLost. */
  startSupervised(onConnect?: () => Promise<boolean>): void {
    let delay = this.#d.reconnect.initialDelayMs;
    const attempt = async () => {
      this.#retry = null;
      if (this.#stopped) return;
      try {
        await this.connect();
        // The hook may map (and so monitor) the source; otherwise monitor what it already had.
        const monitored = (await onConnect?.()) ?? false;
        if (!monitored) await this.#monitor();
      } catch (err) {
        if (this.#stopped) return;
        await this.#closeSource();
        const reason = err instanceof Error ? err.message : String(err);
        this.#lastError = reason;
        if (this.#state !== 'lost') this.#setState('lost');
        if (!this.#lostRecorded) {
          this.#lostRecorded = true;
          this.#emit([sourceLost(this.spec.sourceId, this.#now(), reason, null, delay)]);
        }
        this.#d.logger.warn({ sourceId: this.spec.sourceId, err: reason, retryInMs: delay }, 'source unreachable, retrying');
        this.#retry = setTimeout(() => void attempt(), delay);
        delay = Math.min(delay * 2, this.#d.reconnect.maxDelayMs);
      }
    };
    void attempt();
  }

  async browse(nodeId?: string): Promise<BrowseNode[]> {
    return this.#connectedSource().browse(nodeId);
  }

  async autoMap(root: string): Promise<AutoMapped> {
    return this.#connectedSource().autoMap(root);
  }

  async complete(mappings: readonly TagMapping[], explicit: readonly ExplicitTagSettings[]): Promise<TagMapping[]> {
    // An MQTT topic describes nothing: its explicit mapping is complete as given, connected or not.
    if (this.spec.protocol === 'mqtt') return [...mappings];
    return this.#connectedSource().complete(mappings, explicit);
  }

  /** Replaces or adds mappings (by address) and re-monitors. */
  async applyMappings(mappings: readonly TagMapping[]): Promise<void> {
    const byAddress = new Map(this.#mappings.map((m) => [m.address, m]));
    for (const m of mappings) byAddress.set(m.address, m);
    this.#mappings = [...byAddress.values()];
    if (this.connected) await this.#monitor();
  }

  /** Resolves when the events emitted so far are in the store. */
  settled(): Promise<void> {
    return this.#events;
  }

  snapshot(): LinkSnapshot {
    const sparkplug = this.spec.protocol === 'mqtt' && payloadFormatOf(this.spec) === 'sparkplug-b';
    return {
      state: this.#state,
      lastError: this.#lastError,
      lastChangeAt: this.#lastChangeAt,
      mappedTags: this.#mappings.length,
      samplesReceived: this.#sampler.samplesReceived,
      batchesBuffered: this.#sampler.batchesBuffered,
      malformedPayloads: this.#malformed,
      sparkplug: sparkplug ? { onlineEdgeNodes: this.#source?.onlineEdgeNodes() ?? [], ...this.#sp } : null,
    };
  }

  /** Stops sampling, writes what is pending to the buffer and closes the connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#sampler.stopTimer();
    await this.#closeSource();
    this.#sampler.cut();
    this.#state = 'stopped';
    await this.#events;
  }

  async #monitor(): Promise<void> {
    await this.#source?.monitor(this.#mappings);
  }

  #connectedSource(): Source {
    if (this.#source !== null) return this.#source;
    const cause = this.#lastError ? ` (${this.#lastError})` : '';
    throw new SourceConnectError(ConnectivityErrorCode.NotConnected, `source ${this.spec.sourceId} is not connected to ${this.spec.endpoint}${cause}`);
  }

  #now(): string {
    return this.#d.clock().toISOString();
  }

  #setState(s: LinkState): void {
    this.#state = s;
    this.#lastChangeAt = this.#now();
  }

  #emit(events: ConnectivityEvent[]): void {
    // Serialised per source so SourceLost/SourceConnected keep their order in the stream.
    this.#events = this.#events
      .then(() => this.#d.record(this.spec.sourceId, events))
      .catch((err: unknown) =>
        this.#d.logger.error({ err, sourceId: this.spec.sourceId, types: events.map((e) => e.type) }, 'could not record connectivity events'),
      );
  }

  #onConnected(thumbprint: string | null, reconnected: boolean): void {
    this.#setState('connected');
    this.#lostRecorded = false;
    this.#lastError = null;
    this.#d.logger.info({ sourceId: this.spec.sourceId, reconnected }, 'source connected');
    this.#emit([sourceConnected(this.spec, this.#now(), thumbprint, this.#d.buffer.usedSamples(this.spec.sourceId))]);
  }

  #onLost(reason: string, statusCode: number | null, retryInMs: number): void {
    if (this.#stopped) return;
    this.#setState('lost');
    this.#lastError = reason;
    this.#lostRecorded = true;
    const at = this.#now();
    this.#d.logger.warn({ sourceId: this.spec.sourceId, reason }, 'source lost');
    this.#emit([sourceLost(this.spec.sourceId, at, reason, statusCode, retryInMs)]);
    this.#sampler.markLost(this.#mappings, at);
  }

  /** Sparkplug B: tags defined by a birth join the source's mappings and are recorded (TagMapped). */
  #onDiscovered(mappings: readonly TagMapping[]): void {
    const byAddress = new Map(this.#mappings.map((m) => [m.address, m]));
    for (const m of mappings) byAddress.set(m.address, m);
    this.#mappings = [...byAddress.values()];
    this.#emit(mappings.map(tagMapped));
  }

  async #closeSource(): Promise<void> {
    const s = this.#source;
    this.#source = null;
    await s?.close();
  }
}
