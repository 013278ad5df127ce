// Visual inspection fixtures (#22): a small tile model trained on a few DeepPCB boards (read from
// ../shared, never copied), cached under .data/vision-test-model so later runs skip training;
// boards put into an image store and announced as connectivity does (ImageCaptured).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Service, streamFor } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, serviceCause } from '@industrial/kernel';
import { parseReferenceProfile } from '@industrial/ml';
import { type ImageStore, readDeepPcb, trainSmallTileModel, type BoardRecord } from '@industrial/vision';
import { writeModelBundle, type ModelBundle } from '../src/adapters/artifacts/files.ts';

export const DEEPPCB = resolve(import.meta.dirname, '../../../../shared/datasets/deeppcb');
const CACHE = resolve(import.meta.dirname, '../../../.data/vision-test-model');
const TRAIN_BOARDS = 12;

/** DeepPCB boards in a fixed order: the first TRAIN_BOARDS train the model, the rest are played. */
export function deepPcbBoards(): BoardRecord[] {
  return readDeepPcb(DEEPPCB).sort((a, b) => a.boardId.localeCompare(b.boardId));
}

/** The small model's bundle and threshold (trained once, then read from the cache). */
export function smallBoardModel(): { bundle: ModelBundle; threshold: number } {
  const meta = join(CACHE, 'board.meta.json');
  if (!existsSync(meta)) {
    const trained = trainSmallTileModel(deepPcbBoards().slice(0, TRAIN_BOARDS), { recall: 0.9 });
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'board.onnx'), trained.onnx);
    writeFileSync(join(CACHE, 'board.model.json'), JSON.stringify(trained.model));
    writeFileSync(join(CACHE, 'board.reference.json'), JSON.stringify(trained.reference));
    writeFileSync(meta, JSON.stringify({ threshold: trained.threshold, tiles: trained.tiles, boards: TRAIN_BOARDS }));
  }
  const bundle: ModelBundle = {
    onnx: new Uint8Array(readFileSync(join(CACHE, 'board.onnx'))),
    modelJson: readFileSync(join(CACHE, 'board.model.json'), 'utf8'),
    reference: parseReferenceProfile(readFileSync(join(CACHE, 'board.reference.json'), 'utf8')),
  };
  return { bundle, threshold: (JSON.parse(readFileSync(meta, 'utf8')) as { threshold: number }).threshold };
}

export async function writeBoardBundle(dir: string, name: string): Promise<{ artifactUri: string; artifactHash: string; threshold: number }> {
  const { bundle, threshold } = smallBoardModel();
  return { ...(await writeModelBundle(dir, name, bundle)), threshold };
}

/** Stores a board image and records ImageCaptured as connectivity's intake does; returns its hash. */
export async function captureBoard(store: EventStore, images: ImageStore, stationId: string, partId: string, bytes: Uint8Array): Promise<string> {
  const kernel = createKernel({ service: Service.Connectivity, store });
  const { sha256 } = await images.put(bytes);
  const now = new Date().toISOString();
  await kernel.append(
    streamFor('ImageCaptured', stationId),
    [
      {
        type: 'ImageCaptured',
        data: {
          sourceId: stationId,
          stationId,
          partId,
          via: 'folder',
          sha256,
          width: 640,
          height: 640,
          bytes: bytes.length,
          format: 'jpeg',
          capturedAt: now,
          receivedAt: now,
        },
      },
    ],
    serviceCause(Service.Connectivity, uuidv7()),
  );
  return sha256;
}
