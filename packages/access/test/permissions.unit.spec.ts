// The permission matrix, checked cell by cell against a table written out here by hand: a change
// to the matrix fails this test until the same change is made below, on purpose.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  PERMISSION_INFO,
  PERMISSIONS,
  Permission,
  ROLES,
  authorize,
  renderPermissionMatrixMarkdown,
  renderPermissionsDocument,
  roleHasPermission,
  rolesGranting,
  type Principal,
  type Role,
} from '../src/index.ts';

const EXPECTED = `
permission             operator engineer quality_lead auditor admin service
audit.read                -        -         x          x      x      -
audit.verify              -        -         -          x      -      -
audit.replay              -        -         -          x      -      -
usecase.read              x        x         x          x      -      x
usecase.write             -        x         -          -      -      -
usecase.approve           -        -         x          -      -      -
source.read               -        x         -          x      -      x
source.write              -        x         -          -      -      -
data.read                 x        x         x          x      -      x
data.write                -        x         -          -      -      x
data.read_restricted      -        -         x          x      -      -
label.write               -        x         -          -      -      -
dataset.create            -        x         -          -      -      x
training.start            -        x         -          -      -      -
training.read             -        x         x          x      -      x
model.read                x        x         x          x      -      x
model.propose             -        x         -          -      -      -
model.propose_shadow      -        x         -          -      -      x
model.approve             -        -         x          -      -      -
model.promote             -        -         x          -      -      -
model.rollback            -        -         x          -      -      -
model.register            -        -         -          -      -      x
model.break_glass         -        -         x          -      -      -
recommendation.read       x        x         x          x      -      x
recommendation.decide     x        -         -          -      -      -
asset.set_mode            x        -         -          -      -      -
problem.report            x        x         x          -      -      -
drift.read                -        x         x          x      -      x
sim.inject_fault          -        x         -          -      -      -
access.issue_token        -        -         -          -      x      -
access.manage_roles       -        -         -          -      x      -
telemetry.subscribe       x        x         x          x      -      x
`;

function parseExpected(): { roles: string[]; rows: Map<string, Map<string, boolean>> } {
  const lines = EXPECTED.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const [header, ...body] = lines;
  const roles = (header ?? []).slice(1);
  const rows = new Map<string, Map<string, boolean>>();
  for (const [permission, ...cells] of body) {
    rows.set(permission ?? '', new Map(roles.map((role, i) => [role, cells[i] === 'x'])));
  }
  return { roles, rows };
}

const expected = parseExpected();
const everywhere = (role: Role): Principal => ({ subject: `${role}-1`, roles: [role], scopes: ['*'], tokenId: 't' });

describe('the permission matrix', () => {
  it('names exactly the roles and permissions of the expected table', () => {
    expect(expected.roles).toEqual([...ROLES]);
    expect([...expected.rows.keys()].sort()).toEqual([...PERMISSIONS].sort());
  });

  const cases = ROLES.flatMap((role) => PERMISSIONS.map((permission) => ({ role, permission })));
  it.each(cases)('$role → $permission as in the expected table', ({ role, permission }) => {
    const want = expected.rows.get(permission)?.get(role);
    expect(want).toBeTypeOf('boolean');
    expect(roleHasPermission(role, permission)).toBe(want);
    // authorize agrees with the matrix for a principal scoped everywhere, on a located resource
    const decision = authorize(everywhere(role), permission, { site: 'plant1', area: 'packaging', line: 'line2' });
    expect(decision.allowed).toBe(want);
  });

  it('lets every permission be performed by some role', () => {
    for (const permission of PERMISSIONS) expect(rolesGranting(permission).length).toBeGreaterThan(0);
  });

  describe('least privilege', () => {
    it('does not let operators or engineers approve models', () => {
      expect(roleHasPermission('operator', Permission.ModelApprove)).toBe(false);
      expect(roleHasPermission('engineer', Permission.ModelApprove)).toBe(false);
    });
    it('gives auditors no write, decide, approve or manage permission', () => {
      const writes =
        /\.(write|approve|promote|rollback|register|break_glass|decide|set_mode|start|create|propose|propose_shadow|inject_fault|issue_token|manage_roles|report)$/;
      for (const permission of PERMISSIONS) {
        if (writes.test(permission)) expect(roleHasPermission('auditor', permission), permission).toBe(false);
      }
    });
    it('lets service accounts make no human decision: no approve, promote, rollback, break glass or production proposal', () => {
      for (const permission of [
        Permission.ModelApprove,
        Permission.ModelPromote,
        Permission.ModelRollback,
        Permission.ModelBreakGlass,
        Permission.ModelPropose,
        Permission.UsecaseApprove,
        Permission.RecommendationDecide,
        Permission.AssetSetMode,
        Permission.TrainingStart,
      ])
        expect(roleHasPermission('service', permission), permission).toBe(false);
      // what a retraining needs of training's own account (#16): the fresh snapshot and the shadow request
      expect(roleHasPermission('service', Permission.DatasetCreate)).toBe(true);
      expect(roleHasPermission('service', Permission.ModelProposeShadow)).toBe(true);
    });
    it('gives whoever may propose a production model also the shadow request at the door', () => {
      for (const role of rolesGranting(Permission.ModelPropose)) expect(roleHasPermission(role, Permission.ModelProposeShadow), role).toBe(true);
    });
    it('lets only admins issue tokens and manage roles', () => {
      expect(rolesGranting(Permission.AccessIssueToken)).toEqual(['admin']);
      expect(rolesGranting(Permission.AccessManageRoles)).toEqual(['admin']);
    });
  });
});

describe('the rendered matrix', () => {
  it('has a header, a separator and one row per permission', () => {
    const lines = renderPermissionMatrixMarkdown().trim().split('\n');
    expect(lines).toHaveLength(2 + PERMISSIONS.length);
    expect(lines[0]).toBe(`| permission | ${ROLES.join(' | ')} | scope | what it allows |`);
    expect(lines.find((l) => l.startsWith('| `model.approve` '))).toBe(
      `| \`model.approve\` |  |  | ✓ |  |  |  | site/area/line | ${PERMISSION_INFO['model.approve'].description} |`,
    );
  });

  it('is what PERMISSIONS.md holds (regenerate with npm run --silent token -- permissions)', async () => {
    const file = await readFile(new URL('../PERMISSIONS.md', import.meta.url), 'utf8');
    expect(file).toBe(renderPermissionsDocument());
  });
});
