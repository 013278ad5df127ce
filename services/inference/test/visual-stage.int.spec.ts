// The region stage served (#22): the small board model's JSON carries its second stage over the
// defect map (`regionStage`); the visual loader reads and checks it and the board scoring adapter
// keeps only the regions it keeps. Against real things: the bundle on disk, onnxruntime-node, the
// image store, DeepPCB boards. Same ONNX, same threshold: with the stage the boards get fewer
// regions than without, each one a region the tile model flagged; a stage that cannot be read is
// refused naming its field, and nothing of it is kept.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageStore, overlaps, type RegionStage } from '@industrial/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileArtifacts } from '../src/adapters/artifacts/files.ts';
import { createOnnxScorer } from '../src/adapters/onnx/scorer.ts';
import { boardImagesAt } from '../src/adapters/vision/images.ts';
import { visualModelLoader } from '../src/adapters/vision/visual-loader.ts';
import type { RegisteredModel } from '../src/domain/deployments.ts';
import { IMAGE_DRIFT_FEATURES } from '../src/domain/visual.ts';
import type { LoadedModel } from '../src/features/ports.ts';
import { deepPcbBoards, writeBoardBundle } from './vision-fixture.ts';

let dir: string, images: ImageStore;
const stages = new Map<string, RegionStage>();
const loader = () => visualModelLoader({ artifacts: fileArtifacts(), createScorer: (b, n) => createOnnxScorer(b, n), now: Date.now, stages });
const loaded: LoadedModel[] = [];

async function registered(name: string, options: { regionStage?: boolean; edit?: (model: Record<string, unknown>) => void } = {}): Promise<RegisteredModel> {
  const a = await writeBoardBundle(join(dir, 'models'), name, { regionStage: options.regionStage ?? true });
  if (options.edit) {
    const path = fileURLToPath(a.artifactUri).replace(/\.onnx$/, '.model.json');
    const model = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    options.edit(model);
    writeFileSync(path, JSON.stringify(model));
  }
  return {
    modelVersionId: randomUUID(),
    useCaseId: '00000000-0000-4000-8000-000000000022',
    version: 1,
    artifactUri: a.artifactUri,
    artifactHash: a.artifactHash,
    decisionThreshold: a.threshold,
    windowSeconds: 1,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inference-stage-'));
  images = new ImageStore(join(dir, 'images'));
});
afterAll(async () => {
  for (const m of loaded) await m.scorer.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('the region stage of a visual model', () => {
  it('is loaded with the model and keeps fewer regions on the same boards, each a region of the tile model', async () => {
    const withStage = await loader().load(await registered('stage'));
    const without = await loader().load(await registered('nostage', { regionStage: false }));
    loaded.push(withStage, without);
    expect(stages.has(withStage.registered.modelVersionId)).toBe(true);
    expect(stages.has(without.registered.modelVersionId)).toBe(false);
    expect(withStage.threshold).toBe(without.threshold);

    const boards = deepPcbBoards().slice(20, 26);
    const score = boardImagesAt(join(dir, 'images'), stages).score;
    let all = 0,
      kept = 0,
      foundAll = 0,
      foundKept = 0;
    for (const b of boards) {
      const { sha256 } = await images.put(new Uint8Array(readFileSync(b.imagePath)));
      const m = (l: LoadedModel) => ({ modelVersionId: l.registered.modelVersionId, scorer: l.scorer, threshold: l.threshold });
      const full = (await score(sha256, m(without), IMAGE_DRIFT_FEATURES)).regions;
      const staged = (await score(sha256, m(withStage), IMAGE_DRIFT_FEATURES)).regions;
      // the stage only drops: every region it keeps is one the tile model flagged at the same threshold
      for (const r of staged) expect(full).toContainEqual(r);
      all += full.length;
      kept += staged.length;
      foundAll += b.defects.filter((d) => full.some((r) => overlaps(r, d))).length;
      foundKept += b.defects.filter((d) => staged.some((r) => overlaps(r, d))).length;
    }
    expect(kept).toBeLessThan(all);
    expect(foundKept).toBeGreaterThan(0); // still where the annotated defects are
    expect(foundKept).toBeLessThanOrEqual(foundAll);
    console.log(`region stage on 6 boards: ${all} → ${kept} regions, defects found ${foundAll} → ${foundKept}`);
  }, 180_000);

  it('refuses a model whose region stage cannot be read, naming the field, and keeps nothing of it', async () => {
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['badkeep', (m) => ((m.regionStage as Record<string, unknown>).keep = 'high'), /regionStage\.keep: must be a number in \[0, 1\]/],
      ['nomodel', (m) => delete (m.regionStage as Record<string, unknown>).model, /regionStage\.model: not a/],
      [
        'badinputs',
        (m) => (((m.regionStage as { model: { pipeline: { inputs: string[] } } }).model.pipeline.inputs as string[]).length = 3),
        /regionStage\.model\.pipeline\.inputs: must be the 14 region features/,
      ],
      ['notobject', (m) => (m.regionStage = 0.5), /regionStage: not an object/],
    ];
    for (const [name, edit, reason] of cases) {
      const reg = await registered(name, { edit });
      const refused = await loader()
        .load(reg)
        .then(
          () => null,
          (e: unknown) => e as { name: string; check: string; message: string },
        );
      expect(refused, name).toMatchObject({ name: 'ModelRefusedError', check: 'load' });
      expect(refused!.message, name).toMatch(reason);
      expect(stages.has(reg.modelVersionId), name).toBe(false);
    }
  }, 60_000);
});
