// Integrity check: governance's VerifyIntegrity over the whole chain (hash links, seals, signed anchors).
import { Permission } from '@industrial/access';
import { platformWords, withPlatform } from '#lib/server/platform.ts';
import { can } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';
import { fail } from '@sveltejs/kit';

export const load: PageServerLoad = ({ locals }) => ({ mayVerify: can(locals.session, Permission.AuditVerify) });

export const actions: Actions = {
  default: async ({ locals }) => {
    try {
      const r = await withPlatform(locals.session!.token, (p) => p.verifyIntegrity());
      return {
        checkedAt: new Date().toISOString(),
        result: {
          ok: r.ok,
          checked: Number(r.checked),
          lastPosition: Number(r.lastPosition),
          anchorsChecked: Number(r.anchorsChecked),
          sealsChecked: r.sealsChecked,
          firstBadPosition: r.firstBadPosition === undefined ? null : Number(r.firstBadPosition),
          problem: r.problem,
          detail: r.detail,
        },
      };
    } catch (error) {
      return fail(503, { message: platformWords(error) });
    }
  },
};
