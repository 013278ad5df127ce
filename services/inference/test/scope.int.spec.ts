// Deployments per scope on the REAL NATS: a model promoted for a pilot line serves that line only;
// the other lines keep the rule-based limits until a use-case-wide promotion; rolling the pilot
// line back returns it to the rules (it does not fall through to the wider model).
import { createRng } from '@industrial/ml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoredWindow } from '../src/features/scoring.ts';
import { asGovernance, startHarness, until, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel, pumpStream, sampleBatch, type PumpSample } from './pump-data.ts';

let h: Harness;
let v1: string;
const quality = { actor: 'quinn', role: 'quality_lead', correlationId: '0193a1b2-7c00-7a10-8b00-00000000c0de' };
const scored: ScoredWindow[] = [];
const start = Date.now() - 3 * 3_600_000;
let streams: Map<string, PumpSample[]>;
let minute = 0;
let published = 0;
const line = (l: string) => `${h.enterprise}.plant-1.utilities.${l}`;
const pumpA = () => `${line('line-a')}.pump-1`;
const pumpB = () => `${line('line-b')}.pump-1`;

async function run(minutes: number): Promise<void> {
  scored.length = 0;
  for (const end = minute + minutes; minute < end; minute++) {
    for (const [asset, s] of streams) {
      await h.publish(sampleBatch(asset, s[minute]!));
      published++;
    }
  }
  await until(() => h.app.pipeline.counters().batches >= published, 60_000, 'batches consumed');
  await h.drained(); // the last batch scored, not only taken (it would land in the next run's windows)
}
const sourcesOf = (asset: string) => new Set(scored.filter((s) => s.assetPath === asset).map((s) => s.source));

beforeAll(async () => {
  const model = buildPumpModel(5, 60, 30);
  h = await startHarness({ monitor: { minSamples: 1_000_000 } });
  v1 = await h.register(model.bundle, { threshold: model.threshold });
  h.app.pipeline.onScored((s) => scored.push(s));
  const rng = createRng(9);
  streams = new Map([
    [pumpA(), pumpStream(rng, 200, { startMs: start })],
    [pumpB(), pumpStream(rng, 200, { startMs: start })],
  ]);
  await asGovernance(h.store)(
    {
      type: 'ModelPromoted',
      data: {
        useCaseId: USE_CASE,
        modelVersionId: v1,
        stage: 'production',
        approvalRequestId: '0193a1b2-7c00-7a10-8b00-00000000a001',
        previousModelVersionId: null,
        scope: line('line-a'),
      },
    },
    quality,
  );
  await h.app.settle();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('a model promoted for a pilot line', () => {
  it('scores the pilot line with the model and leaves the other line on the rule-based limits', async () => {
    expect(h.app.models.status().useCases).toMatchObject({ [`${USE_CASE}@${line('line-a')}`]: { production: v1 } });
    await run(60);
    expect(sourcesOf(pumpA())).toEqual(new Set(['model']));
    expect(sourcesOf(pumpB())).toEqual(new Set(['rules']));
  });

  it('then use-case wide: the other line is scored by the model too', async () => {
    await asGovernance(h.store)(
      {
        type: 'ModelPromoted',
        data: {
          useCaseId: USE_CASE,
          modelVersionId: v1,
          stage: 'production',
          approvalRequestId: '0193a1b2-7c00-7a10-8b00-00000000a002',
          previousModelVersionId: null,
        },
      },
      quality,
    );
    await h.app.settle();
    await run(20);
    expect(sourcesOf(pumpA())).toEqual(new Set(['model']));
    expect(sourcesOf(pumpB())).toEqual(new Set(['model']));
  });

  it('a rollback of the pilot line returns that line to the rules, not to the wider model', async () => {
    await asGovernance(h.store)(
      {
        type: 'ModelRolledBack',
        data: {
          useCaseId: USE_CASE,
          fromModelVersionId: v1,
          toModelVersionId: null,
          trigger: 'manual',
          reason: 'pilot line paused for a pump overhaul',
          scope: line('line-a'),
        },
      },
      quality,
    );
    await h.app.settle();
    await run(20);
    expect(sourcesOf(pumpA())).toEqual(new Set(['rules']));
    expect(sourcesOf(pumpB())).toEqual(new Set(['model']));
    expect(h.app.models.status().useCases).toMatchObject({ [USE_CASE]: { production: v1 }, [`${USE_CASE}@${line('line-a')}`]: { production: null } });
  });
});
