// The in-process job queue: order, concurrency, cancellation and shutdown.
import { describe, expect, it } from 'vitest';
import { JobQueue, QueueClosedError } from '../src/features/queue.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the training job queue', () => {
  describe('with the default concurrency of 1', () => {
    it('runs jobs one at a time in arrival order', async () => {
      const log: string[] = [];
      const gates = new Map([
        ['a', deferred()],
        ['b', deferred()],
      ]);
      const q = new JobQueue<string>({
        work: async (j) => {
          log.push(`start ${j}`);
          await gates.get(j)!.promise;
          log.push(`end ${j}`);
        },
      });
      q.enqueue('a', 'a');
      q.enqueue('b', 'b');
      expect(q.running).toEqual(['a']);
      expect(q.queued).toEqual(['b']);
      gates.get('a')!.resolve();
      gates.get('b')!.resolve();
      await q.onIdle();
      expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    });
    it('ignores a job id that is already queued or running', () => {
      const q = new JobQueue<number>({ work: () => new Promise(() => {}) });
      expect(q.enqueue('a', 1)).toBe(true);
      expect(q.enqueue('a', 1)).toBe(false);
    });
  });

  describe('with concurrency 2', () => {
    it('runs two jobs at once', () => {
      const q = new JobQueue<number>({ concurrency: 2, work: () => new Promise(() => {}) });
      for (const id of ['a', 'b', 'c']) q.enqueue(id, 0);
      expect(q.running).toEqual(['a', 'b']);
      expect(q.queued).toEqual(['c']);
    });
  });

  describe('when a job is cancelled', () => {
    it('drops a queued job and aborts a running one', async () => {
      let aborted = false;
      const q = new JobQueue<number>({
        work: (_j, signal) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            }),
          ),
      });
      q.enqueue('a', 0);
      q.enqueue('b', 0);
      expect(q.cancel('b')).toBe('queued');
      expect(q.cancel('a')).toBe('running');
      expect(q.cancel('zzz')).toBe('unknown');
      await q.onIdle();
      expect(aborted).toBe(true);
    });
  });

  describe('when it is closed', () => {
    it('in finish mode lets queued and running jobs complete, then refuses new ones', async () => {
      const done: string[] = [];
      const q = new JobQueue<string>({
        work: async (j) => {
          await new Promise((r) => setTimeout(r, 5));
          done.push(j);
        },
      });
      q.enqueue('a', 'a');
      q.enqueue('b', 'b');
      expect(await q.close('finish')).toEqual({ dropped: [] });
      expect(done).toEqual(['a', 'b']);
      expect(() => q.enqueue('c', 'c')).toThrow(QueueClosedError);
    });
    it('in cancel mode returns the queued jobs and aborts the running one', async () => {
      const q = new JobQueue<string>({ work: (_j, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve())) });
      q.enqueue('a', 'a');
      q.enqueue('b', 'b');
      expect(await q.close('cancel')).toEqual({ dropped: ['b'] });
      expect(q.running).toEqual([]);
    });
    it('reports a job that throws and keeps going', async () => {
      const errors: string[] = [];
      const q = new JobQueue<string>({
        work: async (j) => {
          if (j === 'a') throw new Error('boom');
        },
        onError: (id) => errors.push(id),
      });
      q.enqueue('a', 'a');
      q.enqueue('b', 'b');
      await q.onIdle();
      expect(errors).toEqual(['a']);
    });
  });
});
