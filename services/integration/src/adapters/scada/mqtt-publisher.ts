// Prompts into SCADA over MQTT: as plain UNS JSON (retained on
// <root>/<enterprise>/<site>/<area>/<line>/<asset>/prompts/<id>, cleared when done) and as a
// Sparkplug B edge node (NBIRTH with bdSeq on connect, the NDEATH as the connection's will, a
// DBIRTH per asset device, DDATA on each change), so Ignition and other Sparkplug hosts show them.
import mqtt, { type MqttClient } from 'mqtt';
import { deviceOf, promptMetrics, SparkplugDataType, SpSequence, spTopic } from '../../domain/sparkplug.ts';
import type { PromptFollower } from '../../features/prompts.ts';
import type { PromptView } from '../../ports.ts';
import { encodePayload } from './sparkplug-codec.ts';

export interface MqttPublisherOptions {
  url: string;
  /** Root of the plain UNS topics, e.g. "uns" (tests: a unique root). */
  unsRoot: string;
  /** Sparkplug group id and edge node id. */
  group: string;
  edgeNode: string;
  clientId?: string;
  now?: () => number;
}

export interface MqttPublisher extends PromptFollower {
  start(): Promise<void>;
  /** Graceful: publishes the NDEATH itself, then disconnects. */
  stop(): Promise<void>;
  /** Abrupt: drops the connection (the broker publishes the will), for tests of a lost edge node. */
  kill(): void;
}

export function mqttPublisher(o: MqttPublisherOptions): MqttPublisher {
  const now = o.now ?? Date.now;
  const seq = new SpSequence();
  const born = new Set<string>();
  const current = new Map<string, PromptView & { acknowledged: boolean; active: boolean }>();
  let client: MqttClient | null = null;
  let bdSeq = 0n;

  const bd = (v: bigint) => ({ name: 'bdSeq', datatype: SparkplugDataType.UInt64, value: v, timestamp: BigInt(now()) });
  const publish = (topic: string, payload: Uint8Array | string, retain = false): Promise<void> =>
    new Promise((resolve, reject) => {
      if (client === null) return reject(new Error('MQTT publisher not started'));
      client.publish(topic, Buffer.from(payload), { qos: 1, retain }, (err) => (err ? reject(err) : resolve()));
    });

  async function birth(): Promise<void> {
    await publish(spTopic(o.group, 'NBIRTH', o.edgeNode), encodePayload({ timestamp: BigInt(now()), seq: seq.next(), metrics: [bd(bdSeq)] }));
    born.clear();
    for (const p of current.values()) await device(p);
  }

  async function device(p: PromptView & { acknowledged: boolean; active: boolean }): Promise<void> {
    const dev = deviceOf(p.assetPath);
    const metrics = promptMetrics(
      { recommendationId: p.recommendationId, message: p.message ?? '', priority: p.priority, actBy: p.actBy, active: p.active, acknowledged: p.acknowledged },
      now(),
    );
    const type = born.has(dev) ? 'DDATA' : 'DBIRTH';
    born.add(dev);
    await publish(spTopic(o.group, type, o.edgeNode, dev), encodePayload({ timestamp: BigInt(now()), seq: seq.next(), metrics }));
    const uns = `${o.unsRoot}/${p.assetPath.split('.').join('/')}/prompts/${p.recommendationId}`;
    if (p.active)
      await publish(
        uns,
        JSON.stringify({ recommendationId: p.recommendationId, message: p.message, priority: p.priority, actBy: p.actBy, acknowledged: p.acknowledged }),
        true,
      );
    else await publish(uns, '', true); // an empty retained message clears the topic
  }

  return {
    async start() {
      bdSeq = seq.nextSession();
      client = mqtt.connect(o.url, {
        clientId: o.clientId ?? `${o.group}-${o.edgeNode}`,
        clean: true,
        reconnectPeriod: 1_000,
        will: {
          topic: spTopic(o.group, 'NDEATH', o.edgeNode),
          payload: Buffer.from(encodePayload({ timestamp: BigInt(now()), seq: null, metrics: [bd(bdSeq)] })),
          qos: 1,
          retain: false,
        },
      });
      client.on('connect', () => void birth().catch(() => undefined));
      await new Promise<void>((resolve, reject) => {
        client?.once('connect', () => resolve());
        client?.once('error', reject);
      });
    },
    async stop() {
      if (client === null) return;
      await publish(spTopic(o.group, 'NDEATH', o.edgeNode), encodePayload({ timestamp: BigInt(now()), seq: null, metrics: [bd(bdSeq)] }));
      await client.endAsync();
      client = null;
    },
    kill() {
      client?.stream.destroy();
      client?.end(true);
      client = null;
    },
    async raised(prompt) {
      const p = { ...prompt, acknowledged: false, active: true };
      current.set(prompt.assetPath, p);
      await device(p);
    },
    async acknowledged(prompt) {
      const p = current.get(prompt.assetPath);
      if (p?.recommendationId !== prompt.recommendationId) return;
      p.acknowledged = true;
      await device(p);
    },
    async done(prompt) {
      const p = current.get(prompt.assetPath);
      if (p?.recommendationId !== prompt.recommendationId) return;
      p.active = false;
      await device(p);
      current.delete(prompt.assetPath);
    },
  };
}
