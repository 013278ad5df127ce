// The inspection station's camera: plays DeepPCB boards (their tested scans, `_test.jpg`) into
// a watched folder at line rate, as an AOI camera PC does — the image written under a
// temporary name and renamed (never seen half-written), its ground truth beside it in a
// separate folder (`<partId>.truth.json`). One board per tick; `request` changes what the
// next shot shows.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDeepPcb } from '@industrial/vision';
import { defectTypeOf, nextShot, shotIntervalMs, type InspectionBoard, type InspectionRequest, type InspectionShot } from '../domain/inspection.ts';
import { createRng } from '../domain/rng.ts';

export interface InspectionCameraOptions {
  readonly dataset: string;
  readonly folder: string;
  readonly truthFolder: string;
  readonly stationId: string;
  readonly boardsPerMinute: number;
  readonly seed?: number;
  readonly now?: () => Date;
  readonly onShot?: (shot: InspectionShot) => void;
  readonly onError?: (e: unknown) => void;
}

export interface InspectionCamera {
  /** what the next shot shows (then back to any board) */
  request(r: InspectionRequest): void;
  /** one shot now (tests drive it directly) */
  shoot(): Promise<InspectionShot>;
  stop(): void;
}

export function loadInspectionBoards(dataset: string): { boards: InspectionBoard[]; imageOf: Map<string, string> } {
  const records = readDeepPcb(dataset);
  const imageOf = new Map(records.map((r) => [r.boardId, r.imagePath]));
  const boards = records.map((r) => ({
    boardId: r.boardId,
    width: 640,
    height: 640,
    defects: r.defects.map((d) => ({ x1: d.x1, y1: d.y1, x2: d.x2, y2: d.y2, type: defectTypeOf(d.type) })),
  }));
  return { boards, imageOf };
}

export async function startInspectionCamera(o: InspectionCameraOptions, autoStart = true): Promise<InspectionCamera> {
  const { boards, imageOf } = loadInspectionBoards(o.dataset);
  const rng = createRng(o.seed ?? 22);
  const now = o.now ?? (() => new Date());
  await mkdir(o.folder, { recursive: true });
  await mkdir(o.truthFolder, { recursive: true });
  let pending: InspectionRequest = { kind: 'any' };
  let seq = 0;
  const shoot = async (): Promise<InspectionShot> => {
    const request = pending;
    pending = { kind: 'any' };
    const shot = nextShot(boards, request, rng, ++seq, o.stationId, now().toISOString());
    const bytes = await readFile(imageOf.get(shot.boardId)!);
    await writeFile(join(o.truthFolder, `${shot.partId}.truth.json`), JSON.stringify(shot));
    const tmp = join(o.folder, `.${shot.partId}.jpg.part`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(o.folder, `${shot.partId}.jpg`));
    o.onShot?.(shot);
    return shot;
  };
  const timer = autoStart ? setInterval(() => void shoot().catch((e: unknown) => o.onError?.(e)), shotIntervalMs(o.boardsPerMinute)) : null;
  return {
    request: (r) => {
      pending = r;
    },
    shoot,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
