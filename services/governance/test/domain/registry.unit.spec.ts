import { eventExamples, eventValidator, latestVersion } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import {
  FourEyesError,
  RegistryError,
  holderOf,
  decideApprove,
  decidePromote,
  decideReject,
  decideRequestApproval,
  decideRollback,
  deploymentsOf,
  emptyRegistry,
  evolveRegistry,
  stagesOf,
  type Decision,
  type RegistryEvent,
  type RegistryState,
} from '../../src/domain/registry.ts';
import { productionHolderFor } from '../../src/domain/production-gates.ts';

const U = '7f1d6c3e-0000-4000-8000-000000000001';
const V1 = '7f1d6c3e-0000-4000-8000-0000000000a1';
const V2 = '7f1d6c3e-0000-4000-8000-0000000000a2';
const V3 = '7f1d6c3e-0000-4000-8000-0000000000a3';
const R1 = '7f1d6c3e-0000-4000-8000-0000000000b1';
const R2 = '7f1d6c3e-0000-4000-8000-0000000000b2';
const R3 = '7f1d6c3e-0000-4000-8000-0000000000b3';
const PILOT = 'acme.plant-1.utilities.cooling-water';
const AT = '2025-03-01T08:00:00.000Z';

const registered = (modelVersionId: string, version: number, metrics: Record<string, number>): RegistryEvent => ({
  type: 'ModelVersionRegistered',
  data: { ...eventExamples.ModelVersionRegistered, modelVersionId, useCaseId: U, version, metrics },
  actor: 'svc:training',
  recordedAt: AT,
});
const fold = (events: readonly RegistryEvent[]): RegistryState => events.reduce(evolveRegistry, emptyRegistry());
/** A decision as the store would record it (validated against its contract), by `actor`. */
const applied = (s: RegistryState, d: Decision, actor: string): RegistryState => {
  expect(eventValidator.validate(d.type, latestVersion(d.type), d.data)).toBeNull();
  return evolveRegistry(s, { type: d.type, data: d.data, actor, recordedAt: AT });
};
const refusedBy = (code: RegistryError['code'] | 'FOUR_EYES', f: () => unknown, message?: RegExp): void => {
  let caught: unknown = null;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  if (code === 'FOUR_EYES') expect(caught).toBeInstanceOf(FourEyesError);
  else {
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as RegistryError).code).toBe(code);
  }
  if (message !== undefined) expect((caught as Error).message).toMatch(message);
};

const base = () => fold([registered(V1, 1, { recall: 0.7 }), registered(V2, 2, { recall: 0.85 })]);
const request = (over: Partial<Parameters<typeof decideRequestApproval>[1]> = {}) => ({
  useCaseId: U,
  requestId: R1,
  modelVersionId: V2,
  targetStage: 'production' as const,
  justification: 'better recall',
  scope: null,
  ...over,
});

/** V1 in production (use-case wide) through the whole path, requested by erin and approved by quinn. */
function withV1InProduction(): RegistryState {
  let s = base();
  s = applied(s, decideRequestApproval(s, request({ requestId: R2, modelVersionId: V1 })), 'erin');
  s = applied(s, decideApprove(s, { useCaseId: U, requestId: R2, approver: 'quinn', conditions: [], comment: null }), 'quinn');
  return applied(s, decidePromote(s, { useCaseId: U, requestId: R2 }), 'quinn');
}

describe('the model stream folded', () => {
  it('lists registered versions as candidates with no deployments', () => {
    const s = base();
    expect(stagesOf(s, V1)).toEqual([{ stage: 'candidate', scope: null, detail: '' }]);
    expect(deploymentsOf(s)).toEqual([]);
  });

  it('tracks production, shadow, retired and refused per scope', () => {
    let s = withV1InProduction();
    s = evolveRegistry(s, {
      type: 'ModelPromoted',
      data: { useCaseId: U, modelVersionId: V2, stage: 'shadow', approvalRequestId: R1, previousModelVersionId: null, scope: PILOT },
      actor: 'q',
      recordedAt: AT,
    });
    expect(stagesOf(s, V1)).toEqual([{ stage: 'production', scope: null, detail: '' }]);
    expect(stagesOf(s, V2)).toEqual([{ stage: 'shadow', scope: PILOT, detail: '' }]);
    s = evolveRegistry(s, {
      type: 'ModelPromoted',
      data: { useCaseId: U, modelVersionId: V2, stage: 'production', approvalRequestId: R1, previousModelVersionId: null, scope: PILOT },
      actor: 'q',
      recordedAt: AT,
    });
    expect(stagesOf(s, V2)).toEqual([{ stage: 'production', scope: PILOT, detail: '' }]);
    s = evolveRegistry(s, {
      type: 'ModelRolledBack',
      data: { useCaseId: U, fromModelVersionId: V2, toModelVersionId: null, trigger: 'manual', reason: 'r', scope: PILOT },
      actor: 'q',
      recordedAt: AT,
    });
    expect(stagesOf(s, V2)).toEqual([{ stage: 'retired', scope: PILOT, detail: '' }]);
    s = evolveRegistry(s, {
      type: 'ModelRefused',
      data: {
        ...eventExamples.ModelRefused,
        useCaseId: U,
        modelVersionId: V1,
        stage: 'production',
        check: 'integrity',
        reason: 'sha256 differs',
        keptModelVersionId: null,
      },
      actor: 'svc:inference',
      recordedAt: AT,
    });
    expect(stagesOf(s, V1)).toEqual([
      { stage: 'retired', scope: null, detail: '' },
      { stage: 'refused', scope: null, detail: 'integrity: sha256 differs' },
    ]);
    expect(deploymentsOf(s)).toEqual([
      { stage: 'production', scope: null, modelVersionId: null },
      { stage: 'production', scope: PILOT, modelVersionId: null },
      { stage: 'shadow', scope: PILOT, modelVersionId: null },
    ]);
  });
});

