// Line KPIs against hand computations (oee.com definitions; MTBF/MTTR per ISO 22400-2).
import { describe, expect, it } from 'vitest';
import { MemoryHistorian } from '../memory-historian.ts';
import { lineKpisFrom } from '../../src/features/facts.ts';
import { MachineState, lineKpis, seriesFromIntervals, stateTotals } from '../../src/domain/kpi.ts';

const at = (hhmm: string, day = '2025-03-03') => Date.parse(`${day}T${hhmm}:00+01:00`);
const LINE = 'acme.plant1.packaging.line-1.filler-3';

describe('when a packaging line ran one 8-hour shift', () => {
  // 08:00–16:00 (480 min): setup 30, run 90, breakdown 20, run 100, lunch (planned) 30, run 90,
  // idle 10, run 50, breakdown 40, run 20.
  const series = seriesFromIntervals([
    { at: at('08:00'), state: 'setup' },
    { at: at('08:30'), state: 'running' },
    { at: at('10:00'), state: 'unplanned-stop' },
    { at: at('10:20'), state: 'running' },
    { at: at('12:00'), state: 'planned-stop' },
    { at: at('12:30'), state: 'running' },
    { at: at('14:00'), state: 'idle' },
    { at: at('14:10'), state: 'running' },
    { at: at('15:00'), state: 'unplanned-stop' },
    { at: at('15:40'), state: 'running' },
    { at: at('16:00'), state: 'not-scheduled' },
  ]);
  const historian = new MemoryHistorian().setStates(LINE, series).addCounts(LINE, [
    { at: at('12:00'), total: 10_000, good: 9_500 },
    { at: at('16:00'), total: 9_440, good: 8_968 },
  ]);

  it('computes OEE = availability × performance × quality as by hand', async () => {
    // Hand computation:
    //   planned production time = 480 − 30 (lunch) = 450 min
    //   stop time = 30 (setup) + 20 + 40 (breakdowns) = 90 min → run time = 450 − 90 = 360 min (idle counts as run)
    //   availability = 360 / 450 = 0.8
    //   performance = ideal cycle 1.0 s × 19,440 units = 19,440 s = 324 min; 324 / 360 = 0.9
    //   quality = 18,468 / 19,440 = 0.95
    //   OEE = 0.8 × 0.9 × 0.95 = 0.684
    const k = await lineKpisFrom(historian, LINE, at('08:00'), at('16:00'), 1.0);
    expect(k.plannedProductionHours).toBeCloseTo(7.5, 10);
    expect(k.runHours).toBeCloseTo(6, 10);
    expect(k.availability).toBeCloseTo(0.8, 10);
    expect(k.performance).toBeCloseTo(0.9, 10);
    expect(k.quality).toBeCloseTo(0.95, 10);
    expect(k.oee).toBeCloseTo(0.684, 10);
    // Two breakdowns, 60 min: MTBF = 360 min / 2 = 3 h, MTTR = 60 min / 2 = 0.5 h.
    expect(k.failures).toBe(2);
    expect(k.unplannedDowntimeHours).toBeCloseTo(1, 10);
    expect(k.mtbfHours).toBeCloseTo(3, 10);
    expect(k.mttrHours).toBeCloseTo(0.5, 10);
    expect(k.defectRate).toBeCloseTo(0.05, 10);
  });

  it('caps performance at 100 % when the counts exceed the ideal rate', () => {
    const k = lineKpis(stateTotals(series, at('08:00'), at('16:00')), { total: 30_000, good: 30_000, scrap: null, energyKwh: null }, 1.0);
    expect(k.performance).toBe(1);
  });
});

describe('when a day has a scripted sequence of breakdowns', () => {
  // A breakdown carried in from the previous day (until 00:30), breakdowns at 06:00 (60 min) and
  // 12:00 (15 min), a planned stop 18:00–19:00, and a breakdown from 23:30 into the next day.
  const day = '2025-03-04';
  const series = seriesFromIntervals([
    { at: at('23:00', '2025-03-03'), state: 'unplanned-stop' },
    { at: at('00:30', day), state: 'running' },
    { at: at('06:00', day), state: 'unplanned-stop' },
    { at: at('07:00', day), state: 'running' },
    { at: at('12:00', day), state: 'unplanned-stop' },
    { at: at('12:15', day), state: 'running' },
    { at: at('18:00', day), state: 'planned-stop' },
    { at: at('19:00', day), state: 'running' },
    { at: at('23:30', day), state: 'unplanned-stop' },
  ]);
  const totals = stateTotals(series, at('00:00', day), at('00:00', '2025-03-05'));
  const k = lineKpis(totals, { total: 0, good: 0, scrap: null, energyKwh: null }, 1);

  it('counts the breakdowns that start in the window, not the one carried in', () => {
    expect(totals.failures).toBe(3);
  });

  it('computes downtime, MTBF and MTTR as by hand', () => {
    // Downtime in the window = 30 (carried in) + 60 + 15 + 30 (until midnight) = 135 min = 2.25 h.
    // Run time = 24 h − 2.25 h − 1 h planned = 20.75 h → MTBF = 20.75 / 3 = 6.9167 h; MTTR = 2.25 / 3 = 0.75 h.
    expect(k.unplannedDowntimeHours).toBeCloseTo(2.25, 10);
    expect(totals.durationMs[MachineState.PlannedStop]).toBe(3_600_000);
    expect(k.mtbfHours).toBeCloseTo(20.75 / 3, 10);
    expect(k.mttrHours).toBeCloseTo(0.75, 10);
  });

  it('gives no MTBF or MTTR for a window without breakdowns', () => {
    const quiet = lineKpis(stateTotals(series, at('13:00', day), at('17:00', day)), { total: 0, good: 0, scrap: null, energyKwh: null }, 1);
    expect(quiet.failures).toBe(0);
    expect(quiet.mtbfHours).toBeNull();
    expect(quiet.unplannedDowntimeHours).toBe(0);
  });
});
