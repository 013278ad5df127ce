// The one service lifecycle every process shares (`main.ts` of each service is a call to
// runService): validated config → telemetry first → whatever the service opens (event store, keys,
// ports; each registers its own close) → start → one "ready" line → SIGTERM/SIGINT → stop (drains
// in-flight work) → closes in reverse order → telemetry flushed. Bad config: one message, exit 2.
// `--help`: the service's help text (every variable it reads), exit 0. A failure: logged, exit 1.
// SIGTERM/SIGINT while the start still waits: exit 0 at once, one line naming the signal (and what the
// start waited for), ctx.signal aborted, what the start opened closed (also what it opens later).
// METRICS_PORT (telemetryEnv): the process's Prometheus scrape endpoint, bound before start(); the
// ready line then ends with `metrics=<host>:<port>`. The same port answers /readyz and /status from
// the dependencies the process registered (its event store here; NATS and each consumer in the bus).
import { eventValidator, type Service } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { openStoreFromConfig, type LogLevel, type OpenStoreOptions, type StoreWiring, type TelemetryConfig } from '@industrial/eventstore/config';
import {
  createLogger,
  importantSpanOptions,
  initTelemetry,
  registerDependency,
  trace,
  withSpan,
  type Logger,
  type TelemetryHandle,
} from '@industrial/telemetry';
import { createKernel, type Kernel } from './kernel.ts';
import { unwritable, type WritablePath } from './writable.ts';

/** What runService needs from every service's config. */
export interface ServiceBaseConfig {
  readonly telemetry: TelemetryConfig;
  readonly logLevel: LogLevel;
}

export type ConfigResult<C> = { ok: true; config: C } | { ok: false; message: string };

export interface ServiceContext<C> {
  readonly config: C;
  readonly logger: Logger;
  readonly telemetry: TelemetryHandle;
  /**
   * Aborted when SIGTERM/SIGINT arrives while the start still waits: pass it to what the start waits
   * for (a connect) so that gives up at once. The start is abandoned either way (the process stops).
   */
  readonly signal: AbortSignal;
  /** Registers a close to run after stop(), in reverse order of registration (at once when the start was abandoned). */
  onClose(close: () => Promise<void> | void, what: string): void;
  /** Names what the start waits for now (`NATS at nats://…`; null: nothing named): a stop while starting names it. */
  waitingFor(what: string | null): void;
  /** Opens the event store the config names (contract-validated), closed on the way out. */
  openStore(wiring: StoreWiring, options?: OpenStoreOptions): Promise<EventStore>;
  /** Opens the event store and the kernel this service writes through. */
  openKernel(wiring: StoreWiring, options?: OpenStoreOptions & { newId?: () => string }): Promise<Kernel>;
}

export interface RunningService {
  /** Printed to stdout once started, e.g. `grpc=50052 http=8082` (launchers wait for "<name> ready"). */
  readonly ready: string;
  /** Stops accepting work and drains what is in flight. Closing what was opened is onClose's job. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<C extends ServiceBaseConfig> {
  readonly name: Service | (string & {});
  readonly version: string;
  /** Shown by `--help`: what the process does and every environment variable it reads. */
  readonly help: string;
  loadConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult<C>;
  /** Directories and files the service writes: checked before start, one that cannot be written stops it (exit 2) naming its setting. */
  writablePaths?(config: C): readonly WritablePath[];
  start(ctx: ServiceContext<C>): Promise<RunningService>;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly argv?: readonly string[];
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Resolves when the process should stop (default: the first SIGTERM or SIGINT). Ends only a started service. */
  readonly stopSignal?: Promise<string>;
  /** Resolves when the started service ended by itself (the relay: lease lost): stops it as SIGTERM/SIGINT would. */
  readonly ended?: Promise<string>;
}

/** Appended to every service's --help: the scrape endpoint runService serves. */
export const METRICS_HELP = `Metrics (every process):
  METRICS_PORT              off          Prometheus scrape endpoint GET /metrics on this port (0: any free port); off: none
  METRICS_HOST              127.0.0.1    interface of the scrape endpoint`;

const signals = (): Promise<string> =>
  new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

