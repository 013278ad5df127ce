// Who may request which stage (issue 16): a caller with only model.propose_shadow (training's service
// account) requests the shadow stage of a candidate it registered itself, never production; the
// registry state remembers who registered each version.
import { eventExamples } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { emptyRegistry, evolveRegistry } from '../../src/domain/registry.ts';
import { shadowOnlyRefusal } from '../../src/domain/request-authority.ts';

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
