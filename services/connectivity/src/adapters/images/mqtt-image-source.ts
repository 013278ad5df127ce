// MQTT camera source: binary image payloads on `<prefix>/<stationId>/<partId>` (QoS 1), the
// capture time in the MQTT 5 user property `capturedAt` (else the arrival time). Each message is
// handed to the intake on its own; a bad payload is recorded and the next one goes on.
import mqtt, { type MqttClient } from 'mqtt';
import type { ImageEvent } from '../../domain/image-intake.ts';
import type { ImageIntake } from '../../features/image-intake.ts';

export interface MqttImageSourceOptions {
  readonly sourceId: string;
  readonly url: string;
  readonly prefix: string;
  readonly intake: ImageIntake;
  readonly now: () => string;
  readonly onEvent?: (event: ImageEvent) => void;
  readonly onError?: (e: unknown) => void;
  readonly username?: string;
  readonly password?: string;
}

export interface MqttImageSource {
  close(): Promise<void>;
}

export async function startMqttImageSource(o: MqttImageSourceOptions): Promise<MqttImageSource> {
  const client: MqttClient = await mqtt.connectAsync(o.url, {
    protocolVersion: 5,
    reconnectPeriod: 1000,
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
  });
  let chain: Promise<void> = Promise.resolve();
  client.on('message', (topic, payload, packet) => {
    const rest = topic.slice(o.prefix.length + 1).split('/');
    if (!/^[a-z0-9_-]{1,64}$/.test(rest[0] ?? '')) {
      o.onError?.(new Error(`topic ${topic}: the station level must be lowercase letters, digits, "_" or "-"`));
      return;
    }
    const props = packet.properties?.userProperties as Record<string, string | string[]> | undefined;
    const at = props?.['capturedAt'];
    chain = chain
      .then(() =>
        o.intake({
          sourceId: o.sourceId,
          stationId: rest[0] ?? '',
          partId: rest[1] && rest.length === 2 ? rest[1] : null,
          via: 'mqtt',
          origin: topic,
          bytes: new Uint8Array(payload),
          capturedAt: typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : o.now(),
        }),
      )
      .then((ev) => o.onEvent?.(ev))
      .catch((e: unknown) => o.onError?.(e));
  });
  await client.subscribeAsync(`${o.prefix}/#`, { qos: 1 });
  return {
    async close() {
      await chain;
      await client.endAsync();
    },
  };
}
