// Entry point: validates config once, starts the simulator, prints label events as JSON
// lines, and stops cleanly on SIGTERM / SIGINT.

import { createSimulator } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

const log = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => {
  const line = JSON.stringify({ level, time: new Date().toISOString(), service: 'simulator', message, ...data });
  if (level === 'info') process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2), process.cwd());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`simulator: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const sim = createSimulator(config, { log });
  sim.onLabel((label) => log('info', 'label', { label }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    sim
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log('error', 'stop failed', { error: String(err) });
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await sim.start();
  log('info', 'ready', {
    endpointUrl: sim.endpointUrl,
    httpUrl: sim.httpUrl,
    timeAcceleration: config.timeAcceleration,
    assets: sim.assets.length,
  });
}

main().catch((err: unknown) => {
  log('error', 'simulator failed', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
