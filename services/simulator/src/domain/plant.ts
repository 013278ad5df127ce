// The plant: ISA-95 layout, one model per asset, faults and labels. Advancing it to a plant
// time yields tag updates (timestamped in plant time) and label events. Deterministic for a
// given seed and the same sequence of advance/inject calls; each asset has its own Rng.

import type { Fault, FaultRequest, FaultSource, Validated } from './faults.ts';
import { faultLevel, isSensorFault, validateFaultRequest } from './faults.ts';
import type { FaultLabelled, LabelEvent } from './labels.ts';
import { iso } from './labels.ts';
import type { MillParams, MillProduct, MillState } from './mill.ts';
import { AI4I_RULES, initialMillState, machineProduct } from './mill.ts';
import type { PackagingStateData } from './packaging.ts';
import { initialPackagingState, PACKAGING_DEFAULTS, stepPackaging } from './packaging.ts';
import type { PumpState } from './pump.ts';
import { bearingWear, initialPumpState, PUMP_DEFAULTS, stepPump } from './pump.ts';
import type { Rng } from './rng.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { Reading, SensorFaultMemory } from './sensor-faults.ts';
import { applySensorFault } from './sensor-faults.ts';
import type { AssetKind, MillFailureMode, TagSpec, TagValue } from './tags.ts';
import { MILL_FAILURE_FLAGS, PACKAGING_STATES, tagsOf } from './tags.ts';
import { validateScenario } from './scenario.ts';
import { MINUTE_MS } from './clock.ts';
import { QUALITY_DRIFT_FAILURE_LEVEL } from './failure-modes.ts';

