// Composition root: plugs the adapters (OPC UA server, HTTP endpoint, files, clocks, event store)
// into the use cases (plant run, fault injection, ground-truth labels). Embeddable: the platform's
// one-process start and the plant pipeline call createSimulator(config, { store }).start(); the
// simulator process does the same through runService (service.ts).
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { EventStore } from '@industrial/eventstore';
import type { Kernel } from '@industrial/kernel';
import { createControlAccess, type SimulatorAccess } from './adapters/control-access.ts';
import { createGroundTruthRecorder } from './features/ground-truth-labels.ts';
import { simulatorKernel } from './adapters/event-store-recorder.ts';
import { startHttpServer } from './adapters/http-server.ts';
import { startOpcuaServer } from './adapters/opcua-server.ts';
import type { SimulatorConfig } from './config.ts';
import type { FaultSource } from './domain/faults.ts';
import type { FaultActor } from './domain/labels.ts';
import type { AssetInfo } from './domain/plant.ts';
import type { InjectResult, ScenarioResult } from './features/fault-injection.ts';
import { SimulatorNotStartedError } from './features/fault-injection.ts';
import type { GroundTruthRecorder, GroundTruthStats } from './features/ground-truth-labels.ts';
import { createLabelFeed } from './features/label-feed.ts';
import { createPlantRun } from './features/plant-run.ts';
import type { LabelListener, Log } from './features/ports.ts';

export type { SimulatorConfig } from './config.ts';
export type { InjectResult, ScenarioResult } from './features/fault-injection.ts';
export type { LabelListener } from './features/ports.ts';
export type { FaultActor } from './domain/labels.ts';
export type { SimulatorAccess } from './adapters/control-access.ts';
export { SimulatorNotStartedError };

export interface SimulatorDeps {
  /** monotonic real-time milliseconds; defaults to performance.now */
  monotonicMs?: () => number;
  /** wall clock for the default plant start */
  wallClockMs?: () => number;
  log?: Log;
  /** Records the ground truth (FaultInjected / FaultLabelled) in this event store, as the simulator. */
  store?: EventStore;
  /** … or through this kernel (it must write as the simulator). */
  kernel?: Kernel;
  /** How the HTTP API verifies platform tokens; required when `config.http` is set. */
  access?: SimulatorAccess;
}

export interface Simulator {
  start(): Promise<void>;
  /** Stops the plant, then waits until every ground-truth label is recorded. */
  stop(): Promise<void>;
  /** opc.tcp URL, available after start() */
  readonly endpointUrl: string;
  /** base URL of the HTTP endpoint, or null when disabled; available after start() */
  readonly httpUrl: string | null;
  /** subscribes to ground-truth label events; returns an unsubscribe function */
  onLabel(listener: LabelListener): () => void;
  /** injects a fault as the HTTP endpoint would (same validation); `actor`: the user who asked (default: the simulator) */
  injectFault(request: unknown, source?: FaultSource, actor?: FaultActor): InjectResult;
  /** loads a scenario (JSON list of timed faults); all-or-nothing */
  loadScenario(scenario: unknown): ScenarioResult;
  /** current plant time */
  plantTime(): Date;
  /** counters since start: ticks run, tag updates pushed to OPC UA, labels emitted; ground truth recorded (null: no store) */
  stats(): { ticks: number; updates: number; labels: number; groundTruth: GroundTruthStats | null };
  /** Resolves once every label so far is recorded in the event store (at once without one). */
  flushGroundTruth(): Promise<void>;
  readonly assets: readonly AssetInfo[];
}

export function createSimulator(config: SimulatorConfig, deps: SimulatorDeps = {}): Simulator {
  const log = deps.log ?? (() => {});
  if (config.http && !deps.access)
    throw new Error('the HTTP control API verifies platform tokens: pass deps.access (key set, issuer, audience) or set http to null');
  if (config.opcua.allowAnonymous || config.opcua.allowSecurityNone) {
    log('warn', 'INSECURE (SIM_ALLOW_INSECURE, development only): the OPC UA endpoint accepts anonymous sessions and SecurityPolicy None', {
      allowAnonymous: config.opcua.allowAnonymous,
      allowSecurityNone: config.opcua.allowSecurityNone,
    });
  }
  const target = deps.kernel ? { kernel: deps.kernel } : deps.store ? { store: deps.store } : null;
  const kernel = target ? simulatorKernel(target) : null;
  const control = deps.access ? createControlAccess(deps.access, kernel ? (stream, event) => kernel.appendPrepared(stream, [event]) : null, log) : null;
  const labels = createLabelFeed(log);
  const run = createPlantRun(
    config,
    {
      startTagServer: (assets, initial, inject) => startOpcuaServer(config.opcua, assets, initial, inject),
      startControlApi: config.http && control ? (handlers) => startHttpServer(config.http!, handlers, control) : null,
      readText: (file) => readFile(file, 'utf8'),
      monotonicMs: deps.monotonicMs ?? (() => performance.now()),
      wallClockMs: deps.wallClockMs ?? (() => Date.now()),
      log,
    },
    labels,
  );
  const recorder: GroundTruthRecorder | null = kernel ? createGroundTruthRecorder({ kernel, seed: config.seed, log }) : null;
  if (recorder) labels.subscribe((label) => recorder.record(label));
  const requirePlant = () => {
    const p = run.plant();
    if (!p) throw new SimulatorNotStartedError();
    return p;
  };

  return {
    start: () => run.start(),
    async stop() {
      await run.stop();
      await recorder?.drain();
    },
    get endpointUrl() {
      return run.endpointUrl;
    },
    get httpUrl() {
      return run.httpUrl;
    },
    onLabel: (listener) => labels.subscribe(listener),
    injectFault: (request, source, actor) => run.injectFault(request, source, actor),
    loadScenario: (scenario) => run.loadScenario(scenario),
    plantTime: () => new Date(requirePlant().nowMs),
    stats: () => ({ ...run.counters, labels: labels.count, groundTruth: recorder?.stats() ?? null }),
    flushGroundTruth: async () => recorder?.drain(),
    get assets() {
      return requirePlant().assets;
    },
  };
}
