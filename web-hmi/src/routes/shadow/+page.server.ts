// Engineer and quality lead: the shadow view of a use case — per candidate scored beside production
// (or the rule-based limits), the windows, the agreement, the alarms of each side and the compared
// prompts against what operators found (caught, missed, false alarms); then the compared prompts,
// newest first, with what each side said and the operator's decision and outcome. From the
// inference gateway (GET /api/v1/shadow/comparisons, drift.read); version numbers from governance
// when it is configured.
import { Permission } from '@industrial/access';
import { shadowOf } from '#lib/server/mlops.ts';
import { useCaseChoices } from '#lib/server/models.ts';
import { platformWords, withPlatform } from '#lib/server/platform.ts';
import { can } from '#lib/server/session.ts';
import type { PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Version numbers by model version id (governance), empty when governance is not configured or refuses. */
async function versionNumbers(token: string, useCaseId: string): Promise<Record<string, number>> {
  try {
    return await withPlatform(token, async (p) => {
      if (!p.configured('governance')) return {};
      const r = await p.listModelVersions(useCaseId);
      return Object.fromEntries(r.versions.map((v) => [v.modelVersionId, v.version]));
    });
  } catch {
    return {};
  }
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const s = locals.session!;
  const empty = { problem: null as string | null, useCases: [] as Awaited<ReturnType<typeof useCaseChoices>>, selected: null as string | null };
  if (!can(s, Permission.DriftRead)) return { ...empty, problem: 'Your role does not read the shadow comparisons.' };
  try {
    const useCases = await useCaseChoices(s.token);
    const asked = url.searchParams.get('useCase');
    const selected = asked !== null && UUID.test(asked) ? asked : (useCases[0]?.useCaseId ?? null);
    if (selected === null) return { ...empty, useCases };
    const candidate = url.searchParams.get('candidate') ?? '';
    const pageToken = url.searchParams.get('page') ?? '';
    const [shadow, versions] = await Promise.all([
      shadowOf(s.token, selected, {
        ...(UUID.test(candidate) ? { candidateVersionId: candidate } : {}),
        ...(/^\d{1,15}$/.test(pageToken) ? { pageToken } : {}),
      }),
      versionNumbers(s.token, selected),
    ]);
    return { problem: null, useCases, selected, candidate: UUID.test(candidate) ? candidate : '', shadow, versions, first: pageToken === '' };
  } catch (error) {
    return { ...empty, problem: platformWords(error) };
  }
};
