// Trends of the management report: each KPI measured over time (KpiMeasured, on a schedule or by
// hand) against its target and baseline, and the realised savings accumulated outcome by outcome
// since go-live; drawn as inline SVG line charts (no external library, no script). Pure.
import type { KpiMeasurement, UseCaseState } from './usecase.ts';

export interface KpiTrend {
  kpiId: string;
  name: string;
  unit: string;
  direction: 'increase' | 'decrease';
  baseline: number;
  target: number;
  /** Measurements whose period ends within the report (before and since go-live), by period end; UTC ISO-8601. */
  points: { periodStart: string; periodEnd: string; value: number; modelVersionId: string | null }[];
}

export interface SavingsTrend {
  currency: string;
  /** Net realised savings accumulated since go-live: 0 at go-live, then after each failure avoided or false alarm (UTC ISO-8601). */
  points: { at: string; net: number }[];
}

export interface ReportTrends {
  kpis: KpiTrend[];
  savings: SavingsTrend | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The KPI trends over (from, to]: the last measurement of each KPI and period counts. */
export function kpiTrends(state: UseCaseState, from: number, to: number): KpiTrend[] {
  return (state.objectives?.kpis ?? []).map((k) => {
    const byPeriod = new Map<string, KpiMeasurement>();
    for (const m of state.measurements) {
      const end = Date.parse(m.periodEnd);
      if (m.kpiId === k.kpiId && end > from && end <= to) byPeriod.set(`${m.periodStart}|${m.periodEnd}`, m);
    }
    const points = [...byPeriod.values()]
      .sort((a, b) => Date.parse(a.periodEnd) - Date.parse(b.periodEnd))
      .map((m) => ({ periodStart: iso(Date.parse(m.periodStart)), periodEnd: iso(Date.parse(m.periodEnd)), value: m.value, modelVersionId: m.modelVersionId }));
    return { kpiId: k.kpiId, name: k.name, unit: k.unit, direction: k.direction, baseline: k.baseline, target: k.target, points };
  });
}

/** Savings accumulated over the counted outcomes (each a change of the net, at its time). */
export function savingsTrend(currency: string, goLiveAt: number, steps: readonly { at: number; change: number }[]): SavingsTrend {
  let net = 0;
  const points = [{ at: iso(goLiveAt), net: 0 }];
  for (const s of [...steps].sort((a, b) => a.at - b.at)) {
    net += s.change;
    points.push({ at: iso(s.at), net: round2(net) });
  }
  return { currency, points };
}

export interface ChartSeries {
  points: readonly { x: number; y: number }[];
  /** Horizontal reference lines (target, baseline). */
  refs: readonly { y: number; label: string; kind: 'target' | 'baseline' }[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fmt = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 1000) / 1000));

/**
 * A line chart as inline SVG: one `circle.point` per point, a polyline through them, dashed
 * reference lines, the y range and the first and last x labelled (`xLabel` renders a time).
 */
export function lineChartSvg(o: { id: string; title: string; unit: string; series: ChartSeries; xLabel: (x: number) => string }): string {
  const W = 640,
    H = 220,
    L = 64,
    R = 16,
    T = 24,
    B = 36;
  const { points, refs } = o.series;
  const xs = points.map((p) => p.x);
  const ys = [...points.map((p) => p.y), ...refs.map((r) => r.y)];
  const range = (vs: readonly number[]): [number, number] => {
    if (vs.length === 0) return [0, 1];
    const lo = Math.min(...vs),
      hi = Math.max(...vs);
    return hi === lo ? [lo - 1, hi + 1] : [lo, hi];
  };
  const [x0, x1] = range(xs);
  let [y0, y1] = range(ys);
  const pad = (y1 - y0) * 0.08;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const n = (v: number) => v.toFixed(1);
  const unit = o.unit === '' ? '' : ` ${esc(o.unit)}`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(o.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}">`,
    `<title>${esc(o.title)}</title>`,
    `<text x="${L}" y="16" font-size="13">${esc(o.title)}</text>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/><line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`,
    `<text x="${L - 6}" y="${n(sy(y1 - pad) + 4)}" font-size="11" text-anchor="end">${fmt(y1 - pad)}${unit}</text>`,
    `<text x="${L - 6}" y="${n(sy(y0 + pad) + 4)}" font-size="11" text-anchor="end">${fmt(y0 + pad)}${unit}</text>`,
  ];
  for (const r of refs)
    parts.push(
      `<line class="${r.kind}" x1="${L}" y1="${n(sy(r.y))}" x2="${W - R}" y2="${n(sy(r.y))}" stroke="${r.kind === 'target' ? '#2a7' : '#999'}" stroke-dasharray="6 4"/><text x="${W - R}" y="${n(sy(r.y) - 4)}" font-size="11" text-anchor="end" fill="${r.kind === 'target' ? '#2a7' : '#777'}">${esc(r.label)}</text>`,
    );
  if (points.length > 0) {
    parts.push(`<polyline fill="none" stroke="#246" stroke-width="2" points="${points.map((p) => `${n(sx(p.x))},${n(sy(p.y))}`).join(' ')}"/>`);
    for (const p of points)
      parts.push(
        `<circle class="point" cx="${n(sx(p.x))}" cy="${n(sy(p.y))}" r="3" fill="#246"><title>${esc(o.xLabel(p.x))}: ${fmt(p.y)}${unit}</title></circle>`,
      );
    parts.push(`<text x="${L}" y="${H - 12}" font-size="11">${esc(o.xLabel(x0))}</text>`);
    parts.push(`<text x="${W - R}" y="${H - 12}" font-size="11" text-anchor="end">${esc(o.xLabel(x1))}</text>`);
  } else parts.push(`<text x="${(L + W - R) / 2}" y="${H / 2}" font-size="12" text-anchor="middle">no measurement yet</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
