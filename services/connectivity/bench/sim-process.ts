// The bench's simulator process: @industrial/simulator from the SIM_* environment (like its
// main.ts), with the plant clock anchored to the wall clock at its first tick, so that a sample's
// sourceTimestamp (plant time) is the wall-clock instant the value changed and the bench can
// measure latency as receive − sourceTimestamp.
//
// Why the anchor: the simulator reads the wall clock for its plant start *before* it starts its
// OPC UA server (certificates, address space: seconds with 2 000 assets) and starts advancing the
// plant clock only after, so plant time lags wall time by the whole start-up, for ever (×1 keeps
// the offset constant). SIM_PLANT_START does not help: the lag is the start-up duration, unknown
// in advance. With --no-anchor the default clock is kept (to reproduce the old measurement).
// Prints one JSON line on stdout when ready: {"ready":true,"startupMs":…,"plantLagMs":…}.
import { createSimulator, loadConfig } from '@industrial/simulator';

const anchored = !process.argv.includes('--no-anchor');
const config = loadConfig(process.env, [], process.cwd());
let startWall = 0;
let ticking = false;
const sim = createSimulator(
  config,
  anchored
    ? {
        // plant start = wall clock when start() begins …
        wallClockMs: () => (startWall = Date.now()),
        // … and the clock does not count the start-up: until the first tick "now" stays at the start,
        // so the first tick advances the plant by (wall now − start) and plant time = wall time.
        monotonicMs: () => (ticking ? Date.now() : startWall),
      }
    : { wallClockMs: () => (startWall = Date.now()) },
);
await sim.start();
ticking = true;
const startupMs = Date.now() - startWall;
// Measured after a few ticks: wall − plant just after a tick is the clock offset (+ ≤ 1 tick).
setTimeout(() => {
  const plantLagMs = Date.now() - sim.plantTime().getTime();
  process.stdout.write(`${JSON.stringify({ ready: true, anchored, startupMs, plantLagMs, tickMs: 1000 / config.tickHz })}\n`);
}, 1_000);
const stop = () => void sim.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
