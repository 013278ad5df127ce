// The one permission matrix of the platform: every action of every service, which roles may
// perform it, and whether the caller's site/area/line scope applies. Services never invent
// their own checks; they name a permission from here and call `authorize`.
//
// Changing the matrix is a security decision: the unit tests hold an explicit expected table,
// so any change here must be made there too, deliberately. PERMISSIONS.md is rendered from it.

export const Role = {
  Operator: 'operator',
  Engineer: 'engineer',
  QualityLead: 'quality_lead',
  Auditor: 'auditor',
  Admin: 'admin',
  /** Service accounts, for service-to-service calls. */
  Service: 'service',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = Object.freeze(Object.values(Role));

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const Permission = {
  AuditRead: 'audit.read',
  AuditVerify: 'audit.verify',
  AuditReplay: 'audit.replay',
  UsecaseRead: 'usecase.read',
  UsecaseWrite: 'usecase.write',
  UsecaseApprove: 'usecase.approve',
  SourceRead: 'source.read',
  SourceWrite: 'source.write',
  DataRead: 'data.read',
  DataWrite: 'data.write',
  DataReadRestricted: 'data.read_restricted',
  LabelWrite: 'label.write',
  DatasetCreate: 'dataset.create',
  TrainingStart: 'training.start',
  TrainingRead: 'training.read',
  ModelRead: 'model.read',
  ModelPropose: 'model.propose',
  ModelProposeShadow: 'model.propose_shadow',
  ModelApprove: 'model.approve',
  ModelPromote: 'model.promote',
  ModelRollback: 'model.rollback',
  ModelRegister: 'model.register',
  ModelBreakGlass: 'model.break_glass',
  RecommendationRead: 'recommendation.read',
  RecommendationDecide: 'recommendation.decide',
  AssetSetMode: 'asset.set_mode',
  ProblemReport: 'problem.report',
  DriftRead: 'drift.read',
  SimInjectFault: 'sim.inject_fault',
  AccessIssueToken: 'access.issue_token',
  AccessManageRoles: 'access.manage_roles',
  TelemetrySubscribe: 'telemetry.subscribe',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const PERMISSIONS: readonly Permission[] = Object.freeze(Object.values(Permission));

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export interface PermissionInfo {
  /** What the permission allows, in plain words. */
  readonly description: string;
  /**
   * `location`: the principal's scopes must cover the resource's site/area/line (a resource
   * without a location needs scope `*`). `none`: the role alone decides.
   */
  readonly scope: 'location' | 'none';
}

/**
 * Scope is waived only where location carries no meaning for the action and reading it leaks
 * nothing about another line: which models exist (an operator must see which model spoke to
 * them) and whether the audit chain is intact (verification reveals integrity, not content);
 * and registering a trained candidate, which is use-case wide (serving it is scoped, and checked).
 */
export const PERMISSION_INFO: Readonly<Record<Permission, PermissionInfo>> = Object.freeze({
  'audit.read': { description: 'read audit events', scope: 'location' },
  'audit.verify': { description: 'verify the integrity of the event store hash chain', scope: 'none' },
  'audit.replay': { description: 'replay state as it was at any point in time', scope: 'location' },
  'usecase.read': { description: 'read use-case charters, KPIs and cost models', scope: 'location' },
  'usecase.write': { description: 'create and edit use-case charters', scope: 'location' },
  'usecase.approve': { description: 'approve a use-case charter', scope: 'location' },
  'source.read': { description: 'read connected data sources (OPC UA, MQTT)', scope: 'location' },
  'source.write': { description: 'connect, change or remove data sources', scope: 'location' },
  'data.read': { description: 'read historian data and data quality', scope: 'location' },
  'data.write': { description: 'write raw or refined data', scope: 'location' },
  'data.read_restricted': { description: 'read restricted data (personal or confidential tags)', scope: 'location' },
  'label.write': { description: 'label data', scope: 'location' },
  'dataset.create': { description: 'create a hashed dataset snapshot', scope: 'location' },
  'training.start': { description: 'start a training run', scope: 'location' },
  'training.read': { description: 'read training runs and their results', scope: 'location' },
  'model.read': { description: 'read the model registry', scope: 'none' },
  'model.propose': { description: 'propose a model version for promotion', scope: 'location' },
  'model.propose_shadow': {
    description:
      'request the shadow stage for a model version; without model.propose only for a candidate the caller registered itself, never production (training: the shadow period of a retraining)',
    scope: 'location',
  },
  'model.approve': { description: 'approve or reject a proposed promotion', scope: 'location' },
  'model.promote': { description: 'promote an approved model version to serve', scope: 'location' },
  'model.rollback': { description: 'roll a serving model back to its previous version', scope: 'location' },
  'model.register': { description: 'register a trained model version as a candidate (training)', scope: 'none' },
  'model.break_glass': { description: 'promote a model without the four-eyes approval (emergency; recorded as break-glass)', scope: 'location' },
  'recommendation.read': { description: 'read recommendations raised to operators', scope: 'location' },
  'recommendation.decide': { description: 'acknowledge, act on or decline a recommendation', scope: 'location' },
  'asset.set_mode': { description: 'switch an asset between automatic and manual mode', scope: 'location' },
  'problem.report': { description: 'report a problem with a recommendation or model', scope: 'location' },
  'drift.read': { description: 'read drift reports', scope: 'location' },
  'sim.inject_fault': { description: 'inject a fault into the plant simulator', scope: 'location' },
  'access.issue_token': { description: 'issue access tokens', scope: 'location' },
  'access.manage_roles': { description: 'grant and revoke roles and scopes', scope: 'location' },
  'telemetry.subscribe': { description: 'subscribe to live plant telemetry', scope: 'location' },
} satisfies Record<Permission, PermissionInfo>);

const P = Permission;

/**
 * Role → permissions, least privilege:
 * - operators read what they need at the line, decide on recommendations and switch to manual;
 *   they cannot approve models.
 * - engineers build sources, data, datasets and models and propose them; they cannot approve.
 * - quality leads approve or reject promotions (four eyes is enforced by governance with
 *   `assertFourEyes`), promote and roll back, approve charters.
 * - auditors read and verify everything and write nothing.
 * - admins manage tokens and roles and read the audit trail (to review denials); they hold no
 *   business permission: an admin who approves models must also be given `quality_lead`, which
 *   then shows in their token and in every event they cause.
 * - service accounts read what other services serve and write the data connectivity produces;
 *   training's account registers the candidates it trained (`model.register`, a fact, not a
 *   decision); they make no human decision (no approve, promote, decide, set_mode, training.start).
 *   For a retraining (#16) training's account makes the fresh snapshot (`dataset.create`: a hashed
 *   copy of data the role already reads, less than its `data.write`) and requests the shadow stage
 *   of the candidate it registered (`model.propose_shadow`; governance refuses it production and any
 *   version another subject registered); a person still approves and promotes.
 * - `model.propose_shadow` is what RequestApproval checks at the door; governance then requires
 *   `model.propose` for everything beyond a service's own candidate in shadow, so engineers hold both.
 * - only quality leads may break the glass (`model.break_glass`: promote without four eyes), and
 *   governance records every use with who and why.
 */
export const PERMISSION_MATRIX: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  operator: Object.freeze([
    P.UsecaseRead,
    P.DataRead,
    P.ModelRead,
    P.RecommendationRead,
    P.RecommendationDecide,
    P.AssetSetMode,
    P.ProblemReport,
    P.TelemetrySubscribe,
  ]),
  engineer: Object.freeze([
    P.UsecaseRead,
    P.UsecaseWrite,
    P.SourceRead,
    P.SourceWrite,
    P.DataRead,
    P.DataWrite,
    P.LabelWrite,
    P.DatasetCreate,
    P.TrainingStart,
    P.TrainingRead,
    P.ModelRead,
    P.ModelPropose,
    P.ModelProposeShadow,
    P.RecommendationRead,
    P.ProblemReport,
    P.DriftRead,
    P.SimInjectFault,
    P.TelemetrySubscribe,
  ]),
  quality_lead: Object.freeze([
    P.AuditRead,
    P.UsecaseRead,
    P.UsecaseApprove,
    P.DataRead,
    P.DataReadRestricted,
    P.TrainingRead,
    P.ModelRead,
    P.ModelApprove,
    P.ModelPromote,
    P.ModelRollback,
    P.ModelBreakGlass,
    P.RecommendationRead,
    P.ProblemReport,
    P.DriftRead,
    P.TelemetrySubscribe,
  ]),
  auditor: Object.freeze([
    P.AuditRead,
    P.AuditVerify,
    P.AuditReplay,
    P.UsecaseRead,
    P.SourceRead,
    P.DataRead,
    P.DataReadRestricted,
    P.TrainingRead,
    P.ModelRead,
    P.RecommendationRead,
    P.DriftRead,
    P.TelemetrySubscribe,
  ]),
  admin: Object.freeze([P.AuditRead, P.AccessIssueToken, P.AccessManageRoles]),
  service: Object.freeze([
    P.UsecaseRead,
    P.SourceRead,
    P.DataRead,
    P.DataWrite,
    P.DatasetCreate,
    P.TrainingRead,
    P.ModelRead,
    P.ModelProposeShadow,
    P.ModelRegister,
    P.RecommendationRead,
    P.DriftRead,
    P.TelemetrySubscribe,
  ]),
} satisfies Record<Role, readonly Permission[]>);

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return PERMISSION_MATRIX[role].includes(permission);
}

