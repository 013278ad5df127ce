// Board inspection (#22): the newest board with regions still to check — its image with the
// flagged regions drawn on it — and per region two big buttons, "Defect confirmed" / "No defect".
// Each verdict goes to the inference gateway (BoardVerdictGiven); dataops turns it into a label
// for the next snapshot.
import { fail } from '@sveltejs/kit';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { inspections, type Verdict } from '#lib/server/inspections.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('hmi:inspections');
  try {
    const open = await inspections(locals.session!.token).open();
    return { problem: null, board: open[0] ?? null, waiting: Math.max(0, open.length - 1) };
  } catch (error) {
    return { problem: loadFailure(error), board: null, waiting: 0 };
  }
};

export const actions: Actions = {
  verdict: async ({ request, locals }) => {
    const form = await request.formData();
    const id = String(form.get('id') ?? '');
    const region = Number(form.get('region'));
    const verdict = String(form.get('verdict') ?? '') as Verdict;
    if (!/^[0-9a-f-]{36}$/.test(id) || !Number.isInteger(region) || region < 0)
      return fail(400, { message: 'Unknown board or region.', field: 'region', about: id });
    if (verdict !== 'defect-confirmed' && verdict !== 'no-defect')
      return fail(400, { message: 'Choose Defect confirmed or No defect.', field: 'verdict', about: id });
    try {
      await inspections(locals.session!.token).verdict(id, region, verdict);
      return { recorded: verdict, region };
    } catch (error) {
      return failWith(error, id);
    }
  },
};