describe('requesting approval', () => {
  it('records the evidence: the version and the holder it would replace', () => {
    const d = decideRequestApproval(withV1InProduction(), request());
    expect(d).toEqual({
      type: 'ModelApprovalRequested',
      data: {
        requestId: R1,
        useCaseId: U,
        modelVersionId: V2,
        targetStage: 'production',
        justification: 'better recall',
        metrics: { recall: 0.85 },
        comparedToModelVersionId: V1,
        comparedToMetrics: { recall: 0.7 },
      },
    });
  });

  it('compares a first pilot-line request with the use-case-wide holder, and records the scope', () => {
    const d = decideRequestApproval(withV1InProduction(), request({ scope: PILOT }));
    expect(d.data).toMatchObject({ comparedToModelVersionId: V1, scope: PILOT });
  });

  it('compares a production request on a pilot with only a shadow deployment with the use-case-wide production model (the savings gate’s comparison)', () => {
    let s = withV1InProduction();
    s = applied(s, decideRequestApproval(s, request({ targetStage: 'shadow', scope: PILOT })), 'erin');
    s = applied(s, decideApprove(s, { useCaseId: U, requestId: R1, approver: 'quinn', conditions: [], comment: null }), 'quinn');
    s = applied(s, decidePromote(s, { useCaseId: U, requestId: R1 }), 'quinn');
    expect(holderOf(s, 'shadow', U, PILOT)).toBe(V2);
    expect(productionHolderFor(s, U, PILOT)).toBe(V1);
    const d = decideRequestApproval(s, request({ requestId: R3, scope: PILOT }));
    expect(d.data).toMatchObject({ comparedToModelVersionId: V1, comparedToMetrics: { recall: 0.7 }, scope: PILOT });
  });

  it('compares with nothing when no model holds the stage', () => {
    expect(decideRequestApproval(base(), request()).data).toMatchObject({ comparedToModelVersionId: null, comparedToMetrics: null });
  });

  it('refuses an unknown version (NOT_FOUND) and a refused one (FAILED_PRECONDITION)', () => {
    refusedBy('NOT_FOUND', () => decideRequestApproval(base(), request({ modelVersionId: V3 })), /not a registered model version/);
    const s = evolveRegistry(base(), {
      type: 'ModelRefused',
      data: { ...eventExamples.ModelRefused, useCaseId: U, modelVersionId: V2, check: 'load', reason: 'bad onnx' },
      actor: 'svc:inference',
      recordedAt: AT,
    });
    refusedBy('FAILED_PRECONDITION', () => decideRequestApproval(s, request()), /refused \(load: bad onnx\)/);
  });

  it('refuses a second pending request for the same version, stage and scope, but not for another scope', () => {
    const s = applied(base(), decideRequestApproval(base(), request()), 'erin');
    refusedBy('FAILED_PRECONDITION', () => decideRequestApproval(s, request({ requestId: R2 })), /already pending \(requested by erin/);
    expect(decideRequestApproval(s, request({ requestId: R2, scope: PILOT })).type).toBe('ModelApprovalRequested');
    expect(decideRequestApproval(s, request({ requestId: R2, targetStage: 'shadow' })).type).toBe('ModelApprovalRequested');
  });

  it('refuses a version that already holds the stage', () => {
    refusedBy(
      'FAILED_PRECONDITION',
      () => decideRequestApproval(withV1InProduction(), request({ modelVersionId: V1, requestId: R1 })),
      /already holds production/,
    );
  });
});

describe('approving and rejecting', () => {
  const pending = () => applied(base(), decideRequestApproval(base(), request({ scope: PILOT })), 'erin');

  it('approves a pending request by someone else, carrying conditions, comment and scope', () => {
    const d = decideApprove(pending(), { useCaseId: U, requestId: R1, approver: 'quinn', conditions: ['watch pump 3'], comment: 'ok' });
    expect(d).toEqual({
      type: 'ModelApproved',
      data: { requestId: R1, useCaseId: U, modelVersionId: V2, targetStage: 'production', conditions: ['watch pump 3'], comment: 'ok', scope: PILOT },
    });
    const s = applied(pending(), d, 'quinn');
    expect(s.requests.get(R1)).toMatchObject({ status: 'approved', requestedBy: 'erin', decidedBy: 'quinn', conditions: ['watch pump 3'] });
  });

  it('refuses the requester as approver (four eyes), whatever the case of the name', () => {
    refusedBy('FOUR_EYES', () => decideApprove(pending(), { useCaseId: U, requestId: R1, approver: 'Erin', conditions: [], comment: null }), /four eyes/);
  });

  it('refuses an unknown request (NOT_FOUND) and a decided one (FAILED_PRECONDITION naming its state)', () => {
    refusedBy('NOT_FOUND', () => decideApprove(pending(), { useCaseId: U, requestId: R2, approver: 'quinn', conditions: [], comment: null }));
    const rejected = applied(pending(), decideReject(pending(), { useCaseId: U, requestId: R1, reason: 'too few clogs seen' }), 'quinn');
    expect(rejected.requests.get(R1)).toMatchObject({ status: 'rejected', rejectionReason: 'too few clogs seen' });
    refusedBy(
      'FAILED_PRECONDITION',
      () => decideApprove(rejected, { useCaseId: U, requestId: R1, approver: 'quinn', conditions: [], comment: null }),
      /is rejected \(by quinn/,
    );
    refusedBy('FAILED_PRECONDITION', () => decideReject(rejected, { useCaseId: U, requestId: R1, reason: 'again' }), /is rejected/);
  });
});

describe('promoting', () => {
  it('promotes an approved request once, naming the previous holder of that stage and scope', () => {
    let s = withV1InProduction();
    s = applied(s, decideRequestApproval(s, request()), 'erin');
    refusedBy('FAILED_PRECONDITION', () => decidePromote(s, { useCaseId: U, requestId: R1 }), /is pending.*not approved: it needs/);
    s = applied(s, decideApprove(s, { useCaseId: U, requestId: R1, approver: 'quinn', conditions: [], comment: null }), 'quinn');
    const d = decidePromote(s, { useCaseId: U, requestId: R1 });
    expect(d).toEqual({
      type: 'ModelPromoted',
      data: { useCaseId: U, modelVersionId: V2, stage: 'production', approvalRequestId: R1, previousModelVersionId: V1 },
    });
    s = applied(s, d, 'quinn');
    expect(s.requests.get(R1)).toMatchObject({ status: 'promoted', promotedBy: 'quinn' });
    expect(stagesOf(s, V1)).toEqual([{ stage: 'retired', scope: null, detail: '' }]);
    expect(stagesOf(s, V2)).toEqual([{ stage: 'production', scope: null, detail: '' }]);
    refusedBy('FAILED_PRECONDITION', () => decidePromote(s, { useCaseId: U, requestId: R1 }), /is promoted \(promoted by quinn/);
  });

  it('refuses a rejected request and a version refused since its approval', () => {
    let s = applied(base(), decideRequestApproval(base(), request()), 'erin');
    const rejected = applied(s, decideReject(s, { useCaseId: U, requestId: R1, reason: 'no' }), 'quinn');
    refusedBy('FAILED_PRECONDITION', () => decidePromote(rejected, { useCaseId: U, requestId: R1 }), /is rejected/);
    s = applied(s, decideApprove(s, { useCaseId: U, requestId: R1, approver: 'quinn', conditions: [], comment: null }), 'quinn');
    s = evolveRegistry(s, {
      type: 'ModelRefused',
      data: { ...eventExamples.ModelRefused, useCaseId: U, modelVersionId: V2, check: 'parity', reason: 'scores differ' },
      actor: 'svc:inference',
      recordedAt: AT,
    });
    refusedBy('FAILED_PRECONDITION', () => decidePromote(s, { useCaseId: U, requestId: R1 }), /refused \(parity/);
  });
});

describe('rolling back', () => {
  const rb = (over: Partial<Parameters<typeof decideRollback>[1]> = {}) => ({
    useCaseId: U,
    fromModelVersionId: V1,
    toModelVersionId: null,
    reason: 'false alarms',
    scope: null,
    ...over,
  });

  it('rolls production back to the rules or to another registered version', () => {
    const s = withV1InProduction();
    expect(decideRollback(s, rb())).toMatchObject({
      stage: 'production',
      data: { fromModelVersionId: V1, toModelVersionId: null, trigger: 'manual', reason: 'false alarms' },
    });
    const to = applied(s, decideRollback(s, rb({ toModelVersionId: V2 })), 'quinn');
    expect(holderOf(to, 'production', U, null)).toBe(V2);
  });

  it('refuses a version that does not serve the scope, and a refused or unknown target', () => {
    const s = withV1InProduction();
    refusedBy(
      'FAILED_PRECONDITION',
      () => decideRollback(s, rb({ fromModelVersionId: V2 })),
      /is not serving the use-case-wide deployment \(production: 7f1d6c3e-0000-4000-8000-0000000000a1; shadow: none\)/,
    );
    refusedBy('FAILED_PRECONDITION', () => decideRollback(s, rb({ scope: PILOT })), /not serving scope/);
    refusedBy('NOT_FOUND', () => decideRollback(s, rb({ toModelVersionId: V3 })));
    refusedBy('NOT_FOUND', () => decideRollback(s, rb({ fromModelVersionId: V3 })));
  });
});
