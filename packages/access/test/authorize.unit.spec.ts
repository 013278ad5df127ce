import { describe, expect, it } from 'vitest';
import {
  FourEyesViolationError,
  Permission,
  PermissionDeniedError,
  assertAuthorized,
  assertFourEyes,
  authorize,
  parseScope,
  scopeCovers,
  type Principal,
  type Role,
} from '../src/index.ts';

const principal = (roles: Role[], scopes: string[], subject = 'alice'): Principal => ({ subject, roles, scopes, tokenId: 'tok-1' });
const line2 = { site: 'plant1', area: 'packaging', line: 'line2' };
const line3 = { site: 'plant1', area: 'packaging', line: 'line3' };
const otherArea = { site: 'plant1', area: 'filling', line: 'line1' };
const otherSite = { site: 'plant2', area: 'packaging', line: 'line2' };

describe('scopes', () => {
  it('parses the four forms and refuses others with a reason', () => {
    expect(parseScope('*')).toEqual({ ok: true, scope: { kind: 'all' } });
    expect(parseScope('site:plant1')).toEqual({ ok: true, scope: { kind: 'site', path: ['plant1'] } });
    expect(parseScope('area:plant1/packaging')).toEqual({ ok: true, scope: { kind: 'area', path: ['plant1', 'packaging'] } });
    expect(parseScope('line:plant1/packaging/line2').ok).toBe(true);
    for (const bad of ['', 'plant1', 'area:plant1', 'line:plant1/packaging', 'site:plant1/x', 'cell:a/b/c/d', 'site:', 'area:plant1/', 'site:pl ant']) {
      const parsed = parseScope(bad);
      expect(parsed.ok, bad).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toContain('scope');
    }
  });

  it('covers by path prefix, not by string prefix', () => {
    const area = parseScope('area:plant1/pack');
    if (!area.ok) throw new Error('unreachable');
    expect(scopeCovers(area.scope, ['plant1', 'packaging', 'line2'])).toBe(false);
    expect(scopeCovers(area.scope, ['plant1', 'pack', 'line2'])).toBe(true);
  });

  describe('when an operator is scoped to an area', () => {
    const op = principal(['operator'], ['area:plant1/packaging']);
    it('may act on any line of that area', () => {
      expect(authorize(op, Permission.AssetSetMode, line2)).toEqual({ allowed: true });
      expect(authorize(op, Permission.AssetSetMode, line3)).toEqual({ allowed: true });
      expect(authorize(op, Permission.AssetSetMode, { site: 'plant1', area: 'packaging' })).toEqual({ allowed: true });
    });
    it('may not act on another area, another site, the whole site or a thing with no location', () => {
      for (const resource of [otherArea, otherSite, { site: 'plant1' }, undefined, {}]) {
        const decision = authorize(op, Permission.AssetSetMode, resource);
        expect(decision.allowed).toBe(false);
        if (!decision.allowed) expect(decision.missing).toBe('scope');
      }
    });
    it('says which scope is missing, in plain words', () => {
      const decision = authorize(op, Permission.RecommendationDecide, otherArea);
      expect(decision).toEqual({
        allowed: false,
        missing: 'scope',
        reason:
          "line plant1/filling/line1 is outside alice's scope area:plant1/packaging; recommendation.decide there needs scope line:plant1/filling/line1 (or a wider one, or *)",
      });
    });
  });

  describe('when an operator is scoped to one line', () => {
    const op = principal(['operator'], ['line:plant1/packaging/line2']);
    it('may act on that line only', () => {
      expect(authorize(op, Permission.RecommendationDecide, line2).allowed).toBe(true);
      expect(authorize(op, Permission.RecommendationDecide, line3).allowed).toBe(false);
      expect(authorize(op, Permission.RecommendationDecide, { site: 'plant1', area: 'packaging' }).allowed).toBe(false);
    });
  });

  describe('when the resource has no location (a global thing)', () => {
    it('needs scope * for a located permission', () => {
      const site = principal(['quality_lead'], ['site:plant1']);
      const decision = authorize(site, Permission.ModelApprove);
      expect(decision.allowed).toBe(false);
      if (!decision.allowed)
        expect(decision.reason).toBe("a resource with no location is outside alice's scope site:plant1; model.approve there needs scope *");
      expect(authorize(principal(['quality_lead'], ['*']), Permission.ModelApprove).allowed).toBe(true);
    });
    it('does not check scope where the permission waives it', () => {
      const op = principal(['operator'], ['line:plant1/packaging/line2']);
      expect(authorize(op, Permission.ModelRead)).toEqual({ allowed: true });
      expect(authorize(principal(['auditor'], []), Permission.AuditVerify)).toEqual({ allowed: true });
    });
  });

  it('grants scope * everything its roles allow', () => {
    const all = principal(['engineer'], ['*']);
    for (const resource of [line2, otherArea, otherSite, { site: 'plant9' }, undefined]) {
      expect(authorize(all, Permission.DatasetCreate, resource).allowed).toBe(true);
    }
  });

  it('treats a principal with no scope as scoped nowhere', () => {
    const decision = authorize(principal(['engineer'], []), Permission.DataRead, line2);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.reason).toContain('no scope');
  });

  it('ignores malformed scopes on a principal instead of widening them', () => {
    expect(authorize(principal(['engineer'], ['plant1', 'site:']), Permission.DataRead, line2).allowed).toBe(false);
  });

  it('refuses a resource that names a line without its area', () => {
    const decision = authorize(principal(['engineer'], ['*']), Permission.DataRead, { site: 'plant1', line: 'line2' });
    expect(decision).toEqual({ allowed: false, missing: 'resource', reason: 'resource names a line but no area' });
  });
});

