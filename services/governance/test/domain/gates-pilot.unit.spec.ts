// The savings gate of a request to production on a pilot (domain/production-gates.ts): a pilot whose
// candidate is only shadowed there has no production deployment of its own, so the candidate is
// compared with the use-case-wide production model; a candidate expected to save less fails the gate
// and the refusal lists the numbers. A pilot with its own production model compares with it, and one
// rolled back to the rules compares with nothing.
import { eventExamples } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS, gatePolicy } from '../../src/domain/gates.ts';
import { assertGatesPass, gateResultsFor, GateError, productionHolderFor, type OutsideEvidence } from '../../src/domain/production-gates.ts';
import { emptyRegistry, evolveRegistry, type ApprovalRequestView, type RegistryEvent, type RegistryState } from '../../src/domain/registry-state.ts';

const U = '7f1d6c3e-0000-4000-8000-000000000016';
const [V1, V2, V3] = ['7f1d6c3e-0000-4000-8000-0000000016a1', '7f1d6c3e-0000-4000-8000-0000000016a2', '7f1d6c3e-0000-4000-8000-0000000016a3'];
const PILOT = 'acme.plant-1.utilities.cooling-water.pump-1';
const AT = '2026-03-01T08:00:00.000Z';
// failure 33 000, inspection 150, a false alarm nothing beyond its inspection (the loop test's charter)
const OUTSIDE: OutsideEvidence = {
  task: 'classification',
  stress: { unavailable: 'not read (no stress gate)' },
  snapshot: null,
  shadow: null,
  costModel: { currency: 'EUR', failure: 33_000, inspection: 150, falseAlarm: 0, source: 'charter' },
};

const event = (type: string, data: unknown): RegistryEvent => ({ type, data, actor: 'user:quinn', recordedAt: AT });
const registered = (modelVersionId: string, version: number, metrics: Record<string, number>) =>
  event('ModelVersionRegistered', { ...eventExamples.ModelVersionRegistered, modelVersionId, useCaseId: U, version, metrics });
const promoted = (modelVersionId: string, stage: 'production' | 'shadow', scope: string | null) =>
  event('ModelPromoted', { useCaseId: U, modelVersionId, stage, approvalRequestId: V3, previousModelVersionId: null, scope });
const fold = (events: readonly RegistryEvent[]): RegistryState => events.reduce(evolveRegistry, emptyRegistry());
const toProduction = (modelVersionId: string, scope: string | null): ApprovalRequestView => ({
  requestId: V3,
  modelVersionId,
  targetStage: 'production',
  scope,
  justification: 'pilot',
  metrics: {},
  comparedToModelVersionId: null,
  comparedToMetrics: null,
  status: 'approved',
  requestedBy: 'user:erin',
  requestedAt: AT,
  decidedBy: 'user:quinn',
  decidedAt: AT,
  conditions: [],
  comment: null,
  rejectionReason: null,
  promotedBy: null,
  promotedAt: null,
});

// V1 in production fleet-wide: (40 × 32 850 − 20 × 150) / 1000 rows × 1000 = 1 311 000 per 1000 windows;
// V2, the candidate: (30 × 32 850 − 45 × 150) / 1000 rows × 1000 = 978 750
const history = [registered(V1, 1, { rows: 1000, tp: 40, fp: 20 }), registered(V2, 2, { rows: 1000, tp: 30, fp: 45 }), promoted(V1, 'production', null)];
const policy = gatePolicy(DEFAULT_GATE_SETTINGS, null);

describe('the savings gate on a pilot', () => {
  it('compares a candidate shadowed on the pilot with the fleet-wide production model, and refuses it listing the numbers', () => {
    const s = fold([...history, promoted(V2, 'shadow', PILOT)]);
    expect(productionHolderFor(s, U, PILOT)).toBe(V1);
    const results = gateResultsFor(s, U, toProduction(V2, PILOT), policy, OUTSIDE);
    expect(results).toEqual([
      {
        gate: 'savings',
        passed: false,
        detail:
          'expected savings 978750 EUR per 1000 windows vs production (version 1) 1311000 EUR (charter cost model: failure 33000, inspection 150, false alarm 0)',
      },
    ]);
    let refusal: unknown = null;
    try {
      assertGatesPass(s, U, toProduction(V2, PILOT), policy, OUTSIDE);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(GateError);
    expect((refusal as GateError).message).toBe(
      'model version 2 fails 1 gate for production: [savings] expected savings 978750 EUR per 1000 windows vs production (version 1) 1311000 EUR (charter cost model: failure 33000, inspection 150, false alarm 0)',
    );
  });

  it('lets a candidate expected to save at least as much through', () => {
    const s = fold([...history, registered(V3, 3, { rows: 1000, tp: 45, fp: 19 }), promoted(V3, 'shadow', PILOT)]);
    const results = gateResultsFor(s, U, toProduction(V3, PILOT), policy, OUTSIDE);
    expect(results.map((r) => [r.gate, r.passed])).toEqual([['savings', true]]);
    expect(assertGatesPass(s, U, toProduction(V3, PILOT), policy, OUTSIDE)).toEqual(results);
  });

  it('compares with the pilot’s own production model when it has one, and with nothing once the pilot was rolled back to the rules', () => {
    const own = fold([...history, registered(V3, 3, { rows: 1000, tp: 10, fp: 0 }), promoted(V3, 'production', PILOT), promoted(V2, 'shadow', PILOT)]);
    expect(productionHolderFor(own, U, PILOT)).toBe(V3);
    expect(gateResultsFor(own, U, toProduction(V2, PILOT), policy, OUTSIDE)).toEqual([
      expect.objectContaining({ gate: 'savings', passed: true, detail: expect.stringContaining('vs production (version 3) 328500 EUR') }),
    ]);
    const rolledBack = evolveRegistry(
      own,
      event('ModelRolledBack', { useCaseId: U, fromModelVersionId: V3, toModelVersionId: null, trigger: 'manual', reason: 'r', scope: PILOT }),
    );
    expect(productionHolderFor(rolledBack, U, PILOT)).toBeNull();
    expect(gateResultsFor(rolledBack, U, toProduction(V2, PILOT), policy, OUTSIDE)).toEqual([]);
    // a scope never deployed compares with the fleet-wide model too
    expect(productionHolderFor(fold(history), U, PILOT)).toBe(V1);
  });
});
