// Who may request which stage (issue 16): a caller with only model.propose_shadow (training's service
// account) requests the shadow stage of a candidate it registered itself, never production; the
// registry state remembers who registered each version, and the registry's decision applies the
// rule on it (the edge only says who asks and whether they hold model.propose).
import { eventExamples } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { RegistryError, decideRequestApproval, emptyRegistry, evolveRegistry, type RequestApprovalCommand } from '../../src/domain/registry.ts';
import { ShadowOnlyError, shadowOnlyRefusal } from '../../src/domain/request-authority.ts';

const V = '0193a1b2-7c00-7a10-8b00-00000000aa01';

describe('shadowOnlyRefusal', () => {
  it('lets a service account request the shadow stage of a candidate it registered', () => {
    expect(shadowOnlyRefusal({ subject: 'svc:training', targetStage: 'shadow', modelVersionId: V, registeredBy: 'svc:training' })).toBeNull();
    // subjects compare like four eyes: case and width do not matter
    expect(shadowOnlyRefusal({ subject: 'SVC:Training', targetStage: 'shadow', modelVersionId: V, registeredBy: 'svc:training' })).toBeNull();
  });

  it('refuses production, even for its own candidate, naming the permission it needs', () => {
    const why = shadowOnlyRefusal({ subject: 'svc:training', targetStage: 'production', modelVersionId: V, registeredBy: 'svc:training' });
    expect(why).toContain('never production');
    expect(why).toContain('model.propose (role engineer)');
  });

  it('refuses the shadow stage of a version another subject registered, naming who', () => {
    const why = shadowOnlyRefusal({ subject: 'svc:inference', targetStage: 'shadow', modelVersionId: V, registeredBy: 'svc:training' });
    expect(why).toContain(`model version ${V} was registered by svc:training`);
  });

  it('leaves an unknown version to the registry (NOT_FOUND), not to the access check', () => {
    expect(shadowOnlyRefusal({ subject: 'svc:training', targetStage: 'shadow', modelVersionId: V, registeredBy: null })).toBeNull();
  });
});

describe('the registry state', () => {
  it('records the actor of the first registration of each version', () => {
    const registered = {
      type: 'ModelVersionRegistered',
      data: { ...eventExamples.ModelVersionRegistered, modelVersionId: V },
      recordedAt: '2026-01-01T00:00:00Z',
    };
    let s = evolveRegistry(emptyRegistry(), { ...registered, actor: 'svc:training' });
    s = evolveRegistry(s, { ...registered, actor: 'svc:someone-else' });
    expect(s.registeredBy.get(V)).toBe('svc:training');
  });
});

describe('decideRequestApproval with the requester the edge names', () => {
  const U = eventExamples.ModelVersionRegistered.useCaseId;
  const state = evolveRegistry(emptyRegistry(), {
    type: 'ModelVersionRegistered',
    data: { ...eventExamples.ModelVersionRegistered, modelVersionId: V },
    actor: 'svc:training',
    recordedAt: '2026-01-01T00:00:00Z',
  });
  const ask = (subject: string, shadowOnly: boolean, over: Partial<RequestApprovalCommand> = {}): RequestApprovalCommand => ({
    useCaseId: U,
    requestId: '0193a1b2-7c00-7a10-8b00-00000000bb01',
    modelVersionId: V,
    targetStage: 'shadow',
    justification: 'j',
    scope: null,
    requester: { subject, shadowOnly },
    ...over,
  });
  const refusal = (c: RequestApprovalCommand): unknown => {
    try {
      decideRequestApproval(state, c);
      return null;
    } catch (e) {
      return e;
    }
  };

  it('lets a shadow-only service account request the shadow stage of the candidate it registered', () => {
    expect(decideRequestApproval(state, ask('svc:training', true)).data).toMatchObject({ modelVersionId: V, targetStage: 'shadow' });
  });

  it('refuses a shadow-only caller production, and the shadow stage of a version another subject registered, naming why', () => {
    const production = refusal(ask('svc:training', true, { targetStage: 'production' }));
    expect(production).toBeInstanceOf(ShadowOnlyError);
    expect((production as ShadowOnlyError).detail).toMatch(/svc:training holds model\.propose_shadow only: .*never production/);
    const foreign = refusal(ask('svc:inference', true));
    expect(foreign).toBeInstanceOf(ShadowOnlyError);
    expect((foreign as ShadowOnlyError).detail).toContain(`model version ${V} was registered by svc:training`);
  });

  it('lets a caller with model.propose (or the platform itself, no requester) request any stage of any version', () => {
    expect(decideRequestApproval(state, ask('erin', false, { targetStage: 'production' })).type).toBe('ModelApprovalRequested');
    const { requester: _r, ...inProcess } = ask('x', false, { targetStage: 'production' });
    expect(decideRequestApproval(state, inProcess).type).toBe('ModelApprovalRequested');
  });

  it('leaves an unknown version to NOT_FOUND for a shadow request, and refuses production before looking', () => {
    const unknown = '0193a1b2-7c00-7a10-8b00-00000000aa99';
    expect(refusal(ask('svc:training', true, { modelVersionId: unknown }))).toBeInstanceOf(RegistryError);
    expect(refusal(ask('svc:training', true, { modelVersionId: unknown, targetStage: 'production' }))).toBeInstanceOf(ShadowOnlyError);
  });
});
