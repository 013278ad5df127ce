// Public surface of @industrial/charter: the composition root, the pure helpers training and
// inference use (cost of a decision, action lookup, prompt text, KPIs), the ports it reads other
// services through (and their dataops and AI4I adapters), and reading a charter from its events.
export { createCharterApp, SERVICE_NAME } from './app.ts';
export type { CharterApp, CharterAppConfig, CharterAppDeps } from './app.ts';
export { loadConfig } from './config.ts';
export type { CharterConfig, ConfigResult } from './config.ts';

export { costOf, expectedCost, failureCost, valueOfCaughtFailure } from './domain/costs.ts';
export type { ConfusionCounts, CostModel, Decision } from './domain/costs.ts';
export { actionFor, formatDeadline, promptFor } from './domain/actions.ts';
export type { CatalogAction } from './domain/actions.ts';
export { MACHINE_STATE_NAMES, MachineState, kpiValue, lineKpis, seriesFromIntervals, stateTotals } from './domain/kpi.ts';
export type { LineKpis, MachineStateName, ProductionCounts, StateSeries, StateTotals } from './domain/kpi.ts';
export { DEFAULT_THRESHOLDS, assessFeasibility, roiOf } from './domain/feasibility.ts';
export type { FeasibilityAssessment, FeasibilityFacts, FeasibilityThresholds, TagEvidence, TagHistory } from './domain/feasibility.ts';
export { managementReport, reportHtml } from './domain/report.ts';
export type { ManagementReport, ReportKpi } from './domain/report.ts';
export type { CatalogReader, HistorianReader, LabelledFailure, OutcomeReader, PromptOutcome, TagInfo } from './ports.ts';
export { decide, evolve, fold, initialState, streamOf } from './domain/usecase.ts';
export type { CharterCommand, CharterEvent, UseCaseState } from './domain/usecase.ts';
export { useCaseAggregate, useCaseFromEvents } from './features/use-case-stream.ts';
export { DataopsReader, PACKAGING_STATE_MAP, dataopsReader } from './adapters/dataops/reader.ts';
export type { DataopsReaderOptions, DataopsSource, Label, Point, RawSample } from './adapters/dataops/reader.ts';
export { CATALOG_LIMIT, LABEL_PAGE_MAX, dataopsGrpcSource } from './adapters/dataops/grpc.ts';
export type { DataopsGrpcOptions, DataopsGrpcSource } from './adapters/dataops/grpc.ts';
export { connectDataops } from './adapters/dataops/connect.ts';
export type { ConnectDataopsOptions, DataopsConnection } from './adapters/dataops/connect.ts';
export { tokenFromFile } from './adapters/token-file.ts';
export { AI4I_FAILURE_MODES, AI4I_TAGS, openAi4iCsv } from './adapters/historian/ai4i-csv.ts';
export type { Ai4iHistorian, Ai4iOptions } from './adapters/historian/ai4i-csv.ts';
