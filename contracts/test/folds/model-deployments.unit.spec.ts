// The one fold of model deployments (governance and inference both fold with it): promotion,
// shadow, rollback to a version or to the rules, gate-breach and runtime refusals, scoped keys.
import { describe, expect, it } from 'vitest';
import { eventExamples } from '../../src/examples.ts';
import {
  deploymentKey,
  emptyModelDeployments,
  evolveModelDeployments,
  holderOf,
  modelDeploymentsFold,
  parseDeploymentKey,
  type DeploymentEvent,
} from '../../src/folds/model-deployments.ts';

const U = '7f1d6c3e-0000-4000-8000-000000000001';
const V1 = '7f1d6c3e-0000-4000-8000-0000000000a1';
const V2 = '7f1d6c3e-0000-4000-8000-0000000000a2';
const R = '7f1d6c3e-0000-4000-8000-0000000000b1';
const PILOT = 'acme.plant-1.utilities.cooling-water';

const registered = (id: string, version: number): DeploymentEvent => ({
  type: 'ModelVersionRegistered',
  data: { ...eventExamples.ModelVersionRegistered, modelVersionId: id, useCaseId: U, version },
});
const promoted = (id: string, stage: 'shadow' | 'production', scope?: string): DeploymentEvent => ({
  type: 'ModelPromoted',
  data: { useCaseId: U, modelVersionId: id, stage, approvalRequestId: R, previousModelVersionId: null, ...(scope === undefined ? {} : { scope }) },
});
const fold = (events: readonly DeploymentEvent[]) => events.reduce(evolveModelDeployments, emptyModelDeployments());

describe('the model deployments fold', () => {
  it('keys deployments by use case and scope', () => {
    expect(deploymentKey(U)).toBe(U);
    expect(deploymentKey(U, '')).toBe(U);
    expect(deploymentKey(U, PILOT)).toBe(`${U}@${PILOT}`);
    expect(parseDeploymentKey(`${U}@${PILOT}`)).toEqual({ useCaseId: U, scope: PILOT });
  });

  it('serves what was promoted; production clears the same version from shadow; scopes are separate', () => {
    const s = fold([registered(V1, 1), registered(V2, 2), promoted(V2, 'shadow'), promoted(V1, 'production', PILOT), promoted(V2, 'production')]);
    expect(holderOf(s, 'production', U)).toBe(V2);
    expect(holderOf(s, 'shadow', U)).toBeNull();
    expect(holderOf(s, 'production', deploymentKey(U, PILOT))).toBe(V1);
    expect([...(s.served.get(V2) ?? [])]).toEqual([U]);
    expect(s.registered.get(V1)?.version).toBe(1);
  });

  it('rolls back to a version or to the rules; a gate breach refuses the version', () => {
    let s = fold([registered(V1, 1), registered(V2, 2), promoted(V1, 'production'), promoted(V2, 'production')]);
    s = evolveModelDeployments(s, {
      type: 'ModelRolledBack',
      data: { useCaseId: U, fromModelVersionId: V2, toModelVersionId: V1, trigger: 'gate-breach', reason: 'recall fell' },
    });
    expect(holderOf(s, 'production', U)).toBe(V1);
    expect(s.refused.has(V2)).toBe(true);
    expect(s.refusals.get(V2)).toEqual([{ stage: 'production', scope: null, check: 'gate-breach', reason: 'recall fell' }]);
    s = evolveModelDeployments(s, {
      type: 'ModelRolledBack',
      data: { useCaseId: U, fromModelVersionId: V1, toModelVersionId: null, trigger: 'manual', reason: 'review' },
    });
    expect(s.production.get(U)).toBeNull();
    expect(s.refused.has(V1)).toBe(false);
  });

  it('hands a refused stage back to the version kept serving', () => {
    let s = fold([registered(V1, 1), registered(V2, 2), promoted(V1, 'production'), promoted(V2, 'production')]);
    s = evolveModelDeployments(s, {
      type: 'ModelRefused',
      data: {
        ...eventExamples.ModelRefused,
        useCaseId: U,
        modelVersionId: V2,
        stage: 'production',
        check: 'integrity',
        reason: 'sha256 differs',
        keptModelVersionId: V1,
      },
    });
    expect(holderOf(s, 'production', U)).toBe(V1);
    expect(s.refusals.get(V2)?.[0]).toMatchObject({ check: 'integrity', reason: 'sha256 differs' });
  });

  it('maps registrations as the caller needs them and ignores other event types', () => {
    const evolve = modelDeploymentsFold((d, e) => ({ id: d.modelVersionId, at: e.metadata?.recordedAt ?? '' }));
    const s = evolve(evolve(emptyModelDeployments(), { ...registered(V1, 1), metadata: { recordedAt: '2026-01-01T00:00:00Z' } }), {
      type: 'DriftDetected',
      data: {},
    });
    expect(s.registered.get(V1)).toEqual({ id: V1, at: '2026-01-01T00:00:00Z' });
    expect(s.production.size).toBe(0);
  });
});
