// Engineer: a use case's KPIs (baseline, target, now) from the charter, its training runs with
// progress, its model versions with metrics, stages and lineage, one version's model card
// (confusion matrix at the threshold, feature importance, limitations), and "propose for approval"
// (RequestApproval: shadow or production, on a pilot line first or the whole use case). The
// version's open requests to production with their gates (CheckGates, the numbers, pass or fail),
// and live monitoring's rollback proposals for the use case (read here; a quality lead decides on
// the approvals screen).
import { fail } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { governanceRegistryV1 as pb } from '@industrial/grpc';
import { gatesOf, type GateCheck } from '#lib/server/mlops.ts';
import { readModelCard, registryOf, runsOf, useCaseChoices, type CardView, type Registry } from '#lib/server/models.ts';
import { platformWords, withPlatform, type Platform } from '#lib/server/platform.ts';
import { can } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export interface KpiView {
  name: string;
  unit: string;
  baseline: number;
  target: number;
  now: number | null;
}

async function kpisOf(p: Platform, useCaseId: string): Promise<{ kpis: KpiView[]; why: string | null }> {
  if (!p.configured('charter')) return { kpis: [], why: 'The charter service is not configured for this HMI (HMI_CHARTER_GRPC).' };
  try {
    const u = await p.getUseCase(useCaseId);
    const kpis = (u.objectives?.kpis ?? []).map((k) => {
      const m = u.measurements.filter((x) => x.kpiId === k.kpiId).sort((a, b) => a.periodEnd.localeCompare(b.periodEnd));
      return { name: k.name, unit: k.unit, baseline: k.baseline, target: k.target, now: m.at(-1)?.value ?? null };
    });
    return { kpis, why: kpis.length === 0 ? 'The use case has no KPIs in its charter yet.' : null };
  } catch (error) {
    return { kpis: [], why: platformWords(error) };
  }
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const s = locals.session!;
  const empty = { problem: null as string | null, useCases: [] as Awaited<ReturnType<typeof useCaseChoices>>, selected: null as string | null };
  if (!can(s, Permission.ModelRead)) return { ...empty, problem: 'Your role does not read the model registry.' };
  try {
    const useCases = await useCaseChoices(s.token);
    const selected = url.searchParams.get('useCase') ?? useCases[0]?.useCaseId ?? null;
    if (selected === null) return { ...empty, useCases };
    return await withPlatform(s.token, async (p) => {
      const [registry, kpis, runs] = await Promise.all([registryOf(p, selected), kpisOf(p, selected), runsOf(p, selected)]);
      const versionId = url.searchParams.get('version') ?? registry.versions.at(-1)?.id ?? null;
      const version = registry.versions.find((v) => v.id === versionId) ?? null;
      const card: { card: CardView | null; why: string | null } = version
        ? await readModelCard(version.modelCardUri, version.modelCardSha256)
        : { card: null, why: null };
      const gates: Record<string, GateCheck> = version ? await gatesOf(p, selected, version.requests) : {};
      return { problem: null, useCases, selected, registry: registry as Registry, version, card, kpis, runs, gates };
    });
  } catch (error) {
    return { ...empty, problem: platformWords(error) };
  }
};

export const actions: Actions = {
  propose: async ({ request, locals }) => {
    const f = await request.formData();
    const get = (k: string) => String(f.get(k) ?? '').trim();
    const justification = get('justification');
    if (justification === '') return fail(400, { message: 'Say why this version should serve.', field: 'justification' });
    const stage = get('stage') === 'shadow' ? pb.ModelStage.MODEL_STAGE_SHADOW : pb.ModelStage.MODEL_STAGE_PRODUCTION;
    try {
      const r = await withPlatform(locals.session!.token, (p) =>
        p.requestApproval({ useCaseId: get('useCaseId'), modelVersionId: get('modelVersionId'), targetStage: stage, justification, scope: get('scope') }),
      );
      return { proposed: `Version ${r.request?.version} proposed for ${get('stage')} on ${get('scope') || 'the whole use case'}; a quality lead decides.` };
    } catch (error) {
      return fail(409, { message: platformWords(error), field: null });
    }
  },
};
