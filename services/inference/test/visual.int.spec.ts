// Visual inspection served by inference (#22), against real things: the SQLite event store, the
// HTTP gateway with tokens, onnxruntime-node, a small tile model trained on a few DeepPCB boards
// (cached) and registered + promoted as governance records it, board images in a content-addressed
// store announced by ImageCaptured as connectivity does. Board prompts carry the station and the
// regions; a shadow candidate is logged only; manual mode suppresses; a verdict is recorded once;
// brightness-inverted boards are reported as image drift.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventExamples } from '@industrial/contracts';
import { decodeImage, encodePgm, FEATURE_NAMES, ImageStore, overlaps } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asGovernance, startHarness, until, type Harness } from './fixture.ts';
import { defineAsCharter } from './usecases.ts';
import { captureBoard, deepPcbBoards, writeBoardBundle } from './vision-fixture.ts';

let h: Harness, images: ImageStore, imagesDir: string, useCaseId: string;
const station = 'aoi-1';
const line = 'acme.plant-1.electronics.board-line-1';
type Inspected = {
  recommendationId: string;
  mode: string;
  message: string;
  partId: string;
  regions: { x1: number; y1: number; x2: number; y2: number; place: string }[];
};

async function register(name: string, stage: 'production' | 'shadow'): Promise<string> {
  const governance = asGovernance(h.store);
  const modelVersionId = randomUUID();
  const a = await writeBoardBundle(join(h.dir, 'models'), name);
  await governance({
    type: 'ModelVersionRegistered',
    data: {
      ...eventExamples.ModelVersionRegistered,
      modelVersionId,
      useCaseId,
      runId: randomUUID(),
      version: stage === 'production' ? 1 : 2,
      artifactUri: a.artifactUri,
      artifactHash: a.artifactHash,
      inputs: FEATURE_NAMES.map((name) => ({ name })),
      windowSeconds: 1,
      outputs: [{ name: 'probabilities' }],
      decisionThreshold: a.threshold,
    },
  });
  await governance({ type: 'ModelPromoted', data: { useCaseId, modelVersionId, stage, approvalRequestId: randomUUID(), previousModelVersionId: null } });
  return modelVersionId;
}

const inspected = async (): Promise<Inspected[]> => ((await h.events('BoardInspected')) as unknown as { data: Inspected }[]).map((e) => e.data);

beforeAll(async () => {
  imagesDir = mkdtempSync(join(tmpdir(), 'inference-images-'));
  images = new ImageStore(imagesDir);
  h = await startHarness({ unsSubject: null, grpc: null, images: { storeDir: imagesDir, driftEvery: 3, driftBoards: 3 } });
  useCaseId = await defineAsCharter(h.store, 'visual/board-line-inspection');
}, 120_000);
afterAll(async () => {
  await h?.close();
  rmSync(imagesDir, { recursive: true, force: true });
});

