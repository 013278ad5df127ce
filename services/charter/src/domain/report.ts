// The management report of a use case: KPIs before and since go-live against baseline and target,
// what accepted prompts avoided (downtime, money), as JSON and as a plain HTML page. Pure: the
// KPIs and prompt outcomes come in; plant time is rendered in the plant's time zone.
import { costModelFromServing, costOf, failureCost, type CostModel } from './costs.ts';
import { kpiValue, type LineKpis } from './kpi.ts';
import { kpiTrends, lineChartSvg, savingsTrend, type ReportTrends } from './report-trends.ts';
import type { UseCaseState } from './usecase.ts';

/** What happened after a prompt inference raised, as inference records it. */
export interface PromptOutcome {
  recommendationId: string;
  at: number;
  assetPath: string;
  /** `open`: shown, no decision recorded (yet). */
  decision: 'accepted' | 'rejected' | 'expired' | 'open';
  /** The model version that raised it; null: the rule-based limits; absent: not known. */
  modelVersionId?: string | null;
  /** `failure-avoided`: accepted and the inspection found the fault; `false-alarm`: nothing was found. */
  outcome: 'failure-avoided' | 'failure-occurred' | 'false-alarm' | 'unknown';
}

export interface ReportInput {
  state: UseCaseState;
  /** Go-live and end of the report; "before" is the window of the same length ending at go-live. */
  goLiveAt: number;
  to: number;
  before: LineKpis;
  since: LineKpis;
  outcomes: readonly PromptOutcome[];
  timeZone: string;
  generatedAt: number;
}

export interface ReportKpi {
  kpiId: string;
  name: string;
  kind: string;
  unit: string;
  direction: 'increase' | 'decrease';
  baseline: number;
  target: number;
  deadline: string;
  beforeGoLive: number | null;
  sinceGoLive: number | null;
  /** sinceGoLive − beforeGoLive. */
  change: number | null;
  /** Share of the way from baseline to target reached since go-live (may exceed 1 or be negative). */
  progressToTarget: number | null;
}

export interface ManagementReport {
  useCaseId: string;
  title: string;
  kind: string;
  timeZone: string;
  period: { beforeFrom: string; goLiveAt: string; to: string };
  generatedAt: string;
  kpis: ReportKpi[];
  prompts: { raised: number; accepted: number; rejected: number; expired: number; failuresAvoided: number; falseAlarms: number; failuresOccurred: number };
  downtime: { beforeHours: number; sinceHours: number; changeHours: number; avoidedByPromptsHours: number; attributableShare: number | null };
  savings: Savings | null;
  /** The savings split by what raised the prompts: a model version, or null for the rule-based limits. */
  savingsByModelVersion: (Savings & { modelVersionId: string | null; failuresAvoided: number; falseAlarms: number })[];
  /** Each KPI measured over time against its target, and the realised savings accumulated since go-live. */
  trends: ReportTrends;
}

export interface Savings {
  currency: string;
  failuresAvoidedValue: number;
  interventionCost: number;
  falseAlarmCost: number;
  net: number;
}

