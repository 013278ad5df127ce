import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInspectionCamera } from '../src/adapters/inspection-camera.ts';
import { cleanRegionOf, nextShot, shotIntervalMs, type InspectionBoard } from '../src/domain/inspection.ts';
import { createRng } from '../src/domain/rng.ts';

const boards: InspectionBoard[] = [
  { boardId: '100', width: 640, height: 640, defects: [{ x1: 10, y1: 10, x2: 40, y2: 40, type: 'short' }] },
  { boardId: '200', width: 640, height: 640, defects: [{ x1: 300, y1: 300, x2: 330, y2: 330, type: 'pin-hole' }] },
];
const overlaps = (a: { x1: number; y1: number; x2: number; y2: number }, b: typeof a): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

describe('inspection station (domain)', () => {
  it('plays boards with their defects as ground truth, numbered part ids', () => {
    const rng = createRng(1);
    const s = nextShot(boards, { kind: 'any' }, rng, 7, 'aoi-1', '2026-01-01T00:00:00Z');
    expect(s.partId).toBe(`${s.boardId}-00007`);
    expect(s.defects).toEqual(boards.find((b) => b.boardId === s.boardId)!.defects);
    expect(s.cleanRegion).toBeNull();
  });
  it('shows a given defect type when told to', () => {
    const rng = createRng(2);
    for (let i = 0; i < 20; i++) expect(nextShot(boards, { kind: 'defect', type: 'pin-hole' }, rng, i, 'aoi-1', 't').boardId).toBe('200');
    expect(() => nextShot(boards, { kind: 'defect', type: 'spur' }, rng, 1, 'aoi-1', 't')).toThrow(/no board with a spur/);
  });
  it('names a defect-free region when told to show one', () => {
    const rng = createRng(3);
    for (let i = 0; i < 20; i++) {
      const s = nextShot(boards, { kind: 'clean-region' }, rng, i, 'aoi-1', 't');
      expect(s.cleanRegion).not.toBeNull();
      for (const d of s.defects) expect(overlaps(s.cleanRegion!, d)).toBe(false);
    }
    const full: InspectionBoard = { boardId: 'x', width: 64, height: 64, defects: [{ x1: 0, y1: 0, x2: 64, y2: 64, type: 'open' }] };
    expect(cleanRegionOf(full, rng)).toBeNull();
  });
  it('line rate → interval between boards', () => {
    expect(shotIntervalMs(120)).toBe(500);
    expect(() => shotIntervalMs(0)).toThrow(RangeError);
  });
});

const DEEPPCB = join(import.meta.dirname, '../../../../shared/datasets/deeppcb');
describe.skipIf(!existsSync(join(DEEPPCB, 'PCBData/trainval.txt')))('inspection camera on DeepPCB', () => {
  it('writes each shot as a finished image file with its ground truth beside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-inspection-'));
    try {
      const cam = await startInspectionCamera(
        { dataset: DEEPPCB, folder: join(dir, 'camera'), truthFolder: join(dir, 'truth'), stationId: 'aoi-1', boardsPerMinute: 60 },
        false,
      );
      cam.request({ kind: 'defect', type: 'short' });
      const a = await cam.shoot();
      const b = await cam.shoot();
      cam.stop();
      expect(a.defects.some((d) => d.type === 'short')).toBe(true);
      expect((await readdir(join(dir, 'camera'))).sort()).toEqual([`${a.partId}.jpg`, `${b.partId}.jpg`].sort());
      const truth = JSON.parse(await readFile(join(dir, 'truth', `${a.partId}.truth.json`), 'utf8')) as { defects: unknown[] };
      expect(truth.defects).toEqual(a.defects);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
