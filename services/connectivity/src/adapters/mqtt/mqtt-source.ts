// MQTT adapter: subscribes to the mapped topics of one broker and hands each JSON payload to the
// domain decoder, or, with payloadFormat sparkplug-b, subscribes `spBv1.0/<group>/#`, decodes each
// Sparkplug B payload and runs it through the host state machine (tags come from the births; it
// publishes the NCMD rebirth requests the state machine asks for). mqtt.js reconnects by itself
// (reconnectPeriod); losses and returns are reported like OPC UA's. A malformed payload is refused
// with its reason and never stops the others. Implements the Source port (src/ports.ts); MQTT has
// no address space to browse: topics are mapped explicitly (JSON) or by births (Sparkplug B).
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { ConnectivityErrorCode, InvalidSourceInputError, SourceConnectError } from '../../domain/errors.ts';
import type { TagMapping } from '../../domain/mapping.ts';
import { decodeMqttPayload } from '../../domain/mqtt-payload.ts';
import { payloadFormatOf, type MqttSourceSpec } from '../../domain/source.ts';
import { ncmdTopic, parseSparkplugTopic, REBIRTH_METRIC, SparkplugHost, type RebirthRequest } from '../../domain/sparkplug/host.ts';
import { DataType } from '../../domain/sparkplug/payload.ts';
import { decodePayload, encodePayload } from './sparkplug-codec.ts';
import type { AutoMapped, BrowseNode, Source, SourceEvents } from '../../ports.ts';

/** What an MQTT source reports (`onMalformed` address: the topic the refused payload or metric came on). */
export type MqttHandlers = Pick<SourceEvents, 'onSample' | 'onMalformed' | 'onConnected' | 'onLost'> &
  Partial<Pick<SourceEvents, 'onMapped' | 'onSequenceGap' | 'onRebirthRequested' | 'onLifecycle'>>;

export const RECONNECT_MS = 1_000;

export class MqttSource implements Source {
  readonly #spec: MqttSourceSpec;
  readonly #handlers: MqttHandlers;
  #client: MqttClient | null = null;
  #byTopic = new Map<string, TagMapping>();
  #connectedOnce = false;
  #lost = false;
  readonly #sparkplug: SparkplugHost | null;

  constructor(spec: MqttSourceSpec, handlers: MqttHandlers) {
    this.#spec = spec;
    this.#handlers = handlers;
    const sp = spec.sparkplug;
    this.#sparkplug = payloadFormatOf(spec) === 'sparkplug-b' && sp ? new SparkplugHost(spec.sourceId, sp, spec.subscription.samplingIntervalMs) : null;
  }

