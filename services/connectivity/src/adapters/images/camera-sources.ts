// The camera sources connectivity runs (#22), from configuration (CONNECTIVITY_CAMERAS_FILE):
// watched folders, MQTT binary payloads and one authenticated HTTP upload server, all feeding the
// one image intake (decode/check → content-addressed store → ImageCaptured, or ImageRejected and
// nothing stored). Started by app.ts after the tag sources, stopped before them.
import { authenticate, type KeySet } from '@industrial/access';
import { z } from 'zod';
import type { Kernel } from '@industrial/kernel';
import { DEFAULT_STATION_IMAGE, type StationImageSpec } from '../../domain/image-intake.ts';
import { imageIntake, recordSourceNotice } from '../../features/image-intake.ts';
import type { ConnectivityLogger } from '../../ports.ts';
import { watchFolder, type FolderSource } from './folder-source.ts';
import { startUploadServer, type UploadServer } from './http-upload.ts';
import { startMqttImageSource, type MqttImageSource } from './mqtt-image-source.ts';
import { imageStoreAt, visionDecoder } from './vision.ts';

const Token = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be lowercase letters, digits, "_" or "-"');

/** The cameras file (JSON): where images are stored and which sources feed them. */
export const CameraSourcesConfig = z.strictObject({
  /** The content-addressed image store folder (the one dataops and inference read). */
  storeDir: z.string().min(1),
  image: z.strictObject({ width: z.int().min(1), height: z.int().min(1), maxBytes: z.int().min(1) }).optional(),
  folders: z.array(z.strictObject({ sourceId: Token, stationId: Token, folder: z.string().min(1), pollMs: z.int().min(50).optional() })).default([]),
  mqtt: z
    .array(z.strictObject({ sourceId: Token, url: z.string().regex(/^mqtts?:\/\/\S+$/, 'must be an mqtt:// URL'), prefix: z.string().min(1) }))
    .default([]),
  /** One upload server (POST /api/v1/images/<station>?part=…, a bearer token); null = none. */
  upload: z
    .strictObject({ sourceId: Token, stations: z.array(Token).min(1), host: z.string().default('127.0.0.1'), port: z.int().min(0).max(65535) })
    .nullable()
    .default(null),
});
export type CameraSourcesConfig = z.infer<typeof CameraSourcesConfig>;

export interface CameraSources {
  /** The upload server's URL (null: none configured). */
  readonly uploadUrl: string | null;
  /** Polls every watched folder once (tests; the folders are polled on their own too). */
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export interface CameraSourcesDeps {
  readonly kernel: Kernel;
  readonly logger: ConnectivityLogger;
  /** Verifies upload tokens (required when an upload server is configured). */
  readonly keySet?: KeySet | (() => KeySet);
  readonly access?: { readonly issuer: string; readonly audience: string };
  readonly now?: () => string;
}

export async function startCameraSources(config: CameraSourcesConfig, deps: CameraSourcesDeps): Promise<CameraSources> {
  const now = deps.now ?? (() => new Date().toISOString());
  const spec: StationImageSpec = config.image ?? DEFAULT_STATION_IMAGE;
  const intake = imageIntake({ kernel: deps.kernel, decode: visionDecoder, store: imageStoreAt(config.storeDir), now, spec });
  const notice = (e: Parameters<typeof recordSourceNotice>[1]) => recordSourceNotice(deps.kernel, e);
  const onError = (e: unknown) => deps.logger.warn({ err: e }, 'camera source: one input could not be handled; the next is taken');
  const folders: FolderSource[] = config.folders.map((f) =>
    watchFolder({ sourceId: f.sourceId, stationId: f.stationId, folder: f.folder, intake, notice, now, onError, ...(f.pollMs ? { pollMs: f.pollMs } : {}) }),
  );
  const mqtt: MqttImageSource[] = [];
  let upload: UploadServer | null = null;
  try {
    for (const m of config.mqtt) mqtt.push(await startMqttImageSource({ sourceId: m.sourceId, url: m.url, prefix: m.prefix, intake, now, onError }));
    if (config.upload !== null) {
      const keySet = deps.keySet;
      if (keySet === undefined || deps.access === undefined) throw new Error('the camera upload server needs the access key set (ACCESS_KEYS_DIR)');
      const access = deps.access;
      upload = await startUploadServer({
        sourceId: config.upload.sourceId,
        stations: config.upload.stations,
        intake,
        record: notice,
        spec,
        now,
        host: config.upload.host,
        port: config.upload.port,
        authenticate: async (h) => {
          try {
            return { subject: (await authenticate(h, typeof keySet === 'function' ? keySet() : keySet, access)).subject };
          } catch {
            return null;
          }
        },
      });
    }
  } catch (error) {
    await Promise.all([...folders.map((f) => f.stop()), ...mqtt.map((m) => m.close())]);
    throw error;
  }
  deps.logger.info({ folders: folders.length, mqtt: mqtt.length, upload: upload?.url ?? null }, 'camera sources started');
  return {
    uploadUrl: upload?.url ?? null,
    poll: async () => {
      await Promise.all(folders.map((f) => f.poll()));
    },
    async stop() {
      await upload?.close();
      await Promise.all([...folders.map((f) => f.stop()), ...mqtt.map((m) => m.close())]);
    },
  };
}
