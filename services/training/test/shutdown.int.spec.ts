// Stopping the service while a run trains: `finish` lets the running job complete and register
// its candidate; `cancel` aborts it and records TrainingRunFailed (retryable) — never a model
// without its run, never a run left "running". A trainer that waits for a gate stands in for a
// long fit.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createInlineTrainer, RunCancelledError, type Trainer } from '../src/index.ts';
import { sqliteStore, startTraining, syntheticCsv, type Running, type StoreFixture } from './fixture.ts';

function gatedTrainer(): Trainer & { started: Promise<void>; release(): void } {
  const inline = createInlineTrainer();
  let release!: () => void, started!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const startedP = new Promise<void>((r) => (started = r));
  return {
    started: startedP,
    release,
    async train(job, signal) {
      started();
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve);
        signal?.addEventListener('abort', () => reject(new RunCancelledError()), { once: true });
      });
      return inline.train(job, signal);
    },
  };
}

const spec = {
  target: 'machine_failure',
  features: ['torque', 'tool_wear'],
  modelType: 'gbdt',
  hyperparameters: { max_iter: 5 },
  imbalance: 'none',
  imputation: 'none',
  costModel: null,
  seed: 1,
};
const engineer = { subject: 'erin', role: 'engineer' };

describe('when the training service stops during a run', () => {
  let fx: StoreFixture;
  let t: Running | undefined;
  afterEach(async () => {
    await t?.close().catch(() => undefined);
    await fx?.cleanup();
  });

  it('in finish mode completes the running job and registers its candidate, and refuses new runs', async () => {
    fx = await sqliteStore();
    const trainer = gatedTrainer();
    t = await startTraining(fx.store, { trainer });
    const useCaseId = randomUUID();
    const snap = await t.snapshot(useCaseId, syntheticCsv(300));
    const run = await t.app.runs.start({ snapshotId: snap.snapshotId, useCaseId, spec }, engineer);
    await trainer.started;
    const stopping = t.app.stop({ mode: 'finish' });
    await expect(t.app.runs.start({ snapshotId: snap.snapshotId, useCaseId, spec }, engineer)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    trainer.release();
    await stopping;
    const types = (await fx.store.readStream(`training-run-${run.started!.runId}`)).map((e) => e.type);
    expect(types.at(-1)).toBe('TrainingRunCompleted');
    expect((await fx.store.readStream(`model-${useCaseId}`)).map((e) => e.type)).toEqual(['ModelVersionRegistered']);
  });

  it('in cancel mode aborts the running job, records it failed and retryable, and registers nothing', async () => {
    fx = await sqliteStore();
    const trainer = gatedTrainer();
    t = await startTraining(fx.store, { trainer });
    const useCaseId = randomUUID();
    const snap = await t.snapshot(useCaseId, syntheticCsv(300));
    const run = await t.app.runs.start({ snapshotId: snap.snapshotId, useCaseId, spec }, engineer);
    const queued = await t.app.runs.start({ snapshotId: snap.snapshotId, useCaseId, spec: { ...spec, seed: 2 } }, engineer);
    await trainer.started;
    await t.app.stop({ mode: 'cancel' });
    for (const id of [run.started!.runId, queued.started!.runId]) {
      const events = await fx.store.readStream(`training-run-${id}`);
      expect(events.at(-1)).toMatchObject({ type: 'TrainingRunFailed', data: { retryable: true, error: expect.stringMatching(/^cancelled/) } });
    }
    await expect(fx.store.readStream(`model-${useCaseId}`)).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  });
});
