// Gathers what the domain decides on from the ports: the assets the catalog knows (scope check),
// the feasibility facts (catalog + historian) and line KPIs over a window (historian).
import { stateTotals, lineKpis, type LineKpis } from '../domain/kpi.ts';
import type { FeasibilityFacts, TagEvidence } from '../domain/feasibility.ts';
import type { CatalogReader, HistorianReader } from '../ports.ts';
import type { Drafted } from '../domain/usecase.ts';

/** Asset paths the catalog lists among (or under) the ones named: one catalog query per asset, so no list of a whole line. */
export async function knownAssets(catalog: CatalogReader, assetPaths: readonly string[]): Promise<string[]> {
  const known = new Set<string>();
  for (const asset of new Set(assetPaths)) for (const t of await catalog.tags(asset)) known.add(t.assetPath);
  return [...known];
}

/** Required tags (or, when the draft names none, every catalogued tag of its assets) with their history; failures over the shared span. */
export async function feasibilityFacts(draft: Drafted, catalog: CatalogReader, historian: HistorianReader): Promise<FeasibilityFacts> {
  const catalogued = (await Promise.all(draft.assetPaths.map((a) => catalog.tags(a)))).flat().filter((t) => draft.assetPaths.includes(t.assetPath));
  const required = draft.requiredTags.length > 0 ? draft.requiredTags : catalogued.map((t) => ({ assetPath: t.assetPath, tag: t.tag }));
  const tags: TagEvidence[] = [];
  for (const r of required) {
    const inCatalog = catalogued.some((t) => t.assetPath === r.assetPath && t.tag === r.tag);
    tags.push({ assetPath: r.assetPath, tag: r.tag, inCatalog, history: inCatalog ? await catalog.history(r.assetPath, r.tag) : null });
  }
  const recorded = tags.flatMap((t) => (t.history === null || t.history.samples === 0 ? [] : [t.history]));
  const failuresByMode: Record<string, number> = {};
  let labelledFailures = 0;
  if (recorded.length > 0) {
    const from = Math.max(...recorded.map((h) => h.firstAt));
    const to = Math.min(...recorded.map((h) => h.lastAt));
    if (to > from) {
      for (const asset of draft.assetPaths) {
        // `to` is the last sample's time: include a failure labelled on it.
        for (const f of await historian.failures(asset, from, to + 1)) {
          labelledFailures++;
          const mode = f.mode ?? 'unspecified';
          failuresByMode[mode] = (failuresByMode[mode] ?? 0) + 1;
        }
      }
    }
  }
  return { tags, tagsAvailable: catalogued.length, labelledFailures, failuresByMode };
}

export async function lineKpisFrom(historian: HistorianReader, assetPath: string, from: number, to: number, idealCycleTimeS: number): Promise<LineKpis> {
  const [series, counts] = await Promise.all([historian.stateIntervals(assetPath, from, to), historian.counts(assetPath, from, to)]);
  return lineKpis(stateTotals(series, from, to), counts, idealCycleTimeS);
}
