// Ground-truth labels as platform events: valid contracts, one stream per fault, name-based ids
// (a replay appends nothing twice), ordered appends, bounded retries, no retry of a kernel refusal.
import { eventValidator } from '@industrial/contracts';
import { OwnershipError, type Kernel } from '@industrial/kernel';
import { describe, expect, it } from 'vitest';
import type { FaultInjected, FaultLabelled } from '../../src/domain/labels.ts';
import { createGroundTruthRecorder, groundTruthEvent } from '../../src/features/ground-truth-labels.ts';

const PATH = 'acme/plant-1/utilities/cooling-water/pump-4';
const injected: FaultInjected = {
  type: 'FaultInjected',
  faultId: 'pump-4#1',
  fault: 'bearing_wear',
  asset: 'pump-4',
  path: PATH,
  severity: 0.8,
  developMinutes: 20,
  startAt: '2026-01-01T00:00:00.000Z',
  plantTime: '2026-01-01T00:00:00.000Z',
  source: 'http',
};
const failed: FaultLabelled = {
  type: 'FaultLabelled',
  faultId: 'pump-4#1',
  fault: 'bearing_failure',
  cause: 'injected',
  asset: 'pump-4',
  path: PATH,
  startedAt: '2026-01-01T00:00:00.000Z',
  failureAt: '2026-01-01T00:20:00.000Z',
  plantTime: '2026-01-01T00:20:00.000Z',
};
const emergent: FaultLabelled = {
  type: 'FaultLabelled',
  faultId: null,
  fault: 'TWF',
  cause: 'emergent',
  asset: 'mill-1',
  path: 'acme/plant-1/machining/cell-1/mill-1',
  startedAt: '2026-01-01T01:00:00.000Z',
  failureAt: '2026-01-01T01:00:00.000Z',
  plantTime: '2026-01-01T01:00:00.000Z',
};

describe('groundTruthEvent', () => {
  it('maps an injected fault and its failure to valid FaultInjected / FaultLabelled events in one fault stream', () => {
    const a = groundTruthEvent(injected, 7);
    const b = groundTruthEvent(failed, 7);
    for (const e of [a, b]) expect(eventValidator.validate(e.draft.type, 1, e.draft.data)).toBeNull();
    expect(b.stream).toBe(a.stream);
    expect(a.stream).toBe(`fault-${a.faultId}`);
    expect(a.draft.data.assetPath).toBe('acme.plant-1.utilities.cooling-water.pump-4');
  });

  it('gives the same label the same ids (a replay appends nothing twice), and another plant or start other ids', () => {
    expect(groundTruthEvent(injected, 7)).toEqual(groundTruthEvent(injected, 7));
    expect(groundTruthEvent(emergent, 1).draft.id).toBe(groundTruthEvent(emergent, 1).draft.id);
    const ids = new Set([
      groundTruthEvent(injected, 7).faultId,
      groundTruthEvent(injected, 8).faultId,
      groundTruthEvent({ ...injected, path: 'acme/plant-2/utilities/cooling-water/pump-4' }, 7).faultId,
      groundTruthEvent({ ...injected, startAt: '2026-01-01T00:05:00.000Z' }, 7).faultId,
    ]);
    expect(ids.size).toBe(4);
  });

  it('keys an injected failure by its occurrence, not by the tick it fell on; two modes of one product stay two events', () => {
    const first = groundTruthEvent(failed, 7, 1);
    expect(groundTruthEvent({ ...failed, failureAt: '2026-01-01T00:21:40.000Z' }, 7, 1).draft.id).toBe(first.draft.id);
    expect(groundTruthEvent(failed, 7, 2).draft.id).not.toBe(first.draft.id);
    expect(groundTruthEvent({ ...failed, fault: 'OSF' }, 7, 1).draft.id).not.toBe(first.draft.id);
  });

  it('writes failure modes as UNS tokens', () => {
    const e = groundTruthEvent(emergent, 1);
    expect(e.draft.data.faultType).toBe('twf');
    expect(eventValidator.validate('FaultLabelled', 1, e.draft.data)).toBeNull();
  });
});

/** A kernel that records appends and fails the first `failures` of them with `error`. */
function fakeKernel(failures = 0, error: Error = new Error('store down')) {
  const appended: { stream: string; type: string; id: string | undefined; actor: string; causationId: string | null }[] = [];
  let calls = 0;
  const kernel = {
    service: 'simulator',
    async append(stream: string, drafts: readonly { type: string; id?: string }[], cause: { actor: string; causationId: string | null }) {
      calls += 1;
      if (calls <= failures) throw error;
      for (const d of drafts) appended.push({ stream, type: d.type, id: d.id, actor: cause.actor, causationId: cause.causationId });
      return { stream, nextExpectedRevision: 0, position: calls, written: drafts.length };
    },
  } as unknown as Kernel;
  return { kernel, appended, calls: () => calls };
}

const noSleep = async () => undefined;

describe('createGroundTruthRecorder', () => {
  it('appends in label order as svc:simulator; the failure is caused by the injection', async () => {
    const { kernel, appended } = fakeKernel();
    const r = createGroundTruthRecorder({ kernel, seed: 7, log: () => {}, sleep: noSleep });
    r.record(injected);
    r.record(failed);
    await r.drain();
    expect(appended.map((a) => a.type)).toEqual(['FaultInjected', 'FaultLabelled']);
    expect(appended.every((a) => a.actor === 'svc:simulator')).toBe(true);
    expect(appended[1]!.causationId).toBe(appended[0]!.id);
    expect(r.stats()).toEqual({ recorded: 2, alreadyRecorded: 0, failed: 0 });
  });

  it('retries a failed append a bounded number of times, then logs it and goes on', async () => {
    const logged: string[] = [];
    const flaky = fakeKernel(2);
    const r = createGroundTruthRecorder({ kernel: flaky.kernel, seed: 7, log: (_l, m) => logged.push(m), sleep: noSleep });
    r.record(injected);
    await r.drain();
    expect(flaky.appended).toHaveLength(1);
    const down = fakeKernel(99);
    const r2 = createGroundTruthRecorder({ kernel: down.kernel, seed: 7, log: (_l, m) => logged.push(m), sleep: noSleep, retryDelaysMs: [1, 1] });
    r2.record(injected);
    await r2.drain();
    expect(down.calls()).toBe(3);
    expect(r2.stats().failed).toBe(1);
    expect(logged).toEqual(['could not record a ground-truth label']);
  });

  it('does not retry a refusal of the kernel', async () => {
    const refused = fakeKernel(99, new OwnershipError('fault-x', 'FaultLabelled', 'simulator', 'simulator', 'test'));
    const r = createGroundTruthRecorder({ kernel: refused.kernel, seed: 7, log: () => {}, sleep: noSleep });
    r.record(failed);
    await r.drain();
    expect(refused.calls()).toBe(1);
    expect(r.stats().failed).toBe(1);
  });

  it('refuses a kernel that writes as another service', () => {
    expect(() => createGroundTruthRecorder({ kernel: { service: 'dataops' } as Kernel, seed: 1, log: () => {} })).toThrow(/simulator/);
  });
});
