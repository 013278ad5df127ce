// The run decider, given/when/then: which commands a run accepts in each state and what it records.
import { eventExamples } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { decide, evolve, fold, initialRunState, type RunEvent, type StartedData, type RegisteredData } from '../src/domain/run.ts';

const RUN = '0193a1b2-7c00-7a10-8b00-000000000009';
const started: StartedData = { ...eventExamples.TrainingRunStarted, runId: RUN, startedAt: '2025-03-04T10:00:00Z' };
const registered: RegisteredData = { ...eventExamples.ModelVersionRegistered, runId: RUN };
const T1 = '2025-03-04T10:00:42Z';

const given = (...events: RunEvent[]) => fold(events);
const startedEvt: RunEvent = { type: 'TrainingRunStarted', data: started };
const progressed = (stage: 'data-loading' | 'training' | 'registration'): RunEvent => ({
  type: 'TrainingRunProgressed',
  data: { runId: RUN, stage, epoch: 1, totalEpochs: 6, progress: 1 / 6, metrics: {} },
});

describe('the training run decider', () => {
  describe('when no run exists', () => {
    it('records TrainingRunStarted and the run is queued', () => {
      const events = decide({ type: 'StartRun', data: started }, initialRunState);
      expect(events).toEqual([startedEvt]);
      expect(fold(events).status).toBe('queued');
    });
    it('refuses progress for it', () => {
      expect(() => decide({ type: 'ReportProgress', runId: RUN, stage: 'training', metrics: {} }, initialRunState)).toThrow(/cannot report progress/);
    });
  });

  describe('when the same start arrives again (a retry)', () => {
    it('records nothing', () => {
      expect(decide({ type: 'StartRun', data: { ...started, startedAt: T1 } }, given(startedEvt))).toEqual([]);
    });
    it('refuses a different request under the same run id as ALREADY_EXISTS', () => {
      expect(() => decide({ type: 'StartRun', data: { ...started, seed: 7 } }, given(startedEvt))).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    });
  });

  describe('when a queued run reports progress', () => {
    it('numbers the stage and becomes running', () => {
      const [e] = decide({ type: 'ReportProgress', runId: RUN, stage: 'training', metrics: {} }, given(startedEvt));
      expect(e).toMatchObject({ type: 'TrainingRunProgressed', data: { stage: 'training', epoch: 2, totalEpochs: 6 } });
      expect(evolve(given(startedEvt), e!).status).toBe('running');
    });
  });

  describe('when a running run completes', () => {
    it('refuses to complete before its model is registered', () => {
      expect(() =>
        decide(
          { type: 'CompleteRun', runId: RUN, now: T1, metrics: { f1: 1 }, artifactUri: 'file:///a', artifactHash: 'b'.repeat(64) },
          given(startedEvt, progressed('training')),
        ),
      ).toThrow(/without a registered model/);
    });
    it('registers the model once, then completes with the duration since start', () => {
      const s = given(startedEvt, progressed('registration'));
      const reg = decide({ type: 'RegisterModel', data: registered }, s);
      expect(reg).toEqual([{ type: 'ModelVersionRegistered', data: registered }]);
      const s2 = evolve(s, reg[0]!);
      expect(decide({ type: 'RegisterModel', data: registered }, s2)).toEqual([]);
      const [done] = decide(
        { type: 'CompleteRun', runId: RUN, now: T1, metrics: { f1: 0.8 }, artifactUri: registered.artifactUri, artifactHash: registered.artifactHash },
        s2,
      );
      expect(done).toMatchObject({ type: 'TrainingRunCompleted', data: { durationSeconds: 42, metrics: { f1: 0.8 } } });
      const final = evolve(s2, done!);
      expect(final.status).toBe('completed');
      expect(final.progress).toBe(1);
    });
    it('does not fail a run whose model is registered (it is completed from the registration instead)', () => {
      const s = given(startedEvt, progressed('registration'), { type: 'ModelVersionRegistered', data: registered });
      expect(() => decide({ type: 'FailRun', runId: RUN, now: T1, stage: 'registration', error: 'x', retryable: true }, s)).toThrow(/complete it instead/);
    });
  });

  describe('when a run fails', () => {
    it('records the stage, a bounded error and whether a retry may help', () => {
      const [e] = decide(
        { type: 'FailRun', runId: RUN, now: T1, stage: 'training', error: 'x'.repeat(3000), retryable: false },
        given(startedEvt, progressed('training')),
      );
      expect(e).toMatchObject({ type: 'TrainingRunFailed', data: { stage: 'training', retryable: false } });
      expect((e!.data as { error: string }).error).toHaveLength(2000);
      const s = evolve(given(startedEvt), e!);
      expect(s.status).toBe('failed');
      expect(decide({ type: 'FailRun', runId: RUN, now: T1, stage: 'training', error: 'again', retryable: false }, s)).toEqual([]);
      expect(() => decide({ type: 'RegisterModel', data: registered }, s)).toThrow(/only a running run/);
    });
  });
});
