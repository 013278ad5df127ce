// Mirror of the UNS to an MQTT broker, for MQTT-only consumers: each batch JetStream stored is
// published once more, best effort (NATS is the system of record).
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { RECONNECT_MS } from './mqtt-source.ts';

/** Mirrors UNS batches to an MQTT broker (QoS 1, topic = prefix + asset path with `/`). */
export class MqttMirror {
  readonly #client: MqttClient;
  readonly #prefix: string;
  constructor(client: MqttClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix.replace(/\/+$/, '');
  }

  static async connect(url: string, prefix: string): Promise<MqttMirror> {
    const client = await connectAsync(
      url,
      { reconnectPeriod: RECONNECT_MS, connectTimeout: 5_000, clientId: `connectivity-mirror-${randomBytes(6).toString('hex')}` },
      false,
    );
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
