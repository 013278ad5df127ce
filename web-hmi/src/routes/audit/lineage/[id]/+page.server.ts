// A prompt's lineage: prompt → model version → training run → snapshot → source tags → use case and approvals.
import { lineageOf } from '#lib/server/audit.ts';
import { platformWords, withPlatform } from '#lib/server/platform.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
  try {
    return { problem: null, id: params.id, steps: await withPlatform(locals.session!.token, (p) => lineageOf(p, params.id)) };
  } catch (error) {
    return { problem: platformWords(error), id: params.id, steps: [] };
  }
};