export interface LayoutOptions {
  enterprise: string;
  site: string;
  pumps: number;
  mills: number;
  packagers: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { enterprise: 'acme', site: 'plant-1', pumps: 4, mills: 3, packagers: 2 };

export interface AssetInfo {
  id: string;
  kind: AssetKind;
  enterprise: string;
  site: string;
  area: string;
  line: string;
  /** UNS-style path enterprise/site/area/line/asset */
  path: string;
  tags: readonly TagSpec[];
}

const AREAS: Record<AssetKind, { area: string; line: string; prefix: string }> = {
  pump: { area: 'utilities', line: 'cooling-water', prefix: 'pump' },
  mill: { area: 'machining', line: 'milling-line-1', prefix: 'mill' },
  packaging: { area: 'packaging', line: 'packing-line-1', prefix: 'packer' },
};

export function buildLayout(o: LayoutOptions): AssetInfo[] {
  const out: AssetInfo[] = [];
  const add = (kind: AssetKind, n: number) => {
    const { area, line, prefix } = AREAS[kind];
    for (let i = 1; i <= n; i++) {
      const id = `${prefix}-${i}`;
      out.push({ id, kind, enterprise: o.enterprise, site: o.site, area, line, path: `${o.enterprise}/${o.site}/${area}/${line}/${id}`, tags: tagsOf(kind) });
    }
  };
  add('pump', o.pumps);
  add('mill', o.mills);
  add('packaging', o.packagers);
  return out;
}

export interface TagUpdate {
  asset: string;
  tag: string;
  value: TagValue;
  quality: 'good' | 'bad';
  /** plant time, epoch ms */
  timestampMs: number;
}

export interface PlantStep {
  updates: TagUpdate[];
  labels: LabelEvent[];
}

export interface PlantOptions {
  seed: number;
  startMs: number;
  layout?: LayoutOptions;
  millParams?: MillParams;
  /** products to replay on one mill instead of simulating it */
  replay?: { asset: string; products: MillProduct[] };
}

interface Base {
  info: AssetInfo;
  rng: Rng;
  faults: Fault[];
  sensorMemory: Map<string, SensorFaultMemory>;
  /** true values as last computed */
  truth: Map<string, TagValue>;
  /** what was last published */
  published: Map<string, Reading>;
  ranges: Map<string, { low: number; high: number }>;
}
interface PumpRuntime extends Base {
  kind: 'pump';
  state: PumpState;
  emergentFailed: boolean;
}
interface MillRuntime extends Base {
  kind: 'mill';
  state: MillState;
  current: MillProduct | null;
  cycleEndMs: number;
  completed: number;
  replay: { products: MillProduct[]; index: number } | null;
}
interface PackagingRuntime extends Base {
  kind: 'packaging';
  state: PackagingStateData;
}
type Runtime = PumpRuntime | MillRuntime | PackagingRuntime;

const MODE_OF_FAULT: Partial<Record<MillFailureMode, string[]>> = {
  TWF: ['tool_wear_failure'],
  HDF: ['heat_dissipation'],
  PWF: ['power_failure'],
  OSF: ['power_failure'],
};

export interface Plant {
  readonly assets: readonly AssetInfo[];
  readonly nowMs: number;
  asset(id: string): AssetInfo | undefined;
  /** advance to plant time `toMs` (no-op if not later than now) */
  advance(toMs: number): PlantStep;
  /** the current published value of every tag (for initial values / reads) */
  snapshot(): TagUpdate[];
  inject(input: unknown, source: FaultSource): Validated<{ fault: Fault; label: LabelEvent }>;
  injectScenario(input: unknown): Validated<{ faults: Fault[]; labels: LabelEvent[] }>;
  faults(assetId?: string): readonly Fault[];
  /** Ends a fault now (a repaired sensor, a replaced bearing); false if unknown or already ended. */
  repair(faultId: string): boolean;
}

export function createPlant(options: PlantOptions): Plant {
  const millParams = options.millParams ?? AI4I_RULES;
  const infos = buildLayout(options.layout ?? DEFAULT_LAYOUT);
  const byId = new Map<string, Runtime>();
  let nowMs = options.startMs;
  let faultSeq = 0;
  let pendingLabels: LabelEvent[] = [];
  let pendingUpdates: TagUpdate[] = [];

  for (const info of infos) {
    const rng = createRng(deriveSeed(options.seed, info.id));
    const ranges = new Map<string, { low: number; high: number }>();
    for (const t of info.tags) if (t.kind === 'analog') ranges.set(t.name, t.range);
    const base: Base = { info, rng, faults: [], sensorMemory: new Map(), truth: new Map(), published: new Map(), ranges };
    let rt: Runtime;
    if (info.kind === 'pump') {
      rt = { ...base, kind: 'pump', state: initialPumpState(rng), emergentFailed: false };
      setTruthFromPump(rt, stepPump(rt.state, 0, rng, { bearingWear: 0, cavitation: 0 }));
    } else if (info.kind === 'mill') {
      const replay = options.replay?.asset === info.id ? { products: options.replay.products, index: 0 } : null;
      const state = initialMillState(rng, millParams);
      const rtm: MillRuntime = { ...base, kind: 'mill', state, current: null, cycleEndMs: nowMs, completed: 0, replay };
      startProduct(rtm, nowMs);
      rt = rtm;
    } else {
      rt = { ...base, kind: 'packaging', state: initialPackagingState(rng) };
      setTruthFromPackaging(rt);
    }
    byId.set(info.id, rt);
  }
  for (const rt of byId.values()) publish(rt, nowMs, 0);
  pendingUpdates = [];
  pendingLabels = [];

  function label(rt: Runtime, l: Omit<FaultLabelled, 'type' | 'asset' | 'path' | 'plantTime'>, atMs: number): void {
    pendingLabels.push({ type: 'FaultLabelled', asset: rt.info.id, path: rt.info.path, plantTime: iso(atMs), ...l });
  }

  function setTruthFromPump(rt: PumpRuntime, r: ReturnType<typeof stepPump>): void {
    for (const [k, v] of Object.entries(r)) rt.truth.set(k, v);
  }

  function setTruthFromPackaging(rt: PackagingRuntime): void {
    const s = rt.state;
    rt.truth.set('good_count', s.good);
    rt.truth.set('bad_count', s.bad);
    rt.truth.set('machine_state', PACKAGING_STATES[s.state]);
    rt.truth.set('machine_state_text', s.state);
    rt.truth.set('ideal_cycle_time', PACKAGING_DEFAULTS.idealCycleTimeS);
    rt.truth.set('run_time', Math.floor(s.runTimeS));
    rt.truth.set('planned_production_time', Math.floor(s.plannedTimeS));
  }

  function activeFaults(rt: Runtime, type: string, atMs: number): Fault[] {
    return rt.faults.filter((f) => f.fault === type && faultLevel(f, atMs) > 0);
  }
  function levelOf(rt: Runtime, type: string, atMs: number): number {
    return Math.min(
      1,
      activeFaults(rt, type, atMs).reduce((a, f) => a + faultLevel(f, atMs), 0),
    );
  }

  function startProduct(rt: MillRuntime, atMs: number): void {
    let product: MillProduct;
    if (rt.replay) {
      const rows = rt.replay.products;
      product = rows[rt.replay.index % rows.length]!;
      rt.replay.index += 1;
    } else {
      const toolLevel = levelOf(rt, 'tool_wear_failure', atMs);
      product = machineProduct(rt.state, rt.rng, millParams, {
        wearRateFactor: 1 + 4 * toolLevel,
        forceToolFailure: toolLevel > 0,
        tempDiffShiftK: -3 * levelOf(rt, 'heat_dissipation', atMs),
        torqueShiftNm: 35 * levelOf(rt, 'power_failure', atMs),
      });
    }
    rt.current = product;
    rt.cycleEndMs = atMs + product.cycleMinutes * MINUTE_MS;
    const t = rt.truth;
    t.set('air_temperature', product.airTemperatureK);
    t.set('process_temperature', product.processTemperatureK);
    t.set('rotational_speed', product.rotationalSpeedRpm);
    t.set('torque', product.torqueNm);
    t.set('tool_wear', product.toolWearMin);
    t.set('power', product.powerW);
    t.set('product_type', product.type);
    t.set('product_id', product.productId);
    t.set('parts_produced', rt.completed);
    t.set('machine_failure', product.machineFailure);
    for (const m of MILL_FAILURE_FLAGS) t.set(m.toLowerCase(), product.failures[m]);

    for (const mode of MILL_FAILURE_FLAGS) {
      if (!product.failures[mode]) continue;
      if (rt.replay) {
        label(rt, { faultId: null, fault: mode, cause: 'replay', startedAt: iso(atMs), failureAt: iso(atMs) }, atMs);
        continue;
      }
      const candidates = (MODE_OF_FAULT[mode] ?? []).flatMap((type) => activeFaults(rt, type, atMs));
      const cause = candidates[0];
      if (cause) {
        if (cause.failedAtMs === null) cause.failedAtMs = atMs;
        label(rt, { faultId: cause.id, fault: mode, cause: 'injected', startedAt: iso(cause.startMs), failureAt: iso(atMs) }, atMs);
      } else {
        label(rt, { faultId: null, fault: mode, cause: 'emergent', startedAt: iso(atMs), failureAt: iso(atMs) }, atMs);
      }
    }
    // a failed or replaced tool takes the tool-wear fault with it
    if (product.toolChanged) {
      for (const f of activeFaults(rt, 'tool_wear_failure', atMs)) f.endedAtMs = atMs + 1;
    }
  }

  function stepAsset(rt: Runtime, fromMs: number, toMs: number): void {
    const dtMin = (toMs - fromMs) / MINUTE_MS;
    if (rt.kind === 'pump') {
      const fx = { bearingWear: levelOf(rt, 'bearing_wear', toMs), cavitation: levelOf(rt, 'cavitation', toMs) };
      setTruthFromPump(rt, stepPump(rt.state, dtMin, rt.rng, fx));
      const wear = bearingWear(rt.state, fx);
      if (wear >= PUMP_DEFAULTS.bearingFailureWear) {
        const injected = activeFaults(rt, 'bearing_wear', toMs).filter((f) => f.failedAtMs === null);
        for (const f of injected) {
          f.failedAtMs = toMs;
          label(rt, { faultId: f.id, fault: 'bearing_failure', cause: 'injected', startedAt: iso(f.startMs), failureAt: iso(toMs) }, toMs);
        }
        if (rt.state.naturalWear >= PUMP_DEFAULTS.bearingFailureWear && !rt.emergentFailed) {
          rt.emergentFailed = true;
          label(rt, { faultId: null, fault: 'bearing_failure', cause: 'emergent', startedAt: iso(toMs), failureAt: iso(toMs) }, toMs);
        }
      }
      if (fx.cavitation >= PUMP_DEFAULTS.cavitationFailureLevel) {
        for (const f of activeFaults(rt, 'cavitation', toMs).filter((x) => x.failedAtMs === null)) {
          f.failedAtMs = toMs;
          label(rt, { faultId: f.id, fault: 'cavitation', cause: 'injected', startedAt: iso(f.startMs), failureAt: iso(toMs) }, toMs);
        }
      }
    } else if (rt.kind === 'mill') {
      while (rt.cycleEndMs <= toMs) {
        const at = rt.cycleEndMs;
        rt.completed += 1;
        startProduct(rt, at);
        publish(rt, at, 0);
      }
    } else {
      let jamMinutes = 0;
      for (const f of activeFaults(rt, 'jam', toMs)) {
        if (f.failedAtMs !== null) continue;
        f.failedAtMs = toMs;
        f.endedAtMs = toMs + 1;
        jamMinutes = Math.max(jamMinutes, 5 + 55 * f.severity);
        label(rt, { faultId: f.id, fault: 'jam', cause: 'injected', startedAt: iso(f.startMs), failureAt: iso(toMs) }, toMs);
      }
      const drift = levelOf(rt, 'quality_drift', toMs);
      const { faultStarted } = stepPackaging(rt.state, dtMin, rt.rng, { jamMinutes, extraBadRate: 0.2 * drift });
      if (drift >= QUALITY_DRIFT_FAILURE_LEVEL) {
        // the defect rate passed what the line tolerates: the quality failure of each drift behind it
        for (const f of activeFaults(rt, 'quality_drift', toMs).filter((x) => x.failedAtMs === null)) {
          f.failedAtMs = toMs;
          label(rt, { faultId: f.id, fault: 'quality_drift', cause: 'injected', startedAt: iso(f.startMs), failureAt: iso(toMs) }, toMs);
        }
      }
      if (faultStarted && jamMinutes === 0) {
        label(rt, { faultId: null, fault: 'jam', cause: 'emergent', startedAt: iso(toMs), failureAt: iso(toMs) }, toMs);
      }
      setTruthFromPackaging(rt);
    }
    // sensor-fault labels: when a sensor fault becomes fully active
    for (const f of rt.faults) {
      if (!isSensorFault(f.fault) || f.failedAtMs !== null || f.endedAtMs !== null) continue;
      const developed = f.developMs <= 0 ? toMs >= f.startMs : toMs >= f.startMs + f.developMs;
      if (developed) {
        f.failedAtMs = Math.max(f.startMs + Math.max(f.developMs, 0), fromMs);
        const l: Omit<FaultLabelled, 'type' | 'asset' | 'path' | 'plantTime'> = {
          faultId: f.id,
          fault: f.fault,
          cause: 'injected',
          startedAt: iso(f.startMs),
          failureAt: iso(f.failedAtMs),
        };
        if (f.tag !== undefined) l.tag = f.tag;
        label(rt, l, toMs);
      }
    }
    publish(rt, toMs, dtMin);
  }

  /** emits every tag whose published reading changes (sensor faults applied) */
  function publish(rt: Runtime, atMs: number, dtMin: number): void {
    const sensorFaults = rt.faults.filter((f) => isSensorFault(f.fault) && f.endedAtMs === null);
    for (const [tag, value] of rt.truth) {
      let reading: Reading = { value, quality: 'good' };
      for (const f of sensorFaults) {
        if (f.tag !== tag) continue;
        let mem = rt.sensorMemory.get(f.id);
        if (!mem) rt.sensorMemory.set(f.id, (mem = {}));
        reading = applySensorFault(f, mem, reading, rt.ranges.get(tag), atMs, dtMin, rt.rng);
      }
      const prev = rt.published.get(tag);
      if (prev && prev.value === reading.value && prev.quality === reading.quality) continue;
      rt.published.set(tag, reading);
      pendingUpdates.push({ asset: rt.info.id, tag, value: reading.value, quality: reading.quality, timestampMs: atMs });
    }
  }

  const assetKindOf = (id: string): AssetKind | undefined => byId.get(id)?.info.kind;

  function register(req: FaultRequest, source: FaultSource): { fault: Fault; label: LabelEvent } {
    const rt = byId.get(req.asset)!;
    faultSeq += 1;
    const fault: Fault = {
      ...req,
      id: `${req.asset}#${faultSeq}`,
      source,
      startMs: nowMs + req.startInMinutes * MINUTE_MS,
      developMs: req.developMinutes * MINUTE_MS,
      failedAtMs: null,
      endedAtMs: null,
    };
    rt.faults.push(fault);
    const label: LabelEvent = {
      type: 'FaultInjected',
      faultId: fault.id,
      fault: fault.fault,
      asset: rt.info.id,
      path: rt.info.path,
      severity: fault.severity,
      developMinutes: fault.developMinutes,
      startAt: iso(fault.startMs),
      plantTime: iso(nowMs),
      source,
    };
    if (fault.tag !== undefined) label.tag = fault.tag;
    return { fault, label };
  }

  return {
    assets: infos,
    get nowMs() {
      return nowMs;
    },
    asset: (id) => byId.get(id)?.info,
    advance(toMs: number): PlantStep {
      if (toMs > nowMs) {
        for (const rt of byId.values()) stepAsset(rt, nowMs, toMs);
        nowMs = toMs;
      }
      const step = { updates: pendingUpdates, labels: pendingLabels };
      pendingUpdates = [];
      pendingLabels = [];
      return step;
    },
    snapshot(): TagUpdate[] {
      const out: TagUpdate[] = [];
      for (const rt of byId.values()) {
        for (const [tag, r] of rt.published) out.push({ asset: rt.info.id, tag, value: r.value, quality: r.quality, timestampMs: nowMs });
      }
      return out;
    },
    inject(input, source) {
      const v = validateFaultRequest(input, assetKindOf);
      if (!v.ok) return v;
      return { ok: true, value: register(v.value, source) };
    },
    injectScenario(input) {
      const v = validateScenario(input, assetKindOf);
      if (!v.ok) return v;
      const done = v.value.map((r) => register(r, 'scenario'));
      return { ok: true, value: { faults: done.map((d) => d.fault), labels: done.map((d) => d.label) } };
    },
    repair(faultId) {
      const f = [...byId.values()].flatMap((r) => r.faults).find((x) => x.id === faultId);
      if (f === undefined || (f.endedAtMs !== null && f.endedAtMs <= nowMs)) return false;
      f.endedAtMs = nowMs;
      if (isSensorFault(f.fault)) byId.get(f.asset)?.sensorMemory.delete(f.id);
      return true;
    },
    faults: (assetId) => (assetId ? (byId.get(assetId)?.faults ?? []) : [...byId.values()].flatMap((r) => r.faults)),
  };
}
