// One running source: its adapter (OPC UA or MQTT), its batcher and the timer that cuts a batch
// per asset every publishing interval into the store-and-forward buffer. Link changes become
// SourceConnected / SourceLost events and, on a loss, one Bad (BadNoCommunication) sample per tag
// carrying the last value, so the historian shows the outage. A failing source never throws into
// the others: every callback is contained here.
import type { OPCUACertificateManager } from 'node-opcua';
import { UNS_PREFIX, parseUnsSampleBatch, type UnsSample, type UnsSampleBatch } from '@industrial/contracts';
import type { BufferedRow, SqliteBuffer } from './adapters/buffer/sqlite-buffer.ts';
import { MqttSource } from './adapters/mqtt/mqtt-source.ts';
import { OpcUaSource, type BrowseNode } from './adapters/opcua/opcua-source.ts';
import type { Recorder } from './adapters/eventstore/record.ts';
import { batchIdOf } from './adapters/ids.ts';
import { Batcher } from './domain/batcher.ts';
import { ConnectivityErrorCode, SourceConnectError } from './domain/errors.ts';
import { bufferOverflowed, sourceConnected, sourceLost, sparkplugRebirthRequested, tagMapped, type ConnectivityEvent } from './domain/events.ts';
import type { TagMapping } from './domain/mapping.ts';
import { StatusCode, qualityOf } from './domain/quality.ts';
import { payloadFormatOf, type OverflowPolicy, type SourceSpec } from './domain/source.ts';

export interface RuntimeLogger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export type LinkState = 'connecting' | 'connected' | 'lost' | 'stopped';

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

export interface RuntimeDeps {
  buffer: SqliteBuffer;
  record: Recorder;
  logger: RuntimeLogger;
  clock: () => Date;
  certificateManager: OPCUACertificateManager;
  applicationUri: string;
  overflowPolicy: OverflowPolicy;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Batches were written to the buffer (`rows`: as stored, in buffer order, for the forwarder). */
  onBuffered: (batches: readonly UnsSampleBatch[], rows: readonly BufferedRow[]) => void;
}

export class SourceRuntime {
  readonly spec: SourceSpec;
  readonly #d: RuntimeDeps;
  readonly #batcher: Batcher;
  #mappings: TagMapping[] = [];
  readonly #last = new Map<string, UnsSample['value']>();
  #opcua: OpcUaSource | null = null;
  #mqtt: MqttSource | null = null;
  #timer: NodeJS.Timeout | null = null;
  #cutScheduled = false;
  #retry: NodeJS.Timeout | null = null;
  #events: Promise<void> = Promise.resolve();
  #state: LinkState = 'connecting';
  #lastError: string | null = null;
  #lastChangeAt: string | null = null;
  #samples = 0;
  #batches = 0;
  #malformed = 0;
  #stopped = false;
  #lostRecorded = false;
  #sp: Omit<SparkplugHealth, 'onlineEdgeNodes'> = { births: 0, deaths: 0, sequenceGaps: 0, lastSequenceGap: null, rebirthRequests: 0 };

