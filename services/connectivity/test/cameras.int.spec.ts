// Camera sources from configuration (#22): CONNECTIVITY_CAMERAS_FILE is read and checked (a bad
// field is named), and the configured folder source feeds the image intake: a board image
// becomes ImageCaptured with its hash in the store, a non-image ImageRejected with nothing stored.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service, streamFor } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel } from '@industrial/kernel';
import { encodePgm, ImageStore } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSourcesConfig, startCameraSources } from '../src/adapters/images/camera-sources.ts';
import { loadConfig } from '../src/config.ts';
import { makeStore, quietLogger } from './fixture.ts';

let dir: string, store: EventStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conn-cameras-'));
  store = await makeStore(dir);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('CONNECTIVITY_CAMERAS_FILE', () => {
  it('is read into the camera sources; a bad field is named', async () => {
    const base = { LEDGER_KEY_FILE: join(dir, 'ledger.pem') };
    const good = join(dir, 'cameras.json');
    await writeFile(good, JSON.stringify({ storeDir: join(dir, 'images'), folders: [{ sourceId: 'aoi-1', stationId: 'aoi-1', folder: join(dir, 'aoi-1') }] }));
    const ok = loadConfig({ ...base, CONNECTIVITY_CAMERAS_FILE: good });
    expect(ok.ok && ok.config.cameras?.folders[0]?.stationId).toBe('aoi-1');
    expect(ok.ok && ok.config.cameras?.upload).toBeNull();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ storeDir: 'x', folders: [{ sourceId: 'AOI 1', stationId: 'aoi-1', folder: 'f' }] }));
    expect(loadConfig({ ...base, CONNECTIVITY_CAMERAS_FILE: bad })).toEqual({
      ok: false,
      message: 'CONNECTIVITY_CAMERAS_FILE folders.0.sourceId: must be lowercase letters, digits, "_" or "-"',
    });
    expect(loadConfig(base)).toMatchObject({ ok: true, config: { cameras: null } });
  });

  it('starts the folder sources: a board is captured and stored, a non-image refused and nothing stored', async () => {
    const kernel = createKernel({ service: Service.Connectivity, store });
    const folder = join(dir, 'aoi-2');
    await mkdir(folder);
    const config = CameraSourcesConfig.parse({ storeDir: join(dir, 'store'), folders: [{ sourceId: 'aoi-2', stationId: 'aoi-2', folder, pollMs: 3_600_000 }] });
    const cameras = await startCameraSources(config, { kernel, logger: quietLogger });
    const sample = join(import.meta.dirname, '../../../../shared/datasets/deeppcb/PCBData/group00041/00041/00041000_test.jpg');
    const board = existsSync(sample) ? readFileSync(sample) : encodePgm({ width: 640, height: 640, data: new Uint8Array(640 * 640).fill(255) });
    await writeFile(join(folder, '13000188__cam.jpg'), board);
    await writeFile(join(folder, '13000189.jpg'), 'not an image at all');
    await cameras.poll(); // sizes seen
    await cameras.poll(); // unchanged: taken
    await cameras.stop();
    const events = await kernel.read(streamFor('ImageCaptured', 'aoi-2'));
    expect(events.map((e) => [e.type, (e.data as { partId: string }).partId])).toEqual([
      ['ImageCaptured', '13000188'],
      ['ImageRejected', '13000189'],
    ]);
    const sha = (events[0]!.data as { sha256: string }).sha256;
    expect(await new ImageStore(join(dir, 'store')).has(sha)).toBe(true);
  });
});
