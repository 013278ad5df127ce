// Running the plant: builds the seeded plant (optionally replaying an AI4I-shaped CSV on one mill),
// loads the start-up scenario, starts the tag server (OPC UA) and the control endpoint (HTTP), and
// ticks: each tick advances plant time by the real time elapsed × acceleration, pushes the changed
// tag values and emits the ground-truth labels the step produced.
import type { PlantClock } from '../domain/clock.ts';
import { createPlantClock } from '../domain/clock.ts';
import type { MillParams, MillProduct } from '../domain/mill.ts';
import type { LayoutOptions, Plant } from '../domain/plant.ts';
import { createPlant } from '../domain/plant.ts';
import { parseReplayCsv } from '../domain/replay.ts';
import { createFaultInjection, type FaultInjection } from './fault-injection.ts';
import { assetPathOf } from './ground-truth-labels.ts';
import type { LabelFeed } from './label-feed.ts';
import type { ControlApi, ControlResult, PlantRunPorts, TagServer } from './ports.ts';

/** What a plant run is told (the simulator's config, less its adapters' settings). */
export interface PlantRunSettings {
  seed: number;
  /** plant seconds per real second, 1..1000 */
  timeAcceleration: number;
  /** update rate of the tags, per real second */
  tickHz: number;
  /** plant time at start (epoch ms); defaults to the wall clock when started */
  plantStartMs?: number;
  layout: LayoutOptions;
  millParams?: MillParams;
  /** a scenario loaded at start: path to a JSON file … */
  scenarioFile?: string;
  /** … or the parsed JSON itself */
  scenario?: unknown;
  /** play an AI4I-shaped CSV as the tags of one mill */
  replay?: { csvFile: string; asset: string };
}

export interface PlantRunCounters {
  ticks: number;
  updates: number;
}

export interface PlantRun extends FaultInjection {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The plant, once started. */
  plant(): Plant | null;
  readonly endpointUrl: string;
  readonly httpUrl: string | null;
  readonly counters: Readonly<PlantRunCounters>;
}

export function createPlantRun(settings: PlantRunSettings, ports: PlantRunPorts, labels: LabelFeed): PlantRun {
  const { log } = ports;
  let plant: Plant | null = null;
  let clock: PlantClock | null = null;
  let tags: TagServer | null = null;
  let control: ControlApi | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastTick = 0;
  let stopping: Promise<void> | null = null;
  const counters: PlantRunCounters = { ticks: 0, updates: 0 };
  const injection = createFaultInjection(() => plant, labels);

  function tick(): void {
    if (!plant || !clock || !tags) return;
    try {
      const now = ports.monotonicMs();
      const plantMs = clock.advance(now - lastTick);
      lastTick = now;
      const step = plant.advance(Math.floor(plantMs));
      tags.apply(step.updates);
      counters.ticks += 1;
      counters.updates += step.updates.length;
      labels.emit(step.labels);
    } catch (err) {
      log('error', 'tick failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  async function loadReplay(): Promise<{ asset: string; products: MillProduct[] } | undefined> {
    if (!settings.replay) return undefined;
    const parsed = parseReplayCsv(await ports.readText(settings.replay.csvFile));
    if (!parsed.ok) throw new Error(`replay CSV ${settings.replay.csvFile}: ${parsed.error.error}`);
    return { asset: settings.replay.asset, products: parsed.value };
  }

  async function startAdapters(p: Plant): Promise<void> {
    tags = await ports.startTagServer(p.assets, p.snapshot(), (input, actor) => {
      const r = injection.injectFault(input, 'opcua-method', actor);
      return r.ok ? { ok: true, faultId: r.faultId } : r;
    });
    if (!ports.startControlApi) return;
    const toResult = (r: { ok: true } | { ok: false; field: string; error: string }, body: unknown): ControlResult =>
      r.ok ? { ok: true, body } : { ok: false, field: r.field, error: r.error };
    const plantPath = assetPathOf(`${settings.layout.enterprise}/${settings.layout.site}`);
    control = await ports.startControlApi({
      locate: (body) => {
        const asset = typeof body === 'object' && body !== null && 'asset' in body ? (body as { asset: unknown }).asset : undefined;
        const found = typeof asset === 'string' ? p.asset(asset) : undefined;
        return found ? assetPathOf(found.path) : plantPath;
      },
      injectFault: (body, actor) => {
        const r = injection.injectFault(body, 'http', actor);
        return toResult(r, r.ok ? { faultId: r.faultId, startAt: r.startAt } : null);
      },
      injectScenario: (body, actor) => {
        const r = injection.loadScenario(body, actor);
        return toResult(r, r.ok ? { faultIds: r.faultIds } : null);
      },
      status: () => ({
        plantTime: new Date(p.nowMs).toISOString(),
        timeAcceleration: settings.timeAcceleration,
        assets: p.assets.map((a) => ({ id: a.id, kind: a.kind, path: a.path })),
        faults: p.faults(),
      }),
    });
  }

  async function start(): Promise<void> {
    if (plant) return;
    const replay = await loadReplay();
    const startMs = settings.plantStartMs ?? ports.wallClockMs();
    const p = createPlant({
      seed: settings.seed,
      startMs,
      layout: settings.layout,
      ...(settings.millParams ? { millParams: settings.millParams } : {}),
      ...(replay ? { replay } : {}),
    });
    if (replay && !p.asset(replay.asset)) throw new Error(`replay asset "${replay.asset}" is not in the layout`);
    clock = createPlantClock({ startMs, acceleration: settings.timeAcceleration });
    plant = p;
    const scenario = settings.scenarioFile ? (JSON.parse(await ports.readText(settings.scenarioFile)) as unknown) : settings.scenario;
    if (scenario !== undefined) {
      const r = injection.loadScenario(scenario);
      if (!r.ok) throw new Error(`scenario: ${r.field}: ${r.error}`);
    }
    try {
      await startAdapters(p);
    } catch (err) {
      await stopAdapters();
      plant = null;
      throw err;
    }
    // Without a configured plant start, plant time equals wall time at the first tick: the time the
    // OPC UA server took to start is caught up by that tick, not left as a permanent lag behind the
    // wall clock (which showed up as ~2.4 s of false latency in consumers comparing timestamps).
    const now = ports.monotonicMs();
    lastTick = settings.plantStartMs === undefined ? now - Math.max(0, ports.wallClockMs() - startMs) / settings.timeAcceleration : now;
    timer = setInterval(tick, 1000 / settings.tickHz);
    log('info', 'simulator started', { endpointUrl: tags?.endpointUrl ?? null, httpUrl: control?.url ?? null });
  }

  async function stopAdapters(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = null;
    const c = control;
    const t = tags;
    control = null;
    tags = null;
    await Promise.allSettled([c?.stop(), t?.stop()]);
  }

  return {
    ...injection,
    start,
    stop() {
      stopping ??= stopAdapters().finally(() => {
        stopping = null;
      });
      return stopping;
    },
    plant: () => plant,
    get endpointUrl() {
      return tags?.endpointUrl ?? '';
    },
    get httpUrl() {
      return control?.url ?? null;
    },
    counters,
  };
}