  /** Sparkplug B edge nodes whose birth is current; null for a JSON source. */
  onlineEdgeNodes(): string[] | null {
    return this.#sparkplug?.onlineNodes() ?? null;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  async connect(): Promise<void> {
    const auth = this.#spec.auth.kind === 'userPassword' ? { username: this.#spec.auth.username, password: this.#spec.auth.password } : {};
    let client: MqttClient;
    try {
      client = await connectAsync(
        this.#spec.endpoint,
        {
          ...auth,
          // Unique per connection: a broker drops the older of two clients with one id, and the two
          // then take each other over forever. The first 8 characters of a source id (+ pid) were not
          // unique (ids of one plant often share them; other hosts or containers reuse pids).
          clientId: `connectivity-${this.#spec.sourceId}-${randomBytes(4).toString('hex')}`,
          reconnectPeriod: RECONNECT_MS,
          connectTimeout: 5_000,
          clean: true,
        },
        false,
      );
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const code = /not authori[sz]ed|bad user ?name or password/i.test(msg) ? ConnectivityErrorCode.AuthenticationFailed : ConnectivityErrorCode.Unreachable;
      throw new SourceConnectError(
        code,
        code === ConnectivityErrorCode.AuthenticationFailed
          ? `${this.#spec.endpoint} refused the credentials (${msg})`
          : `cannot connect to ${this.#spec.endpoint}: ${msg}`,
        err,
      );
    }
    this.#client = client;
    this.#connectedOnce = true;
    client.on('message', (topic, payload) => {
      if (this.#sparkplug !== null) {
        this.#onSparkplug(this.#sparkplug, topic, payload);
        return;
      }
      const m = this.#byTopic.get(topic);
      if (m === undefined) return;
      // Nothing may throw out of here: mqtt.js runs this inside its packet handler, and an
      // exception there is uncaught (it took the process, or at least this client, down).
      let r: ReturnType<typeof decodeMqttPayload>;
      try {
        r = decodeMqttPayload(payload.toString('utf8'), m, new Date().toISOString());
      } catch (err) {
        r = { ok: false, reason: `payload on ${topic} could not be decoded (${err instanceof Error ? err.message : String(err)})` };
      }
      if (r.ok) this.#handlers.onSample(m, r.sample);
      else this.#handlers.onMalformed(m.address, r.reason);
    });
    client.on('close', () => {
      if (this.#lost || !this.#connectedOnce) return;
      this.#lost = true;
      this.#handlers.onLost({ reason: `connection to ${this.#spec.endpoint} lost`, statusCode: null, retryInMs: RECONNECT_MS });
    });
    client.on('connect', () => {
      if (!this.#lost) return;
      this.#lost = false;
      // clean session: subscriptions are gone after a reconnect (Sparkplug: messages missed
      // meanwhile show as a seq gap, which asks for a rebirth)
      void this.#subscribe(this.#topics()).catch(() => {});
      this.#handlers.onConnected({ serverCertificateThumbprint: null, reconnected: true });
    });
    client.on('error', () => {
      // reported through close/reconnect; mqtt.js keeps retrying
    });
    if (this.#sparkplug !== null) {
      try {
        await this.#subscribe(this.#topics());
      } catch (err) {
        await client.endAsync(true).catch(() => {});
        this.#client = null;
        throw new SourceConnectError(
          ConnectivityErrorCode.Unreachable,
          `${this.#spec.endpoint} refused the subscription to ${this.#sparkplug.subscription}: ${err instanceof Error ? err.message : String(err)}`,
          err,
        );
      }
    }
    this.#handlers.onConnected({ serverCertificateThumbprint: null, reconnected: false });
  }

  #topics(): string[] {
    return this.#sparkplug !== null ? [this.#sparkplug.subscription] : [...this.#byTopic.keys()];
  }

  #onSparkplug(host: SparkplugHost, topic: string, payload: Buffer): void {
    // Same rule as JSON: nothing may throw into mqtt.js.
    try {
      const t = parseSparkplugTopic(topic);
      if (t === null) return; // STATE, or not Sparkplug
      let decoded: ReturnType<typeof decodePayload>;
      try {
        decoded = decodePayload(payload);
      } catch (err) {
        this.#handlers.onMalformed(topic, `Sparkplug B payload on ${topic} refused: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      const out = host.handle(t, decoded, Date.now());
      if (out.mapped.length > 0) this.#handlers.onMapped?.(out.mapped);
      for (const s of out.samples) this.#handlers.onSample(s.mapping, s.sample);
      for (const reason of out.refused) this.#handlers.onMalformed(topic, reason);
      if (out.gap) this.#handlers.onSequenceGap?.(out.gap);
      if (out.birth || out.death) this.#handlers.onLifecycle?.({ birth: out.birth, death: out.death });
      if (out.rebirth) this.#requestRebirth(t.group, out.rebirth);
    } catch (err) {
      this.#handlers.onMalformed(topic, `Sparkplug B message on ${topic} could not be handled (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /** NCMD `Node Control/Rebirth` = true (QoS 0, not retained, as Sparkplug asks of commands). */
  #requestRebirth(group: string, r: RebirthRequest): void {
    const edgeNode = r.edgeNode;
    const c = this.#client;
    if (c === null) return;
    const now = BigInt(Date.now());
    const topic = ncmdTopic(group, edgeNode);
    const payload = encodePayload({
      timestamp: now,
      metrics: [{ name: REBIRTH_METRIC, timestamp: now, datatype: DataType.Boolean, value: { field: 'boolean', value: true } }],
    });
    c.publish(topic, Buffer.from(payload), { qos: 0, retain: false }, () => {});
    this.#handlers.onRebirthRequested?.({ ...r, groupId: group, topic });
  }

  async monitor(mappings: readonly TagMapping[]): Promise<void> {
    // Sparkplug B: one subscription for the group, made at connect; tags come from births.
    if (this.#sparkplug !== null) return;
    const topics = mappings.map((m) => m.address);
    const old = [...this.#byTopic.keys()].filter((t) => !topics.includes(t));
    this.#byTopic = new Map(mappings.map((m) => [m.address, m]));
    if (this.#client === null) return;
    if (old.length > 0) await this.#client.unsubscribeAsync(old).catch(() => {});
    await this.#subscribe(topics);
  }

  async #subscribe(topics: string[]): Promise<void> {
    if (this.#client === null || topics.length === 0) return;
    await this.#client.subscribeAsync(topics, { qos: 1 });
  }

  browse(): Promise<BrowseNode[]> {
    return Promise.reject(this.#noAddressSpace('browsing'));
  }

  autoMap(): Promise<AutoMapped> {
    return Promise.reject(this.#noAddressSpace('automatic mapping'));
  }

  /** A topic describes nothing: the explicit mapping is complete as given. */
  async complete(mappings: readonly TagMapping[]): Promise<TagMapping[]> {
    return [...mappings];
  }

  #noAddressSpace(what: string): InvalidSourceInputError {
    return new InvalidSourceInputError(
      'source_id',
      `${what} reads OPC UA address spaces; ${this.#spec.sourceId} is an MQTT source (map its topics explicitly)`,
    );
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    this.#lost = true;
    if (c) await c.endAsync(true).catch(() => {});
  }
}
