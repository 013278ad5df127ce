// Adapters of the image path of dataops over @industrial/vision: the size of a stored image
// (decoded from the content-addressed store), the tile cutting of snapshots (grid, labels from
// regions, split by board), retention that keeps labelled images.
import { createHash } from 'node:crypto';
import { decodeImage, ImageStore, overlaps, splitBoards, tileBox, tileGrid, tileLabels } from '@industrial/vision';
import type { ImageSizeLookup } from '../features/images-labels.ts';
import type { CutTiles, TileSnapshot, TileSnapshotImage } from '../features/images-snapshot.ts';

export function imageSizeFromStore(store: ImageStore): ImageSizeLookup {
  return async (sha256) => {
    if (!(await store.has(sha256))) return null;
    const img = decodeImage(await store.get(sha256), { maxBytes: Number.MAX_SAFE_INTEGER });
    return { width: img.width, height: img.height };
  };
}

export function tileCutter(options: { tile?: number; stride?: number; fractions?: { train: number; validation: number }; seed?: number } = {}): CutTiles {
  const tile = options.tile ?? 32,
    stride = options.stride ?? 16;
  return (images, labels) => {
    const split = splitBoards(
      images.map((i) => i.partId),
      options.fractions ?? { train: 0.6, validation: 0.2 },
      options.seed ?? 22,
    );
    const sideOf = new Map<string, TileSnapshotImage['side']>();
    for (const side of ['train', 'validation', 'test'] as const) for (const b of split[side]) sideOf.set(b, side);
    const out: TileSnapshotImage[] = images.map((img) => {
      const grid = tileGrid(img.width, img.height, tile, stride);
      const own = labels.get(img.sha256) ?? [];
      // the newest verdict on a region wins
      const latest = new Map<string, (typeof own)[number]>();
      for (const l of own) latest.set(`${l.region.x1},${l.region.y1},${l.region.x2},${l.region.y2}`, l);
      const confirmed = [...latest.values()].filter((l) => l.verdict === 'defect-confirmed').map((l) => l.region);
      const clean = [...latest.values()].filter((l) => l.verdict === 'no-defect').map((l) => l.region);
      const t = tileLabels(grid, confirmed);
      const defectTiles: number[] = [],
        cleanTiles: number[] = [];
      t.forEach((v, k) => {
        if (v === 1) defectTiles.push(k);
        else if (clean.some((r) => overlaps(tileBox(grid, k), r))) cleanTiles.push(k);
      });
      return { sha256: img.sha256, partId: img.partId, side: sideOf.get(img.partId)!, defectTiles, cleanTiles, labels: own.length };
    });
    const body = { format: 'industrial-dataops/tile-snapshot/v1' as const, tile, stride, split, images: out };
    return { ...body, sha256: createHash('sha256').update(JSON.stringify(body)).digest('hex') } satisfies TileSnapshot;
  };
}

/** Retention: removes stored images older than `before`, except labelled ones (they feed snapshots). */
export async function pruneImages(store: ImageStore, before: Date, labelled: ReadonlySet<string>): Promise<string[]> {
  return store.prune(before, labelled);
}

/** The image-size lookup of the store folder (labels check their region against it). */
export const imageStoreAt = (dir: string): ImageSizeLookup => imageSizeFromStore(new ImageStore(dir));
