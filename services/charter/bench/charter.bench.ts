// Bench: OEE, MTBF and downtime over 30 days of one line's 1 Hz state data (2,592,000 samples in
// typed arrays). Deterministic data (an LCG): mostly running, with idle spells, setups, a nightly
// planned stop and random breakdowns. Prints the KPIs, then one JSON line last.
import { MachineState, lineKpis, stateTotals } from '../src/index.ts';

const SECONDS = 30 * 86_400;
const start = Date.parse('2025-03-01T00:00:00Z');
const t = new Float64Array(SECONDS);
const state = new Uint8Array(SECONDS);
let seed = 42;
const rand = () => (seed = (seed * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32;
let current: number = MachineState.Running;
let left = 0;
for (let i = 0; i < SECONDS; i++) {
  t[i] = start + i * 1000;
  const secondOfDay = i % 86_400;
  if (secondOfDay >= 2 * 3600 && secondOfDay < 3 * 3600) {
    state[i] = MachineState.PlannedStop;
    continue;
  }
  if (left <= 0) {
    const r = rand();
    if (r < 0.002) [current, left] = [MachineState.UnplannedStop, 300 + Math.floor(rand() * 3000)];
    else if (r < 0.004) [current, left] = [MachineState.Setup, 900];
    else if (r < 0.05) [current, left] = [MachineState.Idle, 30 + Math.floor(rand() * 120)];
    else [current, left] = [MachineState.Running, 60 + Math.floor(rand() * 600)];
  }
  state[i] = current;
  left--;
}
const counts = { total: 2_000_000, good: 1_960_000, scrap: 15_000, energyKwh: 350_000 };

// One warm-up, then the timed run.
lineKpis(stateTotals({ t, state }, start, start + SECONDS * 1000), counts, 1.0);
const t0 = performance.now();
const totals = stateTotals({ t, state }, start, start + SECONDS * 1000);
const k = lineKpis(totals, counts, 1.0);
const ms = performance.now() - t0;

process.stdout.write(
  `OEE ${k.oee?.toFixed(4)} (A ${k.availability?.toFixed(4)} × P ${k.performance?.toFixed(4)} × Q ${k.quality?.toFixed(4)}), ` +
    `${k.failures} breakdowns, downtime ${k.unplannedDowntimeHours.toFixed(2)} h, MTBF ${k.mtbfHours?.toFixed(2)} h, MTTR ${k.mttrHours?.toFixed(3)} h\n`,
);
process.stdout.write(`${JSON.stringify({ bench: 'charter', kpi_window_samples: SECONDS, kpi_compute_ms: Math.round(ms * 100) / 100 })}\n`);
