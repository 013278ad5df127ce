// What the charter needs from other services, as ports. Dataops (historian + catalog) and
// inference (prompt outcomes) implement them; in-memory and CSV adapters stand in until then.
// Times are epoch ms, windows half-open [from, to).
import type { TagHistory } from './domain/feasibility.ts';
import type { ProductionCounts, StateSeries } from './domain/kpi.ts';
import type { PromptOutcome } from './domain/report.ts';

export type { PromptOutcome } from './domain/report.ts';

export interface LabelledFailure {
  assetPath: string;
  at: number;
  /** Failure mode code (as declared in the use case), null when the label names none. */
  mode: string | null;
}

export interface HistorianReader {
  /** Machine states of an asset: the last change before `from` and every change in the window. */
  stateIntervals(assetPath: string, from: number, to: number): Promise<StateSeries>;
  counts(assetPath: string, from: number, to: number): Promise<ProductionCounts>;
  /** Labelled failures (ground truth, maintenance records) in the window. */
  failures(assetPath: string, from: number, to: number): Promise<LabelledFailure[]>;
  /** The asset's plant clock: the time of its newest recorded state sample, or null when none is (KPI schedule in plant time). */
  latestAt?(assetPath: string): Promise<number | null>;
}

export interface TagInfo {
  assetPath: string;
  tag: string;
  unit: string | null;
}

export interface CatalogReader {
  /** Tags recorded under an asset path prefix (`acme.plant1` → every asset of the site). */
  tags(assetPrefix: string): Promise<TagInfo[]>;
  /** What is recorded of one series, or null when nothing is. */
  history(assetPath: string, tag: string): Promise<TagHistory | null>;
}

export interface OutcomeReader {
  outcomes(useCaseId: string, from: number, to: number): Promise<PromptOutcome[]>;
}
