// The bench's simulator process: @industrial/simulator from the SIM_* environment (like its
// main.ts). Without a configured plant start, the simulator's plant time equals wall time from its
// first tick (the OPC UA start-up is caught up by that tick), so a sample's sourceTimestamp (plant
// time) at ×1 is the wall-clock instant the value changed and the bench can measure latency as
// receive − sourceTimestamp. Prints one JSON line on stdout when ready:
// {"ready":true,"startupMs":…,"plantLagMs":…} — plantLagMs checks that claim (≤ one tick) — and
// then every 500 ms {"stats":{"ticks":…,"updates":…},"at":<wall ms>}: the rate the simulator
// actually offers (tag updates written to the address space), the ceiling of values/s.
import { createSimulator, loadConfig } from '@industrial/simulator';

const anchored = true;
const config = loadConfig(process.env, [], process.cwd());
const startWall = Date.now();
const sim = createSimulator(config);
await sim.start();
const startupMs = Date.now() - startWall;
// Measured after a few ticks: wall − plant just after a tick is the clock offset (+ ≤ 1 tick).
setTimeout(() => {
  const plantLagMs = Date.now() - sim.plantTime().getTime();
  process.stdout.write(`${JSON.stringify({ ready: true, anchored, startupMs, plantLagMs, tickMs: 1000 / config.tickHz })}\n`);
  setInterval(() => process.stdout.write(`${JSON.stringify({ stats: sim.stats(), at: Date.now() })}\n`), 500).unref();
}, 1_000);
const stop = () => void sim.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
