// registerDemoPumpModel: a real pump model for a one-process launcher. Builds once (cached by
// options in artifactsDir), writes the bundle inference loads, registers + promotes it; a second
// start reuses the build and the registration.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModel, parseReferenceProfile, scoreRaw } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BREAK_GLASS_REASON, registerDemoPumpModel, PUMP_FEATURE_NAMES } from '../src/index.ts';
import { sqliteStore, type StoreFixture } from './fixture.ts';

const SMALL = { plants: 2, hours: 12, gbdt: { maxIter: 20 }, importanceRepeats: 1 };
let fx: StoreFixture;
let dir: string;
const useCaseId = randomUUID();
const actor = { subject: 'svc:platform', role: 'service' };

beforeAll(async () => {
  fx = await sqliteStore();
  dir = mkdtempSync(join(tmpdir(), 'demo-pump-'));
});
afterAll(async () => {
  await fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('registerDemoPumpModel', () => {
  it('stores the inference bundle; governance records the registration and a break-glass promotion with the real sha256', async () => {
    const r = await registerDemoPumpModel({ store: fx.store, artifactsDir: dir, useCaseId, actor, options: SMALL });
    expect(r).toMatchObject({ version: 1, cached: false });
    const onnxPath = fileURLToPath(r.artifactUri);
    expect(createHash('sha256').update(readFileSync(onnxPath)).digest('hex')).toBe(r.sha256);
    const model = parseModel(readFileSync(onnxPath.replace(/\.onnx$/, '.model.json'), 'utf8'));
    expect(model.pipeline.inputs).toEqual(PUMP_FEATURE_NAMES);
    expect(model.window).toMatchObject({
      windowMinutes: 60,
      gridMinutes: 1,
      features: [{ name: 'bearing_temp_mean', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean' }, {}, {}, {}],
    });
    const ref = parseReferenceProfile(readFileSync(onnxPath.replace(/\.onnx$/, '.reference.json'), 'utf8'));
    expect(ref.inputs).toEqual(PUMP_FEATURE_NAMES);
    const n = Math.min(20, ref.scores.length);
    const raw = Float64Array.from({ length: n * 4 }, (_, k) => ref.columns[k % 4]![Math.floor(k / 4)]!);
    expect(Array.from(scoreRaw(model, raw, n))).toEqual(ref.scores.slice(0, n));

    const events = await fx.store.readStream(`model-${useCaseId}`);
    expect(events.map((e) => e.type)).toEqual(['ModelVersionRegistered', 'ModelApprovalRequested', 'ModelApproved', 'ModelPromoted']);
    expect(events[0]!.data).toMatchObject({
      modelVersionId: r.modelVersion,
      useCaseId,
      version: 1,
      artifactUri: r.artifactUri,
      artifactHash: r.sha256,
      windowSeconds: 3600,
      featureSetVersion: '1.0.0',
      inputs: [
        { name: 'bearing_temp_mean', unit: 'Cel' },
        { name: 'bearing_temp_slope', unit: 'Cel/h' },
        { name: 'vibration_rms', unit: 'mm/s' },
        { name: 'motor_current_mean', unit: 'A' },
      ],
      decisionThreshold: r.threshold,
    });
    // break glass, recorded: who (the setup account) and why, in the approval and the promotion
    expect(events[1]!.data).toMatchObject({
      modelVersionId: r.modelVersion,
      targetStage: 'production',
      justification: `BREAK GLASS: ${DEMO_BREAK_GLASS_REASON}`,
    });
    expect(events[2]!.data).toMatchObject({ conditions: [expect.stringMatching(/^break-glass: .* by svc:platform$/)], comment: DEMO_BREAK_GLASS_REASON });
    expect(events[3]!.data).toMatchObject({ modelVersionId: r.modelVersion, stage: 'production', previousModelVersionId: null });
    for (const e of events) expect(e.metadata).toMatchObject({ actor: 'svc:platform', role: 'service' });
  });

  it('reuses the cached build and the registration on the next start', async () => {
    const first = (await fx.store.readStream(`model-${useCaseId}`)).length;
    const again = await registerDemoPumpModel({ store: fx.store, artifactsDir: dir, useCaseId, actor, options: SMALL });
    expect(again).toMatchObject({ cached: true, version: 1 });
    expect((await fx.store.readStream(`model-${useCaseId}`)).length).toBe(first);
    // another use case gets its own registration of the same cached build
    const other = await registerDemoPumpModel({ store: fx.store, artifactsDir: dir, useCaseId: randomUUID(), actor, options: SMALL });
    expect(other).toMatchObject({ cached: true, version: 1, sha256: again.sha256 });
    expect(existsSync(fileURLToPath(other.artifactUri))).toBe(true);
  });
});
