// Quality lead: pending approval requests with the candidate's metrics beside the version holding
// the stage, approve or reject with a reason (four eyes: the requester sees no approve button, and
// governance refuses the requester anyway), promote an approved request into its scope, roll back.
// A request to production shows its gates (CheckGates) with the numbers; Approve and Promote are
// disabled while one fails (governance refuses anyway, and its refusal is shown). Live monitoring's
// rollback proposals are listed; a quality lead accepts one by rolling back (the rollback then
// carries the proposal's trigger).
import { fail } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { gatesOf } from '#lib/server/mlops.ts';
import { registryOf, useCaseChoices, type Registry, type RequestView } from '#lib/server/models.ts';
import { platformWords, withPlatform } from '#lib/server/platform.ts';
import { can } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const s = locals.session!;
  if (!can(s, Permission.ModelRead)) return { problem: 'Your role does not read the model registry.', useCases: [], me: s.principal.subject };
  try {
    const choices = await useCaseChoices(s.token);
    const useCases = await withPlatform(s.token, (p) =>
      Promise.all(
        choices.slice(0, 20).map(async (u) => {
          const reg: Registry = await registryOf(p, u.useCaseId);
          const open: RequestView[] = reg.versions.flatMap((v) => v.requests).filter((r) => r.status === 'pending' || r.status === 'approved');
          const refused = reg.versions.flatMap((v) =>
            v.stages.filter((st) => st.stage === 'refused').map((st) => ({ version: v.version, scope: st.scope, detail: st.detail })),
          );
          const gates = await gatesOf(p, u.useCaseId, open);
          return {
            ...u,
            open,
            gates,
            proposals: reg.proposals,
            refused,
            deployments: reg.deployments.filter((d) => d.modelVersionId !== ''),
            versions: reg.versions.map((v) => ({ id: v.id, version: v.version })),
          };
        }),
      ),
    );
    return { problem: null, useCases, me: s.principal.subject };
  } catch (error) {
    return { problem: platformWords(error), useCases: [], me: s.principal.subject };
  }
};

const text = (f: FormData, k: string) => String(f.get(k) ?? '').trim();

async function act(request: Request, token: string, run: (f: FormData, p: Parameters<Parameters<typeof withPlatform>[1]>[0]) => Promise<string>) {
  const f = await request.formData();
  const about = text(f, 'requestId') || text(f, 'from');
  try {
    const done = await withPlatform(token, (p) => run(f, p));
    return { ok: done, about };
  } catch (error) {
    return fail(409, { message: platformWords(error), about });
  }
}

export const actions: Actions = {
  approve: ({ request, locals }) =>
    act(request, locals.session!.token, async (f, p) => {
      const r = await p.approve(text(f, 'useCaseId'), text(f, 'requestId'), text(f, 'comment'));
      return `Approved version ${r.request?.version} for ${r.request?.scope || 'the whole use case'}.`;
    }),
  reject: async ({ request, locals }) => {
    const copy = request.clone();
    const reason = text(await copy.formData(), 'reason');
    if (reason === '') return fail(400, { message: 'Say why it is rejected.', about: text(await request.formData(), 'requestId') });
    return act(request, locals.session!.token, async (f, p) => {
      const r = await p.reject(text(f, 'useCaseId'), text(f, 'requestId'), text(f, 'reason'));
      return `Rejected version ${r.request?.version}.`;
    });
  },
  promote: ({ request, locals }) =>
    act(request, locals.session!.token, async (f, p) => {
      const r = await p.promote(text(f, 'useCaseId'), text(f, 'requestId'));
      return `Version ${r.request?.version} now serves ${r.request?.targetStage === 3 ? 'production' : 'shadow'} on ${r.request?.scope || 'the whole use case'}.`;
    }),
  acceptProposal: async ({ request, locals }) => {
    const f = await request.formData();
    const about = text(f, 'proposalId');
    if (text(f, 'reason') === '') return fail(400, { message: 'Say why it is rolled back.', about });
    try {
      const r = await withPlatform(locals.session!.token, (p) =>
        p.rollback({
          useCaseId: text(f, 'useCaseId'),
          fromModelVersionId: text(f, 'from'),
          toModelVersionId: text(f, 'to'),
          reason: text(f, 'reason'),
          scope: text(f, 'scope'),
        }),
      );
      const now = r.productionModelVersionId
        ? `version ${text(f, 'toVersion') || r.productionModelVersionId.slice(0, 8)} serves production now`
        : 'the rule-based limits serve now';
      return { ok: `Rolled back as proposed (${text(f, 'trigger')}); ${now}.`, about };
    } catch (error) {
      return fail(409, { message: platformWords(error), about });
    }
  },
  rollback: async ({ request, locals }) => {
    const copy = request.clone();
    if (text(await copy.formData(), 'reason') === '')
      return fail(400, { message: 'Say why it is rolled back.', about: text(await request.formData(), 'from') });
    return act(request, locals.session!.token, async (f, p) => {
      const r = await p.rollback({
        useCaseId: text(f, 'useCaseId'),
        fromModelVersionId: text(f, 'from'),
        toModelVersionId: text(f, 'to'),
        reason: text(f, 'reason'),
        scope: text(f, 'scope'),
      });
      return r.productionModelVersionId
        ? `Rolled back; production is now ${r.productionModelVersionId.slice(0, 8)}.`
        : 'Rolled back; the rule-based limits serve now.';
    });
  },
};
