// Camera image sources (#22) against real things: a SQLite event store under the command
// kernel, the content-addressed store in a temporary folder, a real HTTP server with tokens of
// @industrial/access, the loopback Mosquitto. Bad inputs are recorded as ImageRejected and
// store nothing; the other parts of the station are still taken in.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, createKeySet, importKeySet, importSigningKey, issueToken } from '@industrial/access';
import { Service, streamFor } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { encodePgm, ImageStore } from '@industrial/vision';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATION_IMAGE, type ImageEvent } from '../src/domain/image-intake.ts';
import { imageIntake, recordSourceNotice, type ImageIntake } from '../src/features/image-intake.ts';
import { watchFolder } from '../src/adapters/images/folder-source.ts';
import { startUploadServer } from '../src/adapters/images/http-upload.ts';
import { startMqttImageSource } from '../src/adapters/images/mqtt-image-source.ts';
import { imageStoreAt, visionDecoder } from '../src/adapters/images/vision.ts';
import { makeStore } from './fixture.ts';

const DEEPPCB = join(import.meta.dirname, '../../../../shared/datasets/deeppcb/PCBData/group00041/00041/00041000_test.jpg');
const spec = { ...DEFAULT_STATION_IMAGE, maxBytes: 2 * 1024 * 1024 };
const good = (seed: number): Uint8Array => {
  const data = new Uint8Array(640 * 640);
  for (let i = 0; i < data.length; i++) data[i] = (i * seed) % 7 === 0 ? 255 : 0;
  return encodePgm({ width: 640, height: 640, data });
};
const jpeg = existsSync(DEEPPCB) ? new Uint8Array(readFileSync(DEEPPCB)) : good(3);