/** Roles that grant `permission`, in the order of ROLES. */
export function rolesGranting(permission: Permission): Role[] {
  return ROLES.filter((role) => roleHasPermission(role, permission));
}

/** The matrix as a Markdown table: one row per permission, one column per role. */
export function renderPermissionMatrixMarkdown(): string {
  const header = ['permission', ...ROLES, 'scope', 'what it allows'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i > 0 && i <= ROLES.length ? ':-:' : '---')).join(' | ')} |`];
  for (const permission of PERMISSIONS) {
    const info = PERMISSION_INFO[permission];
    const cells = ROLES.map((role) => (roleHasPermission(role, permission) ? '✓' : ''));
    const scope = info.scope === 'location' ? 'site/area/line' : 'not checked';
    lines.push(`| \`${permission}\` | ${cells.join(' | ')} | ${scope} | ${info.description} |`);
  }
  return lines.join('\n') + '\n';
}

/** The full PERMISSIONS.md document. */
export function renderPermissionsDocument(): string {
  return [
    '# Permissions',
    '',
    '<!-- Generated from packages/access/src/permissions.ts by `npm run --silent token -- permissions > packages/access/PERMISSIONS.md`. Do not edit by hand. -->',
    '',
    'Which role may perform which action. A principal holding several roles gets the union.',
    '"site/area/line" means the principal\'s scopes must also cover the resource\'s location',
    '(`site:<site>`, `area:<site>/<area>`, `line:<site>/<area>/<line>` or `*`); a resource without',
    'a location then needs scope `*`.',
    '',
    renderPermissionMatrixMarkdown(),
  ].join('\n');
}
