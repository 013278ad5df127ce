// Data preparation of bench:vision: boards split by board, per-board features and pixels by
// the same functions serving uses, tile samples for training.

import { readFileSync } from 'node:fs';
import {
  cropInto,
  decodeImage,
  FEATURE_COUNT,
  shuffled,
  splitBoards,
  tileFeatures,
  tileGrid,
  tileLabels,
  type BoardRecord,
  type GreyImage,
  type TileGrid,
} from '../src/index.ts';

export const SIZE = 640;
export const GRID: TileGrid = tileGrid(SIZE, SIZE, 32, 16);
export const PAD = 3; // shift augmentation range, px

export interface PreparedBoard {
  readonly record: BoardRecord;
  readonly image: GreyImage;
  readonly labels: Int8Array;
  readonly features: Float32Array;
}

export function prepareBoard(record: BoardRecord): PreparedBoard {
  const image = decodeImage(readFileSync(record.imagePath), { width: SIZE, height: SIZE });
  return { record, image, labels: tileLabels(GRID, record.defects), features: tileFeatures(image, GRID) };
}

export interface TileSample {
  readonly features: Float32Array; // [n × FEATURE_COUNT]
  readonly crops: Uint8Array; // [n × (32 + 2·PAD)²]
  readonly labels: Uint8Array;
  readonly boards: string[]; // board of each tile (the split check)
}

/**
 * Samples labelled tiles of boards: every defect tile (up to `maxPositive` overall, drawn at
 * random) and `negPerPos` clean tiles per defect tile.
 */
export class TileSampler {
  private readonly f: number[] = [];
  private readonly crops: Uint8Array[] = [];
  private readonly y: number[] = [];
  private readonly boards: string[] = [];
  constructor(
    private readonly negPerPos: number,
    private readonly keepPositive: number,
    private readonly seed: number,
  ) {}

  add(b: PreparedBoard, boardIndex: number): void {
    const C = GRID.tile + 2 * PAD;
    const pos: number[] = [],
      neg: number[] = [];
    b.labels.forEach((l, k) => (l === 1 ? pos : l === 0 ? neg : null)?.push(k));
    const order = shuffled(neg.length, this.seed + boardIndex);
    const keepPos = pos.filter((_, i) => ((i * 7919 + boardIndex * 104729) % 1000) / 1000 < this.keepPositive);
    const take = [...keepPos.map((k) => [k, 1] as const), ...Array.from(order.subarray(0, keepPos.length * this.negPerPos), (i) => [neg[i]!, 0] as const)];
    for (const [k, label] of take) {
      for (let j = 0; j < FEATURE_COUNT; j++) this.f.push(b.features[k * FEATURE_COUNT + j]!);
      const crop = new Uint8Array(C * C);
      cropInto(b.image, GRID, k, PAD, crop, 0);
      this.crops.push(crop);
      this.y.push(label);
      this.boards.push(b.record.boardId);
    }
  }

  sample(): TileSample {
    const C = GRID.tile + 2 * PAD;
    const crops = new Uint8Array(this.crops.length * C * C);
    this.crops.forEach((c, i) => crops.set(c, i * C * C));
    return { features: Float32Array.from(this.f), crops, labels: Uint8Array.from(this.y), boards: [...this.boards] };
  }
}

export function splitOf(records: readonly BoardRecord[]): { train: BoardRecord[]; validation: BoardRecord[]; test: BoardRecord[] } {
  const s = splitBoards(
    records.map((r) => r.boardId),
    { train: 0.6, validation: 0.2 },
  );
  const byId = new Map(records.map((r) => [r.boardId, r]));
  const pick = (ids: string[]): BoardRecord[] => ids.map((id) => byId.get(id)!);
  return { train: pick(s.train), validation: pick(s.validation), test: pick(s.test) };
}

/** The centre tiles (no shift) of a sample's crops as float /255, for validation. */
export function centreTiles(crops: Uint8Array, n: number): Float32Array {
  const C = GRID.tile + 2 * PAD,
    T = GRID.tile;
  const out = new Float32Array(n * T * T);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < T; y++) for (let x = 0; x < T; x++) out[i * T * T + y * T + x] = crops[i * C * C + (y + PAD) * C + x + PAD]! / 255;
  return out;
}

export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
