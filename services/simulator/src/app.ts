// Composition root: builds the plant from validated config, starts the OPC UA and HTTP
// adapters, and runs the tick loop that advances plant time and pushes updates. Embeddable:
// the platform's one-process start calls createSimulator(config).start().

import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { OpcuaServerAdapter, OpcuaServerConfig } from './adapters/opcua-server.ts';
import { startOpcuaServer } from './adapters/opcua-server.ts';
import type { HttpAdapter, HttpConfig, HttpResult } from './adapters/http-server.ts';
import { startHttpServer } from './adapters/http-server.ts';
import type { PlantClock } from './domain/clock.ts';
import { createPlantClock } from './domain/clock.ts';
import type { FaultSource } from './domain/faults.ts';
import type { LabelEvent } from './domain/labels.ts';
import type { MillParams, MillProduct } from './domain/mill.ts';
import type { AssetInfo, LayoutOptions, Plant } from './domain/plant.ts';
import { createPlant } from './domain/plant.ts';
import { parseReplayCsv } from './domain/replay.ts';

export interface SimulatorConfig {
  seed: number;
  /** plant seconds per real second, 1..1000 */
  timeAcceleration: number;
  /** update rate of the tags, per real second */
  tickHz: number;
  /** plant time at start (epoch ms); defaults to the wall clock when started */
  plantStartMs?: number;
  layout: LayoutOptions;
  millParams?: MillParams;
  opcua: OpcuaServerConfig;
  /** null: no HTTP endpoint */
  http: HttpConfig | null;
  /** a scenario loaded at start: path to a JSON file … */
  scenarioFile?: string;
  /** … or the parsed JSON itself */
  scenario?: unknown;
  /** play an AI4I-shaped CSV as the tags of one mill */
  replay?: { csvFile: string; asset: string };
}