describe('visual inspection in inference', () => {
  it('a promoted tile model prompts per board with the station and the regions; the shadow candidate is logged only', async () => {
    const prod = await register('board-prod', 'production');
    const shadow = await register('board-shadow', 'shadow');
    await h.app.settle();
    expect(h.app.models.slots(useCaseId).production?.registered.modelVersionId).toBe(prod);
    expect(h.app.models.slots(useCaseId).shadow?.registered.modelVersionId).toBe(shadow);
    const boards = deepPcbBoards().slice(20, 23);
    for (const b of boards) await captureBoard(h.store, images, station, b.boardId, new Uint8Array(readFileSync(b.imagePath)));
    // a station no use case serves: not scored
    await captureBoard(h.store, images, 'press-1', 'x1', new Uint8Array(readFileSync(boards[0]!.imagePath)));
    await until(() => h.app.visual!.counters().boardsScored >= 6, 60_000, 'boards scored');
    await h.app.visual!.settle();
    expect(h.app.visual!.counters().boardsScored).toBe(6);
    const all = await inspected();
    const production = all.filter((e) => e.mode === 'production');
    expect(all.filter((e) => e.mode === 'shadow').length).toBe(production.length);
    expect(production.length).toBeGreaterThanOrEqual(2);
    let found = 0;
    for (const p of production) {
      expect(p.message).toMatch(
        new RegExp(
          `^Board ${p.partId} at aoi-1: possible defect near the (upper|middle|lower|centre)[a-z ,]*( and \\d+ more places)? — check before soldering$`,
        ),
      );
      expect(p.message).toContain(p.regions[0]!.place);
      const truth = boards.find((b) => b.boardId === p.partId)!.defects;
      found += truth.filter((d) => p.regions.some((r) => overlaps(r, d))).length;
    }
    expect(found).toBeGreaterThan(0); // the regions are where the annotated defects are
  }, 180_000);

  it('serves the prompts, the board image and the verdicts over the gateway (one verdict per region, bad input named)', async () => {
    const operator = await h.token('operator');
    const get = (path: string, token = operator) => fetch(`${h.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const post = (path: string, body: unknown) =>
      fetch(`${h.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await fetch(`${h.httpUrl}/api/v1/inspections`)).status).toBe(401);
    const list = (await (await get('/api/v1/inspections?open=true')).json()) as { inspections: (Inspected & { sha256: string })[] };
    expect(list.inspections.length).toBeGreaterThanOrEqual(2);
    expect(list.inspections.every((i) => i.mode === 'production')).toBe(true);
    const first = list.inspections[0]!;
    const png = await get(`/api/v1/images/${first.sha256}`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    expect((await get(`/api/v1/images/${'0'.repeat(64)}`)).status).toBe(404);
    const bad = await post(`/api/v1/inspections/${first.recommendationId}/verdict`, { region: 999, verdict: 'no-defect' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('region');
    const ok = await post(`/api/v1/inspections/${first.recommendationId}/verdict`, { region: 0, verdict: 'defect-confirmed', defectType: 'short' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { decidedBy: string; defectType: string }).defectType).toBe('short');
    expect((await post(`/api/v1/inspections/${first.recommendationId}/verdict`, { region: 0, verdict: 'no-defect' })).status).toBe(409);
    const verdicts = (await h.events('BoardVerdictGiven')) as unknown as { data: { verdict: string; region: object; decidedBy: string } }[];
    expect(verdicts.map((v) => v.data.verdict)).toEqual(['defect-confirmed']);
    expect(verdicts[0]!.data.region).toEqual({ x1: first.regions[0]!.x1, y1: first.regions[0]!.y1, x2: first.regions[0]!.x2, y2: first.regions[0]!.y2 });
  }, 60_000);

  it('suppresses the prompt while the station is in manual mode; reports brightness-inverted boards as image drift', async () => {
    const lead = await h.token('operator');
    const set = await fetch(`${h.httpUrl}/api/v1/modes/${line}.${station}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${lead}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'manual', reason: 'camera cleaning' }),
    });
    expect(set.status).toBe(200);
    await h.app.settle();
    const before = (await inspected()).length;
    const board = deepPcbBoards()[25]!;
    const bytes = new Uint8Array(readFileSync(board.imagePath));
    await captureBoard(h.store, images, station, board.boardId, bytes);
    const img = decodeImage(bytes);
    for (let k = 0; k < 2; k++)
      await captureBoard(h.store, images, station, `inv-${k}`, encodePgm({ width: img.width, height: img.height, data: img.data.map((v) => 255 - v - k) }));
    await until(async () => (await h.events('DriftDetected')).length > 0, 60_000, 'image drift');
    await h.app.visual!.settle();
    const after = (await inspected()).slice(before).filter((e) => e.partId === board.boardId && e.mode !== 'shadow');
    expect(after.map((e) => e.mode)).toEqual(['suppressed']);
    const drift = (await h.events('DriftDetected')) as unknown as {
      data: { kind: string; feature: string; statistic: string; value: number; useCaseId: string };
    }[];
    expect(drift[0]!.data).toMatchObject({ kind: 'data', statistic: 'psi', useCaseId });
    expect(['mean', 'std']).toContain(drift[0]!.data.feature);
    expect(drift[0]!.data.value).toBeGreaterThan(0.1);
  }, 120_000);
});
