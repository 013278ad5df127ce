// Plant overview: every asset by area and line with its monitoring state per use case, from the
// gateway's GET /api/v1/assets. A gateway without that route (404) still gives an overview: the
// assets seen in prompts and mode changes, with their mode and open prompts, and no state.
import { linePathOf } from '#lib/format.ts';
import { loadFailure } from '#lib/server/failures.ts';
import { gateway, type AssetEntry } from '#lib/server/inference.ts';
import type { PageServerLoad } from './$types';

export interface PlantAsset {
  path: string;
  name: string;
  kind: string;
  mode: string;
  openPrompts: number;
  useCases: AssetEntry['useCases'];
}
export interface PlantLine {
  area: string;
  line: string;
  assets: PlantAsset[];
}

const words = (s: string) => s.replace(/[-_]+/g, ' ');

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('hmi:recommendations');
  const g = gateway(locals.session!.token);
  try {
    const [assets, modes, recent] = await Promise.all([g.assets(), g.modes(), g.recommendations({ max: 500 })]);
    const openBy = new Map<string, number>();
    for (const r of recent) if (r.status === 'open' || r.status === 'acknowledged') openBy.set(r.assetPath, (openBy.get(r.assetPath) ?? 0) + 1);
    const modeOf = (path: string) => modes[path]?.mode ?? modes[linePathOf(path)]?.mode ?? 'auto';
    // every asset the gateway lists, plus any seen in prompts and mode changes that it does not (yet) list
    const listed = new Set((assets ?? []).map((a) => a.assetPath));
    const seen = [...new Set([...recent.map((r) => r.assetPath), ...Object.keys(modes).filter((p) => p.split('.').length === 5)])].filter(
      (p) => !listed.has(p),
    );
    const entries: AssetEntry[] = [
      ...(assets ?? []),
      ...seen.map((p) => {
        const t = p.split('.');
        return { assetPath: p, assetKind: '', name: words(t[4] ?? p), area: t[2] ?? '', line: t[3] ?? '', useCases: [] };
      }),
    ];
    const lines = new Map<string, PlantLine>();
    for (const a of entries) {
      const t = a.assetPath.split('.');
      const area = a.area || t[2] || '';
      const line = a.line || t[3] || '';
      const key = `${area}/${line}`;
      const l = lines.get(key) ?? { area: words(area), line: words(line), assets: [] };
      l.assets.push({
        path: a.assetPath,
        name: a.name,
        kind: a.assetKind,
        mode: modeOf(a.assetPath),
        openPrompts: openBy.get(a.assetPath) ?? 0,
        useCases: a.useCases,
      });
      lines.set(key, l);
    }
    const sorted = [...lines.values()].sort((x, y) => x.area.localeCompare(y.area) || x.line.localeCompare(y.line));
    for (const l of sorted) l.assets.sort((x, y) => x.path.localeCompare(y.path, undefined, { numeric: true }));
    return { problem: null, statesServed: assets !== null, lines: sorted };
  } catch (error) {
    return { problem: loadFailure(error), statesServed: false, lines: [] as PlantLine[] };
  }
};