describe('roles', () => {
  it('says which role is missing, in plain words', () => {
    const decision = authorize(principal(['operator', 'engineer'], ['*']), Permission.ModelApprove, line2);
    expect(decision).toEqual({
      allowed: false,
      missing: 'role',
      reason: 'alice has role operator, engineer; model.approve needs role quality_lead',
    });
  });
  it('grants the union of several roles', () => {
    const both = principal(['operator', 'engineer'], ['*']);
    expect(authorize(both, Permission.AssetSetMode, line2).allowed).toBe(true);
    expect(authorize(both, Permission.TrainingStart, line2).allowed).toBe(true);
  });
  it('fails closed on a permission that is not in the matrix', () => {
    const decision = authorize(principal(['admin'], ['*']), 'model.delete' as Permission, line2);
    expect(decision.allowed).toBe(false);
  });
});

describe('assertAuthorized', () => {
  it('throws PermissionDeniedError with the permission, resource and reason', () => {
    let caught: unknown;
    try {
      assertAuthorized(principal(['engineer'], ['*']), Permission.ModelApprove, line2);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PermissionDeniedError);
    const error = caught as PermissionDeniedError;
    expect(error.name).toBe('PermissionDeniedError');
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.permission).toBe('model.approve');
    expect(error.resource).toEqual(line2);
    expect(error.reason).toContain('needs role quality_lead');
    expect(error.message).toBe(`model.approve denied: ${error.reason}`);
  });
  it('returns quietly when allowed', () => {
    expect(() => assertAuthorized(principal(['quality_lead'], ['*']), Permission.ModelApprove, line2)).not.toThrow();
  });
});

describe('four eyes', () => {
  it('lets a different person approve', () => {
    expect(() => assertFourEyes('alice', 'bob')).not.toThrow();
    expect(() => assertFourEyes(principal(['engineer'], ['*'], 'alice'), principal(['quality_lead'], ['*'], 'bob'))).not.toThrow();
  });
  it('refuses the proposer approving their own proposal, however the name is spelled', () => {
    for (const approver of ['alice', 'Alice', ' alice ', 'ＡＬＩＣＥ']) {
      expect(() => assertFourEyes('alice', approver), approver).toThrow(FourEyesViolationError);
    }
    try {
      assertFourEyes({ subject: 'alice' }, { subject: 'alice' });
    } catch (error) {
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as FourEyesViolationError).code).toBe('PERMISSION_DENIED');
      expect((error as FourEyesViolationError).name).toBe('FourEyesViolationError');
      expect((error as Error).message).toContain('four eyes');
    }
  });
  it('refuses an empty subject', () => {
    expect(() => assertFourEyes('', 'bob')).toThrow(PermissionDeniedError);
  });
});
