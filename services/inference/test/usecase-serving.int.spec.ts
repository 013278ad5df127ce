// Use cases as data at run time (ADR 0016), on the REAL NATS: the runtime serves the use cases the
// charter defines (UseCaseServingSpecDefined in the store), picks up a new one and a revision
// while running, and refuses a model whose inputs do not fit its use case — at load, and when a
// revised use case no longer fits the model serving — with a ModelRefused event that says why.
import { randomUUID } from 'node:crypto';
import { UseCaseServingSpec } from '@industrial/contracts';
import { createKernel } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, until, USE_CASE, type Harness } from './fixture.ts';
import { buildPumpModel } from './pump-data.ts';
import { defineAsCharter } from './usecases.ts';

let h: Harness;
const refusals = async () => (await h.events('ModelRefused')).map((e) => e.data as { modelVersionId: string; check: string; reason: string });

beforeAll(async () => {
  h = await startHarness({ monitor: { minSamples: 1_000_000 } });
}, 120_000);
afterAll(() => h?.close());

describe('when the charter defines and revises use cases while inference runs', () => {
  it('serves the pump use case from its data file, and a new use case as soon as it is defined', async () => {
    expect(h.app.useCases.get(USE_CASE)).toMatchObject({ name: 'Pump bearing failure', specVersion: 1, failureMode: 'bearing_failure' });
    const id = randomUUID();
    const kernel = createKernel({ service: 'charter', store: h.store });
    const file = await import('../../../usecases/pump-bearing.json', { with: { type: 'json' } });
    await kernel.append(
      `usecase-${id}`,
      [
        {
          type: 'UseCaseServingSpecDefined',
          data: { useCaseId: id, specVersion: 1, spec: UseCaseServingSpec.parse({ ...file.default.serving, name: 'Pump bearing, second site' }) },
        },
      ],
      { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
    );
    await h.app.settle();
    expect(h.app.useCases.get(id)).toMatchObject({ name: 'Pump bearing, second site', specVersion: 1 });
  });

  it('refuses at load a model that does not compute the evidence its use case words, saying why', async () => {
    const model = buildPumpModel(5, 60, 30);
    const good = await h.register(model.bundle, { threshold: model.threshold });
    await h.promote(good, 'production');
    await h.app.settle();
    expect(h.app.models.status().useCases[USE_CASE]).toMatchObject({ production: good });

    // Revision 2 words evidence from the discharge pressure's minimum, which this model does not compute:
    // the model serving is refused (the rules stand in) and so is the next one registered.
    await defineAsCharter(
      h.store,
      'pump-bearing',
      (s) => {
        (s.evidence as object[]).push({
          tag: 'discharge_pressure',
          statistic: 'min',
          comparison: 'below-reference',
          unit: 'bar',
          minChange: 0.3,
          decimals: 1,
          words: 'discharge pressure',
        });
      },
      2,
    );
    await h.app.settle();
    await until(async () => (await refusals()).some((r) => r.modelVersionId === good), 60_000, 'the serving model refused');
    expect(h.app.useCases.get(USE_CASE)!.specVersion).toBe(2);
    expect(h.app.models.status().useCases[USE_CASE]).toMatchObject({ production: null });
    const first = (await refusals()).find((r) => r.modelVersionId === good)!;
    expect(first.check).toBe('inputs');
    expect(first.reason).toMatch(/words evidence from discharge_pressure \(min\), which the model does not compute/);

    const next = await h.register(model.bundle, { threshold: model.threshold });
    await h.promote(next, 'production');
    await h.app.settle();
    await until(async () => (await refusals()).some((r) => r.modelVersionId === next), 60_000, 'the new model refused at load');
    const atLoad = (await refusals()).find((r) => r.modelVersionId === next)!;
    expect(atLoad).toMatchObject({ check: 'inputs' });
    expect(atLoad.reason).toMatch(/^Inference refused model version .*: its inputs do not match the use case: .*discharge_pressure \(min\)/);
    expect(h.app.models.status().useCases[USE_CASE]).toMatchObject({ production: null });
  });
});
