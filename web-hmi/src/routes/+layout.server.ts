// Who is signed in and what they may do, for the navigation and to hide buttons a role cannot use
// (the gateway still checks every call).
import { Permission } from '@industrial/access';
import { can } from '#lib/server/session.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
  const s = locals.session;
  return {
    user: s === null ? null : { name: s.principal.subject, roles: [...s.principal.roles], expiresAtMs: s.expiresAtMs },
    may: {
      decide: can(s, Permission.RecommendationDecide),
      setMode: can(s, Permission.AssetSetMode),
      report: can(s, Permission.ProblemReport),
      audit: can(s, Permission.AuditRead),
      read: can(s, Permission.RecommendationRead),
      models: can(s, Permission.ModelRead) && (can(s, Permission.ModelPropose) || can(s, Permission.ModelApprove)),
      propose: can(s, Permission.ModelPropose),
      approve: can(s, Permission.ModelApprove),
      promote: can(s, Permission.ModelPromote),
      rollback: can(s, Permission.ModelRollback),
      drift: can(s, Permission.DriftRead),
      replay: can(s, Permission.AuditReplay),
      verify: can(s, Permission.AuditVerify),
    },
  };
};
