// Data health per asset and source tag (dataops GetQualityReport): scores, the share of bad-quality
// samples and the active issues (stale tags, flatlines, out-of-range…), worst first.
import { platformWords, withPlatform } from '#lib/server/platform.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  try {
    return await withPlatform(locals.session!.token, async (p) => {
      if (!p.configured('dataops')) return { problem: 'The dataops service is not configured for this HMI (HMI_DATAOPS_GRPC).', assets: [] };
      const r = await p.qualityReport();
      const assets = r.assets
        .map((a) => ({
          path: a.assetPath,
          score: a.score,
          tags: r.tags
            .filter((t) => t.assetPath === a.assetPath)
            .map((t) => ({
              tag: t.tag,
              score: t.score,
              samples: Number(t.samples),
              badShare: t.badShare,
              issues: t.activeIssues.map((i) => ({
                kind: i.kind,
                severity: i.severity,
                since: new Date(Number(i.raisedAtMs)).toISOString(),
                detail: i.detail,
              })),
            }))
            .sort((x, y) => x.score - y.score),
        }))
        .sort((x, y) => x.score - y.score);
      return { problem: null, assets };
    });
  } catch (error) {
    return { problem: platformWords(error), assets: [] };
  }
};