let dir: string, store: EventStore, kernel: Kernel, images: ImageStore, intake: ImageIntake;
const events = async (sourceId: string): Promise<ImageEvent[]> =>
  (await kernel.read(streamFor('ImageCaptured', sourceId))).map((e) => ({ type: e.type, data: e.data }) as ImageEvent);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conn-images-'));
  store = await makeStore(dir);
  kernel = createKernel({ service: Service.Connectivity, store });
  images = new ImageStore(join(dir, 'images'));
  intake = imageIntake({ kernel, decode: visionDecoder, store: imageStoreAt(images.root), now: () => new Date().toISOString(), spec });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('watched folder', () => {
  it('takes each finished file once, refuses the bad ones by name, survives the folder disappearing', async () => {
    const folder = join(dir, 'aoi-1');
    await mkdir(folder);
    const src = watchFolder({
      sourceId: 'aoi-1',
      stationId: 'aoi-1',
      folder,
      intake,
      notice: (e) => recordSourceNotice(kernel, e),
      now: () => new Date().toISOString(),
      pollMs: 3_600_000,
    });
    try {
      await writeFile(join(folder, '13000188.jpg'), jpeg);
      await writeFile(join(folder, '13000189__cam2.pgm'), good(5));
      await writeFile(join(folder, '13000190.jpg'), new TextEncoder().encode('this is not an image'));
      await writeFile(join(folder, '13000191.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
      await writeFile(join(folder, '13000192.pgm'), encodePgm({ width: 320, height: 240, data: new Uint8Array(320 * 240) }));
      await writeFile(join(folder, 'part 7.pgm'), good(2));
      await writeFile(join(folder, '13000193.pgm'), new TextEncoder().encode('P5\n640 640\n65535\n'));
      await src.poll(); // first sight: sizes noted, nothing taken (a file may still be written)
      expect(await events('aoi-1')).toEqual([]);
      await src.poll();
      const got = await events('aoi-1');
      const byOrigin = Object.fromEntries(
        got.map((e) => [
          e.type === 'ImageCaptured' ? e.data.partId : (e.data as { origin: string }).origin,
          e.type === 'ImageCaptured' ? 'captured' : e.data.reason,
        ]),
      );
      expect(byOrigin).toEqual({
        '13000188': 'captured',
        '13000189': 'captured',
        '13000190.jpg': 'not-an-image',
        '13000191.jpg': 'truncated',
        '13000192.pgm': 'wrong-size',
        '13000193.pgm': 'bit-depth',
        'part 7.pgm': 'no-part-id',
      });
      // only the two good images are stored, under their hashes; events carry the hash only
      const captured = got.filter((e) => e.type === 'ImageCaptured');
      expect((await images.list()).sort()).toEqual(captured.map((e) => e.data.sha256).sort());
      expect(await images.get(captured[0]!.data.sha256)).toEqual(jpeg);
      expect((await readdir(join(folder, '.done'))).sort()).toEqual(['13000188.jpg', '13000189__cam2.pgm']);
      expect(await readdir(join(folder, '.rejected'))).toHaveLength(5);
      await src.poll(); // nothing twice
      expect(await events('aoi-1')).toHaveLength(7);

      // the folder disappears: one notice, however many polls; back again: the next part is taken
      await rm(folder, { recursive: true });
      await src.poll();
      await src.poll();
      const missing = (await events('aoi-1')).filter((e) => e.type === 'ImageRejected' && e.data.reason === 'source-missing');
      expect(missing).toHaveLength(1);
      await mkdir(folder);
      await writeFile(join(folder, '13000194.pgm'), good(11));
      await src.poll();
      await src.poll();
      expect((await events('aoi-1')).at(-1)).toMatchObject({ type: 'ImageCaptured', data: { partId: '13000194', via: 'folder' } });
    } finally {
      await src.stop();
    }
  });
});

describe('authenticated HTTP upload', () => {
  it('401 without a token, 400 without a part id, 413 past the limit (200 MB offered), 422 for a non-image, 201 for an image', async () => {
    const material = await createKeySet({ now: new Date() });
    const keySet = await importKeySet(material.keySet);
    const signingKey = await importSigningKey(material.signingKey);
    const opts = { issuer: 'test', audience: 'connectivity' };
    const token = await issueToken(signingKey, {
      subject: 'camera-pc-1',
      roles: ['engineer'],
      scopes: ['*'],
      tokenId: crypto.randomUUID(),
      now: new Date(),
      ttlSeconds: 600,
      ...opts,
    });
    const server = await startUploadServer({
      sourceId: 'aoi-2',
      stations: ['aoi-2'],
      intake,
      record: (e) => recordSourceNotice(kernel, e),
      authenticate: async (h) => {
        try {
          return { subject: (await authenticate(h, keySet, opts)).subject };
        } catch {
          return null;
        }
      },
      spec,
      now: () => new Date().toISOString(),
    });
    const post = (query: string, body: Uint8Array | ReadableStream, auth = true): Promise<Response> =>
      fetch(`${server.url}/api/v1/images/aoi-2${query}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    try {
      expect((await post('?partId=p1', jpeg, false)).status).toBe(401);
      expect((await post('', jpeg)).status).toBe(400);
      // 200 MB streamed without a length: counted while it arrives, cut off at the station's limit
      let sent = 0;
      const chunk = new Uint8Array(1024 * 1024);
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= 200 * 1024 * 1024) return c.close();
          sent += chunk.length;
          c.enqueue(chunk);
        },
      });
      const huge = await post('?partId=p3', stream).catch(() => null);
      if (huge) expect(huge.status).toBe(413);
      expect(sent).toBeLessThan(200 * 1024 * 1024); // the server stopped reading long before the end
      expect((await post('?partId=p4', new TextEncoder().encode('{"not":"an image"}'))).status).toBe(422);
      const ok = await post('?partId=p5&capturedAt=2026-01-01T00:00:00Z', jpeg);
      expect(ok.status).toBe(201);
      expect(await ok.json()).toMatchObject({ partId: 'p5', via: 'http', capturedAt: '2026-01-01T00:00:00Z' });
      const reasons = (await events('aoi-2')).map((e) => (e.type === 'ImageCaptured' ? 'captured' : e.data.reason));
      expect(reasons).toEqual(['no-part-id', 'too-large', 'not-an-image', 'captured']);
    } finally {
      await server.close();
    }
  });
});

describe('MQTT binary payloads (loopback Mosquitto)', () => {
  it('takes images published on <prefix>/<station>/<part>, records a bad payload, goes on', async () => {
    const prefix = `it-images-${process.pid}-${Date.now()}`;
    const seen: ImageEvent[] = [];
    const src = await startMqttImageSource({
      sourceId: 'aoi-3',
      url: 'mqtt://127.0.0.1:1883',
      prefix,
      intake,
      now: () => new Date().toISOString(),
      onEvent: (e) => seen.push(e),
    });
    const pub = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
    try {
      await pub.publishAsync(`${prefix}/aoi-3/b-1`, Buffer.from('garbage'), { qos: 1 });
      await pub.publishAsync(`${prefix}/aoi-3/b-2`, Buffer.from(jpeg), { qos: 1, properties: { userProperties: { capturedAt: '2026-02-02T02:02:02Z' } } });
      for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen.map((e) => e.type)).toEqual(['ImageRejected', 'ImageCaptured']);
      expect(seen[1]!.data).toMatchObject({ partId: 'b-2', stationId: 'aoi-3', via: 'mqtt', capturedAt: '2026-02-02T02:02:02Z' });
      expect(await events('aoi-3')).toHaveLength(2);
    } finally {
      await pub.endAsync();
      await src.close();
    }
  });
});
