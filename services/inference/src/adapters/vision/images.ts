// Part images for visual scoring: read by hash from the content-addressed image store (the folder
// connectivity writes and dataops keeps), decoded to grey by @industrial/vision, and encoded as PNG
// for the operator's screen (browsers show no PGM).
import { deflateSync } from 'node:zlib';
import {
  applyRegionStage,
  decodeImage,
  FEATURE_COUNT,
  FEATURE_NAMES,
  ImageStore,
  regionsOf,
  tileFeatures,
  tileGrid,
  type GreyImage,
  type RegionStage,
} from '@industrial/vision';
import type { BoardImages } from '../../features/visual.ts';

/**
 * Boards by hash from the image store: scored tile by tile with the tile features training used
 * (tileFeatures, 32 px tiles every 16 px) and the model's ONNX scorer, regions = 8-connected tiles at
 * or above the threshold (or those the model's second stage keeps); the tile statistics of IMAGE_DRIFT_FEATURES come back for drift.
 */
export function boardImagesAt(storeDir: string, stages: ReadonlyMap<string, RegionStage> = new Map()): BoardImages {
  const store = new ImageStore(storeDir);
  const grey = async (sha256: string): Promise<GreyImage> => decodeImage(await store.get(sha256));
  return {
    async score(sha256, model, statistics) {
      const { scorer, threshold } = model;
      const img = await grey(sha256);
      const grid = tileGrid(img.width, img.height, 32, 16);
      const count = grid.cols * grid.rows;
      const features = tileFeatures(img, grid);
      const scores = await scorer.score(features, count);
      const stage = stages.get(model.modelVersionId);
      // with a second stage: its candidates and the regions it keeps; else every region at the threshold
      const found = stage ? applyRegionStage(stage, img, grid, scores) : regionsOf(grid, scores, threshold);
      const regions = found.map((r) => ({ x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2, score: Math.min(1, Math.max(0, r.score)) }));
      const stats: Record<string, Float64Array> = {};
      for (const name of statistics) {
        const j = FEATURE_NAMES.indexOf(name);
        const col = new Float64Array(count);
        for (let i = 0; i < count; i++) col[i] = features[i * FEATURE_COUNT + j]!;
        stats[name] = col;
      }
      return { width: img.width, height: img.height, regions, statistics: stats };
    },
    async png(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256) || !(await store.has(sha256))) return null;
      return encodeGreyPng(await grey(sha256));
    },
  };
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  let c = 0xffffffff;
  for (let i = 4; i < 8 + data.length; i++) c = CRC[(c ^ out[i]!) & 0xff]! ^ (c >>> 8);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}

/** An 8-bit greyscale PNG of the image. */
export function encodeGreyPng(img: GreyImage): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(img.width, 0);
  header.writeUInt32BE(img.height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  const raw = Buffer.alloc((img.width + 1) * img.height);
  for (let y = 0; y < img.height; y++) raw.set(img.data.subarray(y * img.width, (y + 1) * img.width), y * (img.width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