/** `2025-03-01 09:00` in the plant's zone. */
export function plantTime(ms: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return f.format(new Date(ms));
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function managementReport(input: ReportInput): ManagementReport {
  const { state, before, since, outcomes } = input;
  const draft = state.draft;
  if (draft === null) throw new Error('managementReport needs a drafted use case');
  const kpis = (state.objectives?.kpis ?? []).map((k): ReportKpi => {
    const b = kpiValue(k.kind, before);
    const s = kpiValue(k.kind, since);
    const span = k.target - k.baseline;
    return {
      kpiId: k.kpiId,
      name: k.name,
      kind: k.kind,
      unit: k.unit,
      direction: k.direction,
      baseline: k.baseline,
      target: k.target,
      deadline: k.deadline,
      beforeGoLive: b === null ? null : round(b),
      sinceGoLive: s === null ? null : round(s),
      change: b === null || s === null ? null : round(s - b),
      progressToTarget: s === null || span === 0 ? null : round((s - k.baseline) / span),
    };
  });
  const count = (p: (o: PromptOutcome) => boolean) => outcomes.filter(p).length;
  const accepted = outcomes.filter((o) => o.decision === 'accepted');
  const prompts = {
    raised: outcomes.length,
    accepted: accepted.length,
    rejected: count((o) => o.decision === 'rejected'),
    expired: count((o) => o.decision === 'expired'),
    failuresAvoided: accepted.filter((o) => o.outcome === 'failure-avoided').length,
    falseAlarms: accepted.filter((o) => o.outcome === 'false-alarm').length,
    failuresOccurred: count((o) => o.outcome === 'failure-occurred'),
  };
  // The charter's own cost model; without one, the serving spec's.
  const m = state.costModel ?? (state.serving === null ? null : costModelFromServing(state.serving.spec.costModel));
  // A failure avoided would have stopped the asset as long as repairs took before go-live.
  const hoursPerFailure = before.mttrHours ?? m?.downtimeHoursPerFailure ?? 0;
  const avoidedByPromptsHours = prompts.failuresAvoided * hoursPerFailure;
  const changeHours = since.unplannedDowntimeHours - before.unplannedDowntimeHours;
  const reduction = -changeHours;
  const savingsOf = (model: CostModel, failuresAvoided: number, falseAlarms: number): Savings => {
    const failuresAvoidedValue = failuresAvoided * failureCost(model, hoursPerFailure);
    const interventionCost = failuresAvoided * costOf(model, { alarm: true, failureFollowed: true });
    const falseAlarmCost = falseAlarms * costOf(model, { alarm: true, failureFollowed: false });
    return {
      currency: model.currency,
      failuresAvoidedValue: round(failuresAvoidedValue, 2),
      interventionCost: round(interventionCost, 2),
      falseAlarmCost: round(falseAlarmCost, 2),
      net: round(failuresAvoidedValue - interventionCost - falseAlarmCost, 2),
    };
  };
  const savings = m === null ? null : savingsOf(m, prompts.failuresAvoided, prompts.falseAlarms);
  const versions = [...new Set(accepted.map((o) => o.modelVersionId ?? null))];
  const savingsByModelVersion =
    m === null
      ? []
      : versions.map((modelVersionId) => {
          const mine = accepted.filter((o) => (o.modelVersionId ?? null) === modelVersionId);
          const failuresAvoided = mine.filter((o) => o.outcome === 'failure-avoided').length;
          const falseAlarms = mine.filter((o) => o.outcome === 'false-alarm').length;
          return { modelVersionId, failuresAvoided, falseAlarms, ...savingsOf(m, failuresAvoided, falseAlarms) };
        });
  const span = input.to - input.goLiveAt;
  const steps =
    m === null
      ? []
      : accepted.flatMap((o) =>
          o.outcome === 'failure-avoided'
            ? [{ at: o.at, change: failureCost(m, hoursPerFailure) - costOf(m, { alarm: true, failureFollowed: true }) }]
            : o.outcome === 'false-alarm'
              ? [{ at: o.at, change: -costOf(m, { alarm: true, failureFollowed: false }) }]
              : [],
        );
  const trends: ReportTrends = {
    kpis: kpiTrends(state, input.goLiveAt - span, input.to),
    savings: m === null ? null : savingsTrend(m.currency, input.goLiveAt, steps),
  };
  return {
    useCaseId: draft.useCaseId,
    title: draft.title,
    kind: draft.kind,
    timeZone: input.timeZone,
    period: {
      beforeFrom: plantTime(input.goLiveAt - span, input.timeZone),
      goLiveAt: plantTime(input.goLiveAt, input.timeZone),
      to: plantTime(input.to, input.timeZone),
    },
    generatedAt: plantTime(input.generatedAt, input.timeZone),
    kpis,
    prompts,
    downtime: {
      beforeHours: round(before.unplannedDowntimeHours),
      sinceHours: round(since.unplannedDowntimeHours),
      changeHours: round(changeHours),
      avoidedByPromptsHours: round(avoidedByPromptsHours),
      attributableShare: reduction > 0 ? round(Math.min(1, avoidedByPromptsHours / reduction)) : null,
    },
    savings,
    savingsByModelVersion,
    trends,
  };
}

/** The trend charts of a report (inline SVG), times labelled in plant time. */
function trendCharts(r: ManagementReport): string {
  const label = (x: number) => plantTime(x, r.timeZone);
  const charts = r.trends.kpis.map((k) =>
    lineChartSvg({
      id: `kpi-${k.kpiId}`,
      title: `${k.name} against target`,
      unit: k.unit,
      xLabel: label,
      series: {
        points: k.points.map((p) => ({ x: Date.parse(p.periodEnd), y: p.value })),
        refs: [
          { y: k.target, label: `target ${show(k.target, k.unit)}`, kind: 'target' },
          { y: k.baseline, label: `baseline ${show(k.baseline, k.unit)}`, kind: 'baseline' },
        ],
      },
    }),
  );
  const s = r.trends.savings;
  if (s !== null)
    charts.push(
      lineChartSvg({
        id: 'savings',
        title: `Realised savings since go-live (net, ${s.currency})`,
        unit: s.currency,
        xLabel: label,
        series: { points: s.points.map((p) => ({ x: Date.parse(p.at), y: p.net })), refs: [] },
      }),
    );
  return charts.map((c) => `<figure>\n${c}\n</figure>`).join('\n');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const show = (x: number | null, unit = '') => (x === null ? '–' : `${round(x, 3).toLocaleString('en-US')}${unit === '' ? '' : ` ${unit}`}`);

/** The report as one self-contained HTML page a plant manager can read or print. */
export function reportHtml(r: ManagementReport): string {
  const e = escapeHtml;
  const rows = r.kpis
    .map(
      (k) =>
        `<tr><td>${e(k.name)}</td><td>${e(show(k.baseline, k.unit))}</td><td>${e(show(k.target, k.unit))}</td><td>${e(show(k.beforeGoLive, k.unit))}</td><td>${e(show(k.sinceGoLive, k.unit))}</td><td>${e(show(k.change, k.unit))}</td><td>${k.progressToTarget === null ? '–' : `${Math.round(k.progressToTarget * 100)} %`}</td></tr>`,
    )
    .join('\n');
  const money = (x: number) => (r.savings === null ? '–' : `${Math.round(x).toLocaleString('en-US')} ${e(r.savings.currency)}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(r.title)} – management report</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body>
<h1>${e(r.title)}</h1>
<p>Go-live ${e(r.period.goLiveAt)}; compared: ${e(r.period.beforeFrom)} to go-live against go-live to ${e(r.period.to)} (plant time, ${e(r.timeZone)}).</p>
<h2>Savings</h2>
<p>Accepted prompts avoided <strong>${r.prompts.failuresAvoided}</strong> failures and <strong>${show(r.downtime.avoidedByPromptsHours)} hours</strong> of downtime, worth <strong>${money(r.savings?.net ?? 0)}</strong> net (failures avoided ${money(r.savings?.failuresAvoidedValue ?? 0)}, interventions ${money(r.savings?.interventionCost ?? 0)}, false alarms ${money(r.savings?.falseAlarmCost ?? 0)}).</p>
<p>Unplanned downtime: ${show(r.downtime.beforeHours)} h before, ${show(r.downtime.sinceHours)} h since go-live (change ${show(r.downtime.changeHours)} h${r.downtime.attributableShare === null ? '' : `, ${Math.round(r.downtime.attributableShare * 100)} % of the reduction attributable to accepted prompts`}).</p>
${r.savingsByModelVersion.length === 0 ? '' : `<p>By what raised the prompts: ${r.savingsByModelVersion.map((v) => `${v.modelVersionId === null ? 'the rule-based limits' : `model version ${e(v.modelVersionId)}`} ${money(v.net)} (${v.failuresAvoided} failures avoided, ${v.falseAlarms} false alarms)`).join('; ')}.</p>`}
<h2>KPIs</h2>
<table><thead><tr><th>KPI</th><th>Baseline</th><th>Target</th><th>Before go-live</th><th>Since go-live</th><th>Change</th><th>Toward target</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Trends</h2>
${trendCharts(r)}
<h2>Prompts</h2>
<p>${r.prompts.raised} raised, ${r.prompts.accepted} accepted, ${r.prompts.rejected} rejected, ${r.prompts.expired} expired; ${r.prompts.falseAlarms} false alarms, ${r.prompts.failuresOccurred} failures still occurred.</p>
<p><small>Generated ${e(r.generatedAt)}.</small></p>
</body></html>
`;
}
