// Image store, region labels and board-split tile snapshots of dataops (#22), on a real SQLite
// event store under the command kernel and the content-addressed store in a temporary folder.
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventValidator, Service } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { encodePgm, ImageStore } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSizeFromStore, pruneImages, tileCutter } from '../src/adapters/images-tiles.ts';
import { ImageLabelError, labelImageRegion, labelsOfImage } from '../src/features/images-labels.ts';
import { imageTileSnapshot, type SnapshotImage } from '../src/features/images-snapshot.ts';

let dir: string, events: EventStore, kernel: Kernel, store: ImageStore;
const boards: SnapshotImage[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataops-images-'));
  events = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    validator: eventValidator,
  });
  kernel = createKernel({ service: Service.DataOps, store: events });
  store = new ImageStore(join(dir, 'images'));
  for (let b = 0; b < 10; b++) {
    const data = new Uint8Array(128 * 128).map((_, i) => (i % (b + 7) === 0 ? 255 : 0)); // distinct bytes per board
    const { sha256 } = await store.put(encodePgm({ width: 128, height: 128, data }));
    boards.push({ sha256, stationId: 'aoi-1', partId: `board-${b}`, width: 128, height: 128 });
  }
});
afterAll(async () => {
  await events.close();
  await rm(dir, { recursive: true, force: true });
});

const deps = () => ({ kernel, sizeOf: imageSizeFromStore(store), now: () => '2026-03-01T10:00:00Z' });
const label = (b: SnapshotImage, region: { x1: number; y1: number; x2: number; y2: number }, verdict: 'defect-confirmed' | 'no-defect') =>
  labelImageRegion(deps(), {
    sha256: b.sha256,
    stationId: b.stationId,
    partId: b.partId,
    region,
    verdict,
    defectType: verdict === 'no-defect' ? 'none' : 'short',
    labelledBy: 'ines@plant1',
  });

describe('content-addressed image store', () => {
  it('stores identical bytes once and returns them checked against their hash', async () => {
    const bytes = encodePgm({ width: 2, height: 1, data: Uint8Array.of(1, 2) });
    const a = await store.put(bytes);
    const b = await store.put(bytes);
    expect([a.created, b.created, a.sha256]).toEqual([true, false, b.sha256]);
    expect(await store.get(a.sha256)).toEqual(bytes);
  });
});

describe('region labels', () => {
  it('records a region inside the image; refuses one outside it and records nothing', async () => {
    await label(boards[0]!, { x1: 40, y1: 40, x2: 60, y2: 60 }, 'defect-confirmed');
    await expect(label(boards[0]!, { x1: 100, y1: 100, x2: 140, y2: 120 }, 'defect-confirmed')).rejects.toMatchObject({ code: 'region-outside-image' });
    await expect(label(boards[0]!, { x1: 10, y1: 10, x2: 10, y2: 20 }, 'defect-confirmed')).rejects.toBeInstanceOf(ImageLabelError);
    await expect(
      labelImageRegion(deps(), {
        sha256: 'f'.repeat(64),
        stationId: 'aoi-1',
        partId: 'x',
        region: { x1: 0, y1: 0, x2: 1, y2: 1 },
        verdict: 'no-defect',
        defectType: 'none',
        labelledBy: 'a',
      }),
    ).rejects.toMatchObject({ code: 'image-not-found' });
    expect((await labelsOfImage(kernel, boards[0]!.sha256)).map((l) => l.region)).toEqual([{ x1: 40, y1: 40, x2: 60, y2: 60 }]);
  });
});

describe('tile snapshot split by board', () => {
  it('puts every board on one side, confirmed regions as defect tiles, no-defect verdicts as clean tiles', async () => {
    await label(boards[1]!, { x1: 0, y1: 0, x2: 20, y2: 20 }, 'no-defect');
    await label(boards[2]!, { x1: 70, y1: 70, x2: 90, y2: 90 }, 'defect-confirmed');
    const snap = await imageTileSnapshot({ kernel, cut: tileCutter({ tile: 32, stride: 16 }) }, boards);
    const sides = [snap.split.train, snap.split.validation, snap.split.test];
    expect(sides.map((s) => s.length)).toEqual([6, 2, 2]);
    expect(new Set(sides.flat()).size).toBe(10);
    for (const img of snap.images) expect(snap.split[img.side]).toContain(img.partId);
    const byPart = new Map(snap.images.map((i) => [i.partId, i]));
    // centre (50,50) lies in tiles at x,y ∈ {32, 48} of a 7×7 grid (16 px stride)
    expect(byPart.get('board-0')!.defectTiles.sort((a, b) => a - b)).toEqual([2 * 7 + 2, 2 * 7 + 3, 3 * 7 + 2, 3 * 7 + 3]);
    expect(byPart.get('board-1')!.cleanTiles.sort((a, b) => a - b)).toEqual([0, 1, 7, 8]);
    expect(byPart.get('board-2')!.defectTiles.length).toBeGreaterThan(0);
    expect(snap.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the same inputs give the same snapshot
    expect((await imageTileSnapshot({ kernel, cut: tileCutter({ tile: 32, stride: 16 }) }, boards)).sha256).toBe(snap.sha256);
  });
});

describe('retention', () => {
  it('removes old unlabelled images, keeps labelled ones', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    for (const b of boards) await utimes(join(store.root, b.sha256.slice(0, 2), b.sha256), old, old);
    const labelled = new Set(boards.slice(0, 3).map((b) => b.sha256));
    const removed = await pruneImages(store, new Date('2021-01-01T00:00:00Z'), labelled);
    expect(removed.sort()).toEqual(
      boards
        .slice(3)
        .map((b) => b.sha256)
        .sort(),
    );
    for (const b of boards.slice(0, 3)) expect(await store.has(b.sha256)).toBe(true);
  });
});