  constructor(spec: SourceSpec, deps: RuntimeDeps, mappings: readonly TagMapping[] = []) {
    this.spec = spec;
    this.#d = deps;
    this.#mappings = [...mappings];
    this.#batcher = new Batcher(spec.sourceId, deps.buffer.lastSequences(spec.sourceId));
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
    if (spec.protocol === 'opcua') {
      const src = new OpcUaSource({
        spec,
        certificateManager: this.#d.certificateManager,
        applicationName: 'industrial-connectivity',
        applicationUri: this.#d.applicationUri,
        initialDelayMs: this.#d.reconnect.initialDelayMs,
        maxDelayMs: this.#d.reconnect.maxDelayMs,
        handlers: {
          onChange: (m, c) => this.#onChange(m, c.value, c.statusCode, c.sourceTimestamp, c.serverTimestamp),
          onNotification: () => this.#cutSoon(),
          onConnected: (i) => this.#onConnected(i.serverCertificateThumbprint, i.reconnected),
          onLost: (i) => this.#onLost(i.reason, i.statusCode, i.retryInMs),
        },
      });
      await src.connect();
      this.#opcua = src;
    } else {
      const src = new MqttSource(spec, {
        onSample: (m, s) => this.#add(m, s),
        onMalformed: (topic, reason) => {
          this.#malformed++;
          this.#lastError = reason;
          this.#d.logger.warn({ sourceId: spec.sourceId, topic, reason }, 'malformed MQTT payload refused');
        },
        onConnected: (i) => this.#onConnected(null, i.reconnected),
        onLost: (i) => this.#onLost(i.reason, null, i.retryInMs),
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
      await src.connect();
      this.#mqtt = src;
    }
    this.#startTimer();
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
        await this.#closeAdapters();
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
    if (this.#opcua === null) throw this.#notConnected();
    return this.#opcua.browse(nodeId);
  }

  async autoMap(root: string): Promise<{ mappings: TagMapping[]; skipped: { address: string; reason: string }[] }> {
    if (this.#opcua === null) throw this.#notConnected();
    return this.#opcua.autoMap(root, this.spec.subscription.samplingIntervalMs);
  }

  async complete(mappings: readonly TagMapping[], explicit: readonly { unit?: string; range?: unknown; dataType?: TagMapping['dataType'] }[]): Promise<TagMapping[]> {
    if (this.spec.protocol === 'mqtt') return [...mappings];
    if (this.#opcua === null) throw this.#notConnected();
    return this.#opcua.complete(mappings, explicit);
  }

  /** Replaces or adds mappings (by address) and re-monitors. */
  async applyMappings(mappings: readonly TagMapping[]): Promise<void> {
    const byAddress = new Map(this.#mappings.map((m) => [m.address, m]));
    for (const m of mappings) byAddress.set(m.address, m);
    this.#mappings = [...byAddress.values()];
    if (this.connected) await this.#monitor();
  }

  async #monitor(): Promise<void> {
    if (this.#opcua) await this.#opcua.monitor(this.#mappings, this.spec.subscription);
    if (this.#mqtt) await this.#mqtt.monitor(this.#mappings);
  }

  #notConnected(): SourceConnectError {
    return new SourceConnectError(ConnectivityErrorCode.NotConnected, `source ${this.spec.sourceId} is not connected to ${this.spec.endpoint}${this.#lastError ? ` (${this.#lastError})` : ''}`);
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
      .catch((err: unknown) => this.#d.logger.error({ err, sourceId: this.spec.sourceId, types: events.map((e) => e.type) }, 'could not record connectivity events'));
  }

  /** Resolves when the events emitted so far are in the store. */
  settled(): Promise<void> {
    return this.#events;
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
    // Mark the outage in the data itself: the last value of every tag, Bad.
    const quality = qualityOf(StatusCode.BadNoCommunication);
    for (const m of this.#mappings) {
      const value = this.#last.get(m.address);
      if (value === undefined) continue;
      const sample: UnsSample = { tag: m.tag, value, quality, sourceTimestamp: at, serverTimestamp: at };
      if (m.unit !== undefined && typeof value === 'number') sample.unit = m.unit;
      this.#batcher.add(m.assetPath, sample);
    }
    this.#cut();
  }

  /** Sparkplug B: tags defined by a birth join the source's mappings and are recorded (TagMapped). */
  #onDiscovered(mappings: readonly TagMapping[]): void {
    const byAddress = new Map(this.#mappings.map((m) => [m.address, m]));
    for (const m of mappings) byAddress.set(m.address, m);
    this.#mappings = [...byAddress.values()];
    const events = mappings.map(tagMapped);
    // The store takes at most 10 000 events per append.
    for (let i = 0; i < events.length; i += 5_000) this.#emit(events.slice(i, i + 5_000));
  }

  #onChange(m: TagMapping, raw: UnsSample['value'] | undefined, statusCode: number, sourceTimestamp: string, serverTimestamp: string): void {
    const value = raw ?? this.#last.get(m.address);
    if (value === undefined) return; // Bad before any value: nothing a sample can carry
    const sample: UnsSample = { tag: m.tag, value, quality: qualityOf(statusCode), sourceTimestamp, serverTimestamp };
    if (m.unit !== undefined && typeof value === 'number') sample.unit = m.unit;
    this.#add(m, sample);
  }

  #add(m: TagMapping, sample: UnsSample): void {
    this.#samples++;
    this.#last.set(m.address, sample.value);
    this.#batcher.add(m.assetPath, sample);
  }

  /**
   * OPC UA: cut once the publish response being delivered is fully handled. node-opcua emits every
   * `changed` of one notification message synchronously, so a cut scheduled with setImmediate runs
   * after the last of them: one batch per asset per publish response (= per publishing interval),
   * without waiting up to another interval for the timer.
   */
  #cutSoon(): void {
    if (this.#cutScheduled) return;
    this.#cutScheduled = true;
    setImmediate(() => {
      this.#cutScheduled = false;
      this.#cut();
    });
  }

  #startTimer(): void {
    // MQTT has no publish cycle: its samples are cut by this timer. For OPC UA it only catches what
    // arrived outside a notification (nothing, normally).
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#cut(), this.spec.subscription.publishingIntervalMs);
  }

  /** Cuts the pending samples into batches, validates them and writes them to the buffer. */
  #cut(): void {
    if (this.#batcher.pendingSamples === 0) return;
    const cut = this.#batcher.cut(this.#now(), batchIdOf);
    const valid: (typeof cut[number] & { subject: string })[] = [];
    for (const b of cut) {
      try {
        parseUnsSampleBatch(b.batch);
        // assetPath was just validated by the schema: its tokens are subject-safe.
        valid.push({ ...b, subject: `${UNS_PREFIX}.${b.batch.assetPath}` });
      } catch (err) {
        this.#d.logger.error({ err, sourceId: this.spec.sourceId, assetPath: b.assetPath }, 'batch refused by the UnsSampleBatch schema; dropped');
      }
    }
    try {
      const { overflow, rows } = this.#d.buffer.append({ sourceId: this.spec.sourceId, capacity: this.spec.bufferCapacity, policy: this.#d.overflowPolicy, batches: valid });
      this.#batches += valid.length;
      if (overflow !== null) {
        this.#d.logger.warn({ ...overflow }, 'store-and-forward buffer full: samples dropped');
        this.#emit([bufferOverflowed(overflow.sourceId, overflow.droppedSamples, overflow.capacity, overflow.policy, overflow.oldestDroppedAt, overflow.newestDroppedAt)]);
      }
      this.#d.onBuffered(
        valid.map((v) => v.batch),
        rows,
      );
    } catch (err) {
      this.#d.logger.error({ err, sourceId: this.spec.sourceId }, 'could not write to the store-and-forward buffer');
    }
  }

  health(): SourceHealth {
    return {
      sourceId: this.spec.sourceId,
      name: this.spec.name,
      protocol: this.spec.protocol,
      endpoint: this.spec.endpoint,
      state: this.#state,
      lastError: this.#lastError,
      lastChangeAt: this.#lastChangeAt,
      mappedTags: this.#mappings.length,
      samplesReceived: this.#samples,
      batchesBuffered: this.#batches,
      malformedPayloads: this.#malformed,
      bufferedSamples: this.#d.buffer.usedSamples(this.spec.sourceId),
      droppedSamples: this.#d.buffer.droppedSamples(this.spec.sourceId),
      bufferCapacity: this.spec.bufferCapacity,
      sparkplug: this.spec.protocol === 'mqtt' && payloadFormatOf(this.spec) === 'sparkplug-b' ? { onlineEdgeNodes: this.#mqtt?.onlineEdgeNodes() ?? [], ...this.#sp } : null,
    };
  }

  async #closeAdapters(): Promise<void> {
    const o = this.#opcua;
    const m = this.#mqtt;
    this.#opcua = null;
    this.#mqtt = null;
    await Promise.all([o?.close(), m?.close()]);
  }

  /** Stops sampling, writes what is pending to the buffer and closes the session. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#closeAdapters();
    this.#cut();
    this.#state = 'stopped';
    await this.#events;
  }
}
