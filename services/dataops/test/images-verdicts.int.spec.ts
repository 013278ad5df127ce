// Operator verdicts become labels (#22): inference records BoardVerdictGiven; dataops follows the
// store and records ImageRegionLabelled for the image — once, also after a restart — and the next
// tile snapshot of the station's images uses both (confirmed → defect tiles, no defect → clean
// tiles). A verdict on a region outside the image is refused and nothing is recorded for it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventValidator, Service, streamFor } from '@industrial/contracts';
import { uuidv7 } from '@industrial/contracts/ids';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createKernel, serviceCause, type Kernel } from '@industrial/kernel';
import { encodePgm, ImageStore } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageStoreAt, tileCutter } from '../src/adapters/images-tiles.ts';
import { labelsOfImage } from '../src/features/images-labels.ts';
import { imagesOfSource, imageTileSnapshot } from '../src/features/images-snapshot.ts';
import { verdictLabels } from '../src/features/images-verdicts.ts';

let dir: string, events: EventStore, kernel: Kernel, images: ImageStore;
const shas: string[] = [];
const log = { warn() {}, error() {} };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dataops-verdicts-'));
  events = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    validator: eventValidator,
  });
  kernel = createKernel({ service: Service.DataOps, store: events });
  images = new ImageStore(join(dir, 'images'));
  const connectivity = createKernel({ service: Service.Connectivity, store: events });
  for (let b = 0; b < 4; b++) {
    const data = new Uint8Array(128 * 128).map((_, i) => (i % (b + 5) === 0 ? 255 : 0));
    const bytes = encodePgm({ width: 128, height: 128, data });
    const { sha256 } = await images.put(bytes);
    shas.push(sha256);
    const at = '2026-03-01T10:00:00Z';
    await connectivity.append(
      streamFor('ImageCaptured', 'aoi-1'),
      [
        {
          type: 'ImageCaptured',
          data: {
            sourceId: 'aoi-1',
            stationId: 'aoi-1',
            partId: `b${b}`,
            via: 'folder',
            sha256,
            width: 128,
            height: 128,
            bytes: bytes.length,
            format: 'pgm',
            capturedAt: at,
            receivedAt: at,
          },
        },
      ],
      serviceCause(Service.Connectivity, uuidv7()),
    );
  }
  const inference = createKernel({ service: Service.Inference, store: events });
  const verdict = (b: number, region: { x1: number; y1: number; x2: number; y2: number }, v: 'defect-confirmed' | 'no-defect') => {
    const recommendationId = uuidv7();
    return inference.append(
      streamFor('BoardVerdictGiven', recommendationId),
      [
        {
          type: 'BoardVerdictGiven',
          data: {
            recommendationId,
            useCaseId: uuidv7(),
            sha256: shas[b]!,
            stationId: 'aoi-1',
            partId: `b${b}`,
            region,
            verdict: v,
            defectType: v === 'no-defect' ? 'none' : 'short',
            decidedBy: 'user:ines',
            decidedAt: '2026-03-01T10:01:00Z',
          },
        },
      ],
      { actor: 'user:ines', role: 'operator', correlationId: uuidv7(), causationId: null, traceparent: null },
    );
  };
  await verdict(0, { x1: 32, y1: 32, x2: 80, y2: 80 }, 'defect-confirmed');
  await verdict(1, { x1: 16, y1: 16, x2: 64, y2: 64 }, 'no-defect');
  await verdict(2, { x1: 100, y1: 100, x2: 160, y2: 140 }, 'no-defect'); // outside the 128×128 image
});
afterAll(async () => {
  await events.close();
  await rm(dir, { recursive: true, force: true });
});

describe('operator verdicts → labels → the next snapshot', () => {
  it('labels each verdict once (also after a restart), refuses a region outside the image, and the snapshot uses both labels', async () => {
    for (let run = 0; run < 2; run++) {
      const follower = verdictLabels({ kernel, sizeOf: imageStoreAt(images.root), now: () => '2026-03-01T10:02:00Z', log });
      follower.start();
      await follower.settle();
      await follower.stop();
      expect(follower.counters()).toEqual(run === 0 ? { labelled: 2, refused: 1 } : { labelled: 0, refused: 1 });
    }
    expect((await labelsOfImage(kernel, shas[0]!)).map((l) => [l.verdict, l.defectType, l.labelledBy])).toEqual([['defect-confirmed', 'short', 'user:ines']]);
    expect((await labelsOfImage(kernel, shas[1]!)).map((l) => l.verdict)).toEqual(['no-defect']);
    expect(await labelsOfImage(kernel, shas[2]!)).toEqual([]);
    const snapshot = await imageTileSnapshot({ kernel, cut: tileCutter() }, await imagesOfSource(kernel, 'aoi-1'));
    const of = (b: number) => snapshot.images.find((i) => i.partId === `b${b}`)!;
    expect(of(0).defectTiles.length).toBeGreaterThan(0);
    expect(of(1).cleanTiles.length).toBeGreaterThan(0);
    expect([of(2).labels, of(3).labels]).toEqual([0, 0]);
  });
});
