// MQTT adapter: subscribes to the mapped topics of one broker and hands each JSON payload to the
// domain decoder. mqtt.js reconnects by itself (reconnectPeriod); losses and returns are reported
// like OPC UA's. A malformed payload is refused with its reason and never stops the others.
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import type { UnsSample } from '@industrial/contracts';
import { ConnectivityErrorCode, SourceConnectError } from '../../domain/errors.ts';
import type { TagMapping } from '../../domain/mapping.ts';
import { decodeMqttPayload } from '../../domain/mqtt-payload.ts';
import type { MqttSourceSpec } from '../../domain/source.ts';

export interface MqttHandlers {
  onSample(mapping: TagMapping, sample: UnsSample): void;
  onMalformed(mapping: TagMapping, reason: string): void;
  onConnected(info: { reconnected: boolean }): void;
  onLost(info: { reason: string; retryInMs: number }): void;
}

const RECONNECT_MS = 1_000;

export class MqttSource {
  readonly #spec: MqttSourceSpec;
  readonly #handlers: MqttHandlers;
  #client: MqttClient | null = null;
  #byTopic = new Map<string, TagMapping>();
  #connectedOnce = false;
  #lost = false;

  constructor(spec: MqttSourceSpec, handlers: MqttHandlers) {
    this.#spec = spec;
    this.#handlers = handlers;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  async connect(): Promise<void> {
    const auth = this.#spec.auth.kind === 'userPassword' ? { username: this.#spec.auth.username, password: this.#spec.auth.password } : {};
    let client: MqttClient;
    try {
      client = await connectAsync(this.#spec.endpoint, {
        ...auth,
        // Unique per connection: a broker drops the older of two clients with one id, and the two
        // then take each other over forever. The first 8 characters of a source id (+ pid) were not
        // unique (ids of one plant often share them; other hosts or containers reuse pids).
        clientId: `connectivity-${this.#spec.sourceId}-${randomBytes(4).toString('hex')}`,
        reconnectPeriod: RECONNECT_MS,
        connectTimeout: 5_000,
        clean: true,
      }, false);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const code = /not authori[sz]ed|bad user ?name or password/i.test(msg) ? ConnectivityErrorCode.AuthenticationFailed : ConnectivityErrorCode.Unreachable;
      throw new SourceConnectError(code, code === ConnectivityErrorCode.AuthenticationFailed ? `${this.#spec.endpoint} refused the credentials (${msg})` : `cannot connect to ${this.#spec.endpoint}: ${msg}`, err);
    }
    this.#client = client;
    this.#connectedOnce = true;
    client.on('message', (topic, payload) => {
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
      else this.#handlers.onMalformed(m, r.reason);
    });
    client.on('close', () => {
      if (this.#lost || !this.#connectedOnce) return;
      this.#lost = true;
      this.#handlers.onLost({ reason: `connection to ${this.#spec.endpoint} lost`, retryInMs: RECONNECT_MS });
    });
    client.on('connect', () => {
      if (!this.#lost) return;
      this.#lost = false;
      // clean session: subscriptions are gone after a reconnect
      void this.#subscribe([...this.#byTopic.keys()]).catch(() => {});
      this.#handlers.onConnected({ reconnected: true });
    });
    client.on('error', () => {
      // reported through close/reconnect; mqtt.js keeps retrying
    });
    this.#handlers.onConnected({ reconnected: false });
  }

  async monitor(mappings: readonly TagMapping[]): Promise<void> {
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

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = null;
    this.#lost = true;
    if (c) await c.endAsync(true).catch(() => {});
  }
}

/** Mirrors UNS batches to an MQTT broker (QoS 1, topic = prefix + asset path with `/`). */
export class MqttMirror {
  readonly #client: MqttClient;
  readonly #prefix: string;
  constructor(client: MqttClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix.replace(/\/+$/, '');
  }

  static async connect(url: string, prefix: string): Promise<MqttMirror> {
    const client = await connectAsync(url, { reconnectPeriod: RECONNECT_MS, connectTimeout: 5_000, clientId: `connectivity-mirror-${randomBytes(6).toString('hex')}` }, false);
    client.on('error', () => {});
    return new MqttMirror(client, prefix);
  }

  publish(assetPath: string, payload: string): void {
    // Best effort: NATS is the system of record; the mirror is for MQTT-only consumers.
    this.#client.publish(`${this.#prefix}/${assetPath.split('.').join('/')}`, payload, { qos: 1 }, () => {});
  }

  async close(): Promise<void> {
    await this.#client.endAsync().catch(() => {});
  }
}
