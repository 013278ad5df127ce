// Auditor view (read-only): every recommendation, recommendations per day and the model's drift.
import { error } from '@sveltejs/kit';
import { Permission } from '@industrial/access';
import { loadFailure } from '#lib/server/failures.ts';
import { GatewayError, gateway, type DriftReport } from '#lib/server/inference.ts';
import { can } from '#lib/server/session.ts';
import type { PageServerLoad } from './$types';

const DAYS = 14;

export const load: PageServerLoad = async ({ locals }) => {
  const s = locals.session!;
  if (!can(s, Permission.AuditRead)) error(403, 'The audit pages are for auditors. Your role does not include them.');
  const g = gateway(s.token);
  try {
    const recs = await g.recommendations({ max: 500 });
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const perDay = Array.from({ length: DAYS }, (_, i) => {
      const d = new Date(today.getTime() - (DAYS - 1 - i) * 86_400_000);
      return { key: d.toISOString().slice(0, 10), label: d.toISOString().slice(5, 10).replace('-', '/'), value: 0 };
    });
    for (const r of recs) {
      const day = perDay.find((d) => d.key === r.raisedAt.slice(0, 10));
      if (day) day.value++;
    }
    let drift: DriftReport | null = null;
    const useCaseId = recs[0]?.useCaseId;
    if (useCaseId) {
      try {
        drift = await g.drift(useCaseId);
      } catch (e) {
        if (!(e instanceof GatewayError) || e.status === 401) throw e;
      }
    }
    return {
      problem: null,
      perDay: perDay.map(({ label, value }) => ({ label, value })),
      drift:
        drift === null
          ? null
          : {
              severity: drift.severity,
              modelVersionId: drift.modelVersionId,
              features: drift.features.map((f) => ({ label: f.feature.replace(/_/g, ' '), value: Math.round(f.psi * 1000) / 1000 })),
            },
      recommendations: recs.map((r) => ({
        id: r.recommendationId,
        assetPath: r.assetPath,
        message: r.message,
        status: r.status,
        raisedAt: r.raisedAt,
        source: r.source,
        modelVersionId: r.modelVersionId,
      })),
    };
  } catch (e) {
    return { problem: loadFailure(e), perDay: [], drift: null, recommendations: [] };
  }
};
