// "Report a problem": a failure no prompt announced (asset + what happened + how bad). It goes to
// the gateway as a problem report; a missed failure becomes a label for the next training.
import { fail } from '@sveltejs/kit';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { gateway } from '#lib/server/inference.ts';
import type { Actions, PageServerLoad } from './$types';

const ASSET = /^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/;

export const load: PageServerLoad = async ({ locals }) => {
  const g = gateway(locals.session!.token);
  try {
    const [recs, modes] = await Promise.all([g.recommendations({ max: 500 }), g.modes()]);
    const assets = [...new Set([...recs.map((r) => r.assetPath), ...Object.keys(modes).filter((p) => p.split('.').length === 5)])].sort();
    return { assets, problem: null };
  } catch (error) {
    return { assets: [] as string[], problem: loadFailure(error) };
  }
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const assetPath = String(form.get('assetPath') ?? '').trim();
    const description = String(form.get('description') ?? '').trim();
    const severity = String(form.get('severity') ?? '');
    const missedFailure = form.get('missedFailure') === 'on';
    const values = { assetPath, description, severity };
    if (!ASSET.test(assetPath)) return fail(400, { ...values, field: 'assetPath', message: 'Choose the asset from the list.', about: null });
    if (description === '') return fail(400, { ...values, field: 'description', message: 'Say what happened, in a few words.', about: null });
    if (severity !== 'minor' && severity !== 'major' && severity !== 'stop')
      return fail(400, { ...values, field: 'severity', message: 'Choose how bad it is.', about: null });
    try {
      const { problemId } = await gateway(locals.session!.token).reportProblem({ assetPath, description, severity, missedFailure });
      return { reported: problemId, assetPath };
    } catch (error) {
      return failWith(error, null);
    }
  },
};