export interface SimulatorDeps {
  /** monotonic real-time milliseconds; defaults to performance.now */
  monotonicMs?: () => number;
  /** wall clock for the default plant start */
  wallClockMs?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

export type InjectResult = { ok: true; faultId: string; startAt: string } | { ok: false; field: string; error: string };

export type LabelListener = (label: LabelEvent) => void;

export interface Simulator {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** opc.tcp URL, available after start() */
  readonly endpointUrl: string;
  /** base URL of the HTTP endpoint, or null when disabled; available after start() */
  readonly httpUrl: string | null;
  /** subscribes to ground-truth label events; returns an unsubscribe function */
  onLabel(listener: LabelListener): () => void;
  /** injects a fault as the HTTP endpoint would (same validation) */
  injectFault(request: unknown, source?: FaultSource): InjectResult;
  /** loads a scenario (JSON list of timed faults); all-or-nothing */
  loadScenario(scenario: unknown): { ok: true; faultIds: string[] } | { ok: false; field: string; error: string };
  /** current plant time */
  plantTime(): Date;
  /** counters since start: ticks run, tag updates pushed to OPC UA, labels emitted */
  stats(): { ticks: number; updates: number; labels: number };
  readonly assets: readonly AssetInfo[];
}

export class SimulatorNotStartedError extends Error {
  readonly code = 'SIMULATOR_NOT_STARTED';
  constructor() {
    super('simulator not started');
    this.name = 'SimulatorNotStartedError';
  }
}

export function createSimulator(config: SimulatorConfig, deps: SimulatorDeps = {}): Simulator {
  const monotonic = deps.monotonicMs ?? (() => performance.now());
  const wall = deps.wallClockMs ?? (() => Date.now());
  const log = deps.log ?? (() => {});
  const listeners = new Set<LabelListener>();
  let plant: Plant | null = null;
  let clock: PlantClock | null = null;
  let opcua: OpcuaServerAdapter | null = null;
  let http: HttpAdapter | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastTick = 0;
  let stopping: Promise<void> | null = null;
  const counters = { ticks: 0, updates: 0, labels: 0 };

  const emit = (labels: readonly LabelEvent[]) => {
    counters.labels += labels.length;
    for (const l of labels) {
      for (const cb of listeners) {
        try {
          cb(l);
        } catch (err) {
          // a failing consumer must not stop the plant
          log('warn', 'label listener failed', { error: String(err) });
        }
      }
    }
  };

  const requirePlant = (): Plant => {
    if (!plant) throw new SimulatorNotStartedError();
    return plant;
  };

  function injectFault(request: unknown, source: FaultSource = 'api'): InjectResult {
    const r = requirePlant().inject(request, source);
    if (!r.ok) return { ok: false, field: r.error.field, error: r.error.error };
    emit([r.value.label]);
    return { ok: true, faultId: r.value.fault.id, startAt: new Date(r.value.fault.startMs).toISOString() };
  }

  function loadScenario(scenario: unknown): { ok: true; faultIds: string[] } | { ok: false; field: string; error: string } {
    const r = requirePlant().injectScenario(scenario);
    if (!r.ok) return { ok: false, field: r.error.field, error: r.error.error };
    emit(r.value.labels);
    return { ok: true, faultIds: r.value.faults.map((f) => f.id) };
  }

  function tick(): void {
    if (!plant || !clock || !opcua) return;
    try {
      const now = monotonic();
      const plantMs = clock.advance(now - lastTick);
      lastTick = now;
      const step = plant.advance(Math.floor(plantMs));
      opcua.apply(step.updates);
      counters.ticks += 1;
      counters.updates += step.updates.length;
      emit(step.labels);
    } catch (err) {
      log('error', 'tick failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async function start(): Promise<void> {
    if (plant) return;
    let replay: { asset: string; products: MillProduct[] } | undefined;
    if (config.replay) {
      const parsed = parseReplayCsv(await readFile(config.replay.csvFile, 'utf8'));
      if (!parsed.ok) throw new Error(`replay CSV ${config.replay.csvFile}: ${parsed.error.error}`);
      replay = { asset: config.replay.asset, products: parsed.value };
    }
    const startMs = config.plantStartMs ?? wall();
    const p = createPlant({
      seed: config.seed,
      startMs,
      layout: config.layout,
      ...(config.millParams ? { millParams: config.millParams } : {}),
      ...(replay ? { replay } : {}),
    });
    if (replay && !p.asset(replay.asset)) throw new Error(`replay asset "${replay.asset}" is not in the layout`);
    clock = createPlantClock({ startMs, acceleration: config.timeAcceleration });
    plant = p;
    const scenario = config.scenarioFile ? (JSON.parse(await readFile(config.scenarioFile, 'utf8')) as unknown) : config.scenario;
    if (scenario !== undefined) {
      const r = loadScenario(scenario);
      if (!r.ok) throw new Error(`scenario: ${r.field}: ${r.error}`);
    }
    try {
      opcua = await startOpcuaServer(config.opcua, p.assets, p.snapshot(), (input) => {
        const r = injectFault(input, 'opcua-method');
        return r.ok ? { ok: true, faultId: r.faultId } : r;
      });
      if (config.http) {
        const toHttp = (r: { ok: true } | { ok: false; field: string; error: string }, body: unknown): HttpResult =>
          r.ok ? { ok: true, body } : { ok: false, field: r.field, error: r.error };
        http = await startHttpServer(config.http, {
          injectFault: (body) => {
            const r = injectFault(body, 'http');
            return toHttp(r, r.ok ? { faultId: r.faultId, startAt: r.startAt } : null);
          },
          injectScenario: (body) => {
            const r = loadScenario(body);
            return toHttp(r, r.ok ? { faultIds: r.faultIds } : null);
          },
          status: () => ({
            plantTime: new Date(p.nowMs).toISOString(),
            timeAcceleration: config.timeAcceleration,
            assets: p.assets.map((a) => ({ id: a.id, kind: a.kind, path: a.path })),
            faults: p.faults(),
          }),
        });
      }
    } catch (err) {
      await stopAdapters();
      plant = null;
      throw err;
    }
    // Without a configured plant start, plant time equals wall time at the first tick: the time the
    // OPC UA server took to start is caught up by that tick, not left as a permanent lag behind the
    // wall clock (which showed up as ~2.4 s of false latency in consumers comparing timestamps).
    lastTick = config.plantStartMs === undefined ? monotonic() - Math.max(0, wall() - startMs) / config.timeAcceleration : monotonic();
    timer = setInterval(tick, 1000 / config.tickHz);
    log('info', 'simulator started', { endpointUrl: opcua.endpointUrl, httpUrl: http?.url ?? null });
  }

  async function stopAdapters(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = null;
    const h = http;
    const o = opcua;
    http = null;
    opcua = null;
    await Promise.allSettled([h?.stop(), o?.stop()]);
  }

  return {
    start,
    stop() {
      stopping ??= stopAdapters().finally(() => {
        stopping = null;
      });
      return stopping;
    },
    get endpointUrl() {
      return opcua?.endpointUrl ?? '';
    },
    get httpUrl() {
      return http?.url ?? null;
    },
    onLabel(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    injectFault,
    loadScenario,
    plantTime: () => new Date(requirePlant().nowMs),
    stats: () => ({ ...counters }),
    get assets() {
      return requirePlant().assets;
    },
  };
}
