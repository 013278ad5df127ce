// After "Done": what did the operator find? (failure confirmed / worn part / no fault found) → outcome.
import { fail, redirect } from '@sveltejs/kit';
import { OUTCOMES } from '#lib/format.ts';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { gateway, type Outcome } from '#lib/server/inference.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
  try {
    const r = await gateway(locals.session!.token).recommendation(params.id);
    return {
      id: r.recommendationId,
      assetPath: r.assetPath,
      message: r.message,
      status: r.status,
      outcomeRecorded: r.record.outcome !== undefined,
      problem: null,
    };
  } catch (error) {
    return { id: params.id, assetPath: null, message: null, status: null, outcomeRecorded: false, problem: loadFailure(error) };
  }
};

const VALUES = OUTCOMES.map((o) => o.value as string);

export const actions: Actions = {
  default: async ({ params, request, locals }) => {
    const form = await request.formData();
    const outcome = String(form.get('outcome') ?? '');
    const note = String(form.get('note') ?? '').trim();
    if (!VALUES.includes(outcome)) return fail(400, { message: 'Choose what you found.', field: 'outcome', about: params.id });
    try {
      await gateway(locals.session!.token).outcome(params.id, outcome as Outcome, note || undefined);
    } catch (error) {
      return failWith(error, params.id);
    }
    redirect(303, '/?recorded=1');
  },
};
