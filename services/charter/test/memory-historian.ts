// In-memory historian, catalog and prompt outcomes for the tests (test support, not shipped). Until
// inference serves prompt outcomes it also stands in for them. Data is put in by the caller.
import type { TagHistory } from '../src/domain/feasibility.ts';
import type { ProductionCounts, StateSeries } from '../src/domain/kpi.ts';
import type { CatalogReader, HistorianReader, LabelledFailure, OutcomeReader, PromptOutcome, TagInfo } from '../src/ports.ts';

export interface CountSample {
  at: number;
  total: number;
  good: number;
  scrap?: number;
  energyKwh?: number;
}

export class MemoryHistorian implements HistorianReader, CatalogReader, OutcomeReader {
  private readonly states = new Map<string, StateSeries>();
  private readonly countSamples = new Map<string, CountSample[]>();
  private readonly failureLabels: LabelledFailure[] = [];
  private readonly tagList: (TagInfo & { history: TagHistory | null })[] = [];
  private readonly promptOutcomes: (PromptOutcome & { useCaseId: string })[] = [];
  private readonly plantClock = new Map<string, number>();

  /** The asset's plant clock (its newest sample); unset: the last state change, else null. */
  setLatest(assetPath: string, at: number): this {
    this.plantClock.set(assetPath, at);
    return this;
  }
  async latestAt(assetPath: string): Promise<number | null> {
    const set = this.plantClock.get(assetPath);
    if (set !== undefined) return set;
    const s = this.states.get(assetPath);
    return s === undefined || s.t.length === 0 ? null : (s.t[s.t.length - 1] as number);
  }
  setStates(assetPath: string, series: StateSeries): this {
    this.states.set(assetPath, series);
    return this;
  }
  /** Production counted per period (`at` = end of the period it counts). */
  addCounts(assetPath: string, samples: readonly CountSample[]): this {
    this.countSamples.set(assetPath, [...(this.countSamples.get(assetPath) ?? []), ...samples]);
    return this;
  }
  addFailures(failures: readonly LabelledFailure[]): this {
    this.failureLabels.push(...failures);
    return this;
  }
  addTag(info: TagInfo, history: TagHistory | null): this {
    this.tagList.push({ ...info, history });
    return this;
  }
  addOutcomes(useCaseId: string, outcomes: readonly PromptOutcome[]): this {
    this.promptOutcomes.push(...outcomes.map((o) => ({ ...o, useCaseId })));
    return this;
  }

  async stateIntervals(assetPath: string, from: number, to: number): Promise<StateSeries> {
    const s = this.states.get(assetPath);
    if (s === undefined) return { t: new Float64Array(0), state: new Uint8Array(0) };
    // The last change before `from` and every change before `to`.
    let first = 0;
    while (first + 1 < s.t.length && (s.t[first + 1] as number) <= from) first++;
    let end = first;
    while (end < s.t.length && (s.t[end] as number) < to) end++;
    return { t: s.t.subarray(first, end), state: s.state.subarray(first, end) };
  }

  async counts(assetPath: string, from: number, to: number): Promise<ProductionCounts> {
    const inWindow = (this.countSamples.get(assetPath) ?? []).filter((c) => c.at > from && c.at <= to);
    const sum = (f: (c: CountSample) => number | undefined) => inWindow.reduce((s, c) => s + (f(c) ?? 0), 0);
    return {
      total: sum((c) => c.total),
      good: sum((c) => c.good),
      scrap: inWindow.some((c) => c.scrap !== undefined) ? sum((c) => c.scrap) : null,
      energyKwh: inWindow.some((c) => c.energyKwh !== undefined) ? sum((c) => c.energyKwh) : null,
    };
  }

  async failures(assetPath: string, from: number, to: number): Promise<LabelledFailure[]> {
    return this.failureLabels.filter((f) => f.assetPath === assetPath && f.at >= from && f.at < to);
  }

  async tags(assetPrefix: string): Promise<TagInfo[]> {
    return this.tagList
      .filter((t) => t.assetPath === assetPrefix || t.assetPath.startsWith(`${assetPrefix}.`))
      .map(({ assetPath, tag, unit }) => ({ assetPath, tag, unit }));
  }

  async history(assetPath: string, tag: string): Promise<TagHistory | null> {
    return this.tagList.find((t) => t.assetPath === assetPath && t.tag === tag)?.history ?? null;
  }

  async outcomes(useCaseId: string, from: number, to: number): Promise<PromptOutcome[]> {
    return this.promptOutcomes.filter((o) => o.useCaseId === useCaseId && o.at >= from && o.at < to).map(({ useCaseId: _, ...o }) => o);
  }
}