/** Runs a service to completion and returns its exit code (0 stopped by a signal, 1 failed, 2 bad config). */
export async function runService<C extends ServiceBaseConfig>(def: ServiceDefinition<C>, options: RunOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const argv = options.argv ?? process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    out(`${def.help.trimEnd()}\n\n${METRICS_HELP}`);
    return 0;
  }
  const loaded = def.loadConfig(options.env ?? process.env);
  if (!loaded.ok) {
    err(`${def.name}: ${loaded.message}`);
    return 2;
  }
  const config = loaded.config;
  const cannotWrite = unwritable(def.writablePaths?.(config) ?? []);
  if (cannotWrite !== null) {
    err(`${def.name}: ${cannotWrite}`);
    return 2;
  }
  const telemetry = initTelemetry({
    serviceName: def.name,
    serviceVersion: def.version,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    sampleRatio: config.telemetry.sampleRatio,
    logLevel: config.logLevel,
    metricsEndpoint: config.telemetry.metrics ?? null,
  });
  const logger = createLogger(def.name, { level: config.logLevel });
  const closers: { what: string; close: () => Promise<void> | void }[] = [];
  const stopSignal = options.stopSignal ?? signals();
  const osSignal = options.stopSignal === undefined ? stopSignal : null;
  const stopsRunning = options.ended === undefined ? stopSignal : Promise.race([stopSignal, options.ended]);
  // SIGTERM/SIGINT also end a start that waits (for a stream's owner, a database, NATS): an orchestrator's
  // stop must not need a second signal. A caller's own stopSignal (tests) ends only a started service.
  const abandon = new AbortController();
  let waitingFor: string | null = null;
  const closeNow = async (what: string, close: () => Promise<void> | void): Promise<void> => {
    try {
      await close();
    } catch (error) {
      logger.error({ err: error }, `closing the ${what} failed`);
    }
  };
  const openStore = async (wiring: StoreWiring, storeOptions: OpenStoreOptions = {}): Promise<EventStore> => {
    const store = await openStoreFromConfig(wiring, { validator: eventValidator, ...storeOptions });
    // Readiness (/readyz on the metrics and health ports): not ready while the store does not answer.
    const unregister = registerDependency({
      name: 'event store',
      kind: 'database',
      check: async () => ({ ok: true, detail: `head at position ${await store.headPosition()}` }),
    });
    closers.push({
      what: 'event store',
      close: () => {
        unregister();
        return store.close();
      },
    });
    return store;
  };
  const ctx: ServiceContext<C> = {
    config,
    logger,
    telemetry,
    signal: abandon.signal,
    // What an abandoned start still opens is closed at once: the closes below have run.
    onClose: (close, what) => (abandon.signal.aborted ? void closeNow(what, close) : void closers.push({ what, close })),
    waitingFor: (what) => void (waitingFor = what),
    openStore,
    async openKernel(wiring, kernelOptions = {}) {
      const { newId, ...storeOptions } = kernelOptions;
      const store = await openStore(wiring, storeOptions);
      return createKernel({ service: def.name as Service, store, ...(newId === undefined ? {} : { newId }) });
    },
  };
  let code = 0;
  try {
    const endpoint = await telemetry.serveMetrics();
    // The start as one span (always kept): every process sends at least one, so an SRE sees each in the tracing backend.
    const starting = withSpan(trace.getTracer('@industrial/kernel'), `start ${def.name}`, importantSpanOptions(), () => def.start(ctx));
    const first =
      osSignal === null ? { running: await starting } : await Promise.race([starting.then((r) => ({ running: r })), osSignal.then((signal) => ({ signal }))]);
    if (!('running' in first)) {
      const waiting = waitingFor === null ? '' : `, waiting for ${waitingFor}`;
      logger.info({ signal: first.signal }, `stopped while starting${waiting}`);
      err(`${def.name}: stopped by ${first.signal} while starting${waiting}`);
      abandon.abort(new Error(`stopped by ${first.signal} while starting`));
      // What the start opened closes below; a start that still completes is stopped at once.
      void starting.then(
        (late) => late.stop().catch(() => undefined),
        () => undefined,
      );
      return code;
    }
    waitingFor = null;
    const running = first.running;
    const metricsAt = endpoint === null ? '' : ` metrics=${endpoint.host}:${endpoint.port}`;
    out(`${`${def.name} ready ${running.ready}`.trimEnd()}${metricsAt}`);
    const signal = await stopsRunning;
    logger.info({ signal }, 'stopping');
    await running.stop();
  } catch (error) {
    logger.fatal({ err: error }, `${def.name} failed`);
    code = 1;
  } finally {
    for (const { what, close } of closers.reverse()) await closeNow(what, close);
    await telemetry.shutdown();
  }
  return code;
}
export type { WritablePath } from './writable.ts';
