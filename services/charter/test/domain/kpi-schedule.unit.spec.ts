// The KPI schedule's periods and the report's inline SVG charts, as pure functions.
import { describe, expect, it } from 'vitest';
import { duePeriods, parseKpiSchedule } from '../../src/domain/kpi-schedule.ts';
import { lineChartSvg, savingsTrend } from '../../src/domain/report-trends.ts';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.parse('2025-06-01T00:00:00Z');

describe('KPI schedule', () => {
  it('parses "every <n><unit>" and refuses anything else with the reason', () => {
    expect(parseKpiSchedule('every 8h')).toEqual({ ok: true, everyMs: 8 * H });
    expect(parseKpiSchedule(' every 15m ')).toEqual({ ok: true, everyMs: 15 * 60_000 });
    expect(parseKpiSchedule('every 2w')).toEqual({ ok: true, everyMs: 14 * D });
    expect(parseKpiSchedule('daily')).toMatchObject({ ok: false, reason: expect.stringContaining('every <n><m|h|d|w>') });
    expect(parseKpiSchedule('every 0h')).toMatchObject({ ok: false, reason: 'must be at least one minute' });
    expect(parseKpiSchedule('every 400d')).toMatchObject({ ok: false, reason: 'must be at most a year' });
  });

  it('is due for the latest whole period first, then every whole period since, capped per look', () => {
    expect(duePeriods(null, T0 + 5 * H, D, 10)).toEqual([{ fromMs: T0 - D, toMs: T0 }]);
    expect(duePeriods(T0, T0 + 5 * H, D, 10)).toEqual([]);
    expect(duePeriods(T0, T0 + 3 * D, D, 10)).toEqual([
      { fromMs: T0, toMs: T0 + D },
      { fromMs: T0 + D, toMs: T0 + 2 * D },
      { fromMs: T0 + 2 * D, toMs: T0 + 3 * D },
    ]);
    expect(duePeriods(T0, T0 + 30 * D, D, 4)).toHaveLength(4);
    // a measurement ending off the grid (by hand) resumes at the next boundary
    expect(duePeriods(T0 + 5 * H, T0 + 2 * D, D, 10)).toEqual([{ fromMs: T0 + D, toMs: T0 + 2 * D }]);
  });
});

describe('report charts', () => {
  const label = (x: number) => new Date(x).toISOString().slice(0, 10);
  it('draws one point per value with its target line, and says when there is none', () => {
    const svg = lineChartSvg({
      id: 'kpi-x',
      title: 'Downtime <h> against target',
      unit: 'h',
      xLabel: label,
      series: { points: [{ x: T0, y: 2 }], refs: [{ y: 1, label: 'target 1 h', kind: 'target' }] },
    });
    expect(svg.match(/<circle class="point"/g)).toHaveLength(1);
    expect(svg).toContain('data-chart="kpi-x"');
    expect(svg).toContain('Downtime &lt;h&gt; against target');
    expect(svg).toMatch(/<line class="target"/);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const empty = lineChartSvg({ id: 'e', title: 'E', unit: '', xLabel: label, series: { points: [], refs: [] } });
    expect(empty).toContain('no measurement yet');
    expect(empty).not.toMatch(/<circle|NaN|Infinity/);
  });

  it('accumulates savings outcome by outcome in time order from 0 at go-live', () => {
    expect(
      savingsTrend('EUR', T0, [
        { at: T0 + 2 * D, change: -35 },
        { at: T0 + D, change: 100 },
      ]),
    ).toEqual({
      currency: 'EUR',
      points: [
        { at: new Date(T0).toISOString(), net: 0 },
        { at: new Date(T0 + D).toISOString(), net: 100 },
        { at: new Date(T0 + 2 * D).toISOString(), net: 65 },
      ],
    });
  });
});
