// Use case: a snapshot of an image set cut into tiles, split by board (part) so no board's tiles
// are on two sides, with the region labels recorded so far (confirmed defects → defect tiles,
// no-defect verdicts → clean tiles). The cutting is the vision package's (an adapter); this use
// case gathers the images' labels and hands both over.
import type { Kernel } from '@industrial/kernel';
import { labelsOfImage, type RegionLabel } from './images-labels.ts';

export interface SnapshotImage {
  readonly sha256: string;
  readonly stationId: string;
  /** the board: all tiles of one part id go to one side */
  readonly partId: string;
  readonly width: number;
  readonly height: number;
}

export interface TileSnapshotImage {
  readonly sha256: string;
  readonly partId: string;
  readonly side: 'train' | 'validation' | 'test';
  /** tile indices (row-major over the grid) labelled defect */
  readonly defectTiles: number[];
  /** tile indices labelled clean by a no-defect verdict (hard negatives) */
  readonly cleanTiles: number[];
  readonly labels: number;
}

export interface TileSnapshot {
  readonly format: 'industrial-dataops/tile-snapshot/v1';
  readonly tile: number;
  readonly stride: number;
  readonly split: { train: string[]; validation: string[]; test: string[] };
  readonly images: TileSnapshotImage[];
  /** sha256 of the canonical manifest without this field */
  readonly sha256: string;
}

export type CutTiles = (images: readonly SnapshotImage[], labels: ReadonlyMap<string, readonly RegionLabel[]>) => TileSnapshot;

export async function imageTileSnapshot(deps: { kernel: Kernel; cut: CutTiles }, images: readonly SnapshotImage[]): Promise<TileSnapshot> {
  const labels = new Map<string, RegionLabel[]>();
  for (const img of images) labels.set(img.sha256, await labelsOfImage(deps.kernel, img.sha256));
  return deps.cut(images, labels);
}

/** The images a camera source took in (its ImageCaptured events), as a snapshot's image set. */
export async function imagesOfSource(kernel: Kernel, sourceId: string): Promise<SnapshotImage[]> {
  const out: SnapshotImage[] = [];
  for (const e of await kernel.read(`source-${sourceId}`)) {
    if (e.type !== 'ImageCaptured') continue;
    const d = e.data as SnapshotImage;
    out.push({ sha256: d.sha256, stationId: d.stationId, partId: d.partId, width: d.width, height: d.height });
  }
  return out;
}
