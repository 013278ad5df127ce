// Drift per use case: the gateway's current input drift (PSI per input) and its drift evaluations
// over time (the largest input PSI against the pause threshold) for each use case known to the HMI.
import { loadFailure } from '#lib/server/failures.ts';
import { gateway, type DriftHistory, type DriftReport } from '#lib/server/inference.ts';
import { useCaseChoices } from '#lib/server/models.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const g = gateway(locals.session!.token);
  try {
    const choices = await useCaseChoices(locals.session!.token);
    const reports = await Promise.all(
      choices.slice(0, 20).map(async (u) => {
        const [drift, history] = await Promise.all([
          g.drift(u.useCaseId).catch(() => null) as Promise<DriftReport | null>,
          g.driftHistory(u.useCaseId).catch(() => null) as Promise<DriftHistory | null>,
        ]);
        return { ...u, drift, history };
      }),
    );
    return { problem: null, reports };
  } catch (error) {
    return { problem: loadFailure(error), reports: [] };
  }
};
