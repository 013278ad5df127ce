// Plant data for the demo use cases' recipes: the simulator's own plant model (@industrial/simulator
// createPlant, the physics the live simulator ticks) advanced minute by minute for one asset kind,
// with a random campaign of that kind's maintenance faults (realistic development times, random
// intensities, as the prompt bench draws them) and the plant's emergent failures (AI4I mills,
// random jams). Failed assets are repaired an hour later, as maintenance would. Out: each asset's
// tag series (numbers; flags and states as numbers) and the ground truth — every failure label
// with its mode, onset and time, and every fault's span. Seeded: the same options give the same
// data. Pure (no I/O, no clock).
import { createRng, tagSeries, type TagSeries } from '@industrial/ml';
import { createPlant, failureModeOf, randomCampaign, type FaultLabelled } from '@industrial/simulator';

export type PlantKind = 'pump' | 'mill' | 'packaging';

export interface RecordingOptions {
  readonly kind: PlantKind;
  /** Independent plants (seed + i); units are `<plant>/<asset>`. */
  readonly plants: number;
  readonly assetsPerPlant: number;
  readonly hours: number;
  readonly seed: number;
  readonly startMs: number;
  /** Injected maintenance faults per asset-day (the kind's modes drawn evenly). */
  readonly faultsPerAssetDay: number;
}

export interface RecordedUnit {
  readonly unit: string;
  readonly assetPath: string;
  /** The asset's tag series on the 1-minute plant clock (Bad samples kept, flagged). */
  readonly series: Readonly<Record<string, TagSeries>>;
}

export interface RecordedFailure {
  readonly unit: string;
  /** FaultLabelled.fault: bearing_failure, cavitation, TWF, HDF, PWF, OSF, RNF, jam, quality_drift */
  readonly mode: string;
  readonly onsetMs: number;
  readonly failureMs: number;
}

export interface RecordedFault {
  readonly unit: string;
  readonly fault: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface PlantRecording {
  readonly units: readonly RecordedUnit[];
  readonly failures: readonly RecordedFailure[];
  readonly faults: readonly RecordedFault[];
  readonly fromMs: number;
  readonly toMs: number;
}

const MIN = 60_000;
const layoutOf = (kind: PlantKind, n: number) => ({
  pumps: kind === 'pump' ? n : 0,
  mills: kind === 'mill' ? n : 0,
  packagers: kind === 'packaging' ? n : 0,
});

/** Records `hours` of plant time of each plant, minute by minute. `onMinute(done, total)` reports progress. */
export function recordPlant(o: RecordingOptions, onMinute?: (done: number, total: number) => void): PlantRecording {
  const units: RecordedUnit[] = [];
  const failures: RecordedFailure[] = [];
  const faults: RecordedFault[] = [];
  const minutes = Math.round(o.hours * 60);
  const end = o.startMs + minutes * MIN;
  const total = minutes * o.plants;
  for (let p = 0; p < o.plants; p++) {
    const plantName = `plant-${p + 1}`;
    const plant = createPlant({ seed: o.seed + p, startMs: o.startMs, layout: { enterprise: 'acme', site: plantName, ...layoutOf(o.kind, o.assetsPerPlant) } });
    const campaign = randomCampaign(createRng(o.seed + 1000 + p), plant.assets, {
      days: o.hours / 24,
      faultsPerAssetDay: o.faultsPerAssetDay,
      sensorFaultsPerAssetDay: 0,
      quietStartMinutes: 90,
    });
    const injected = plant.injectScenario(campaign.map(({ mode: _m, endsInMinutes: _e, ...req }) => req));
    if (!injected.ok) throw new Error(`campaign refused: ${injected.error.field}: ${injected.error.error}`);
    const samples = new Map<string, Map<string, { timestampMs: number; value: number; quality: 'good' | 'bad' }[]>>();
    const record = (asset: string, tag: string, timestampMs: number, value: unknown, quality: 'good' | 'bad') => {
      const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
      if (typeof v !== 'number') return;
      let byTag = samples.get(asset);
      if (byTag === undefined) samples.set(asset, (byTag = new Map()));
      let list = byTag.get(tag);
      if (list === undefined) byTag.set(tag, (list = []));
      list.push({ timestampMs, value: v, quality });
    };
    for (const u of plant.snapshot()) record(u.asset, u.tag, u.timestampMs, u.value, u.quality);
    const repairs = new Map<number, string[]>();
    for (let m = 1; m <= minutes; m++) {
      for (const id of repairs.get(m) ?? []) plant.repair(id);
      const step = plant.advance(o.startMs + m * MIN);
      for (const u of step.updates) record(u.asset, u.tag, u.timestampMs, u.value, u.quality);
      for (const l of step.labels) {
        if (l.type !== 'FaultLabelled') continue;
        const f = l as FaultLabelled;
        const spec = failureModeOf(f.fault);
        if (spec === undefined || spec.class !== 'maintenance') continue;
        const failureMs = Date.parse(f.failureAt);
        failures.push({ unit: `${plantName}/${f.asset}`, mode: f.fault, onsetMs: Math.min(Date.parse(f.startedAt), failureMs), failureMs });
        // maintenance repairs what failed an hour later (the bearing changed, the suction cleared)
        if (f.faultId !== null) repairs.set(m + 60, [...(repairs.get(m + 60) ?? []), f.faultId]);
      }
      if (onMinute !== undefined && m % 240 === 0) onMinute(p * minutes + m, total);
    }
    for (const a of plant.assets) {
      const byTag = samples.get(a.id) ?? new Map();
      const series: Record<string, TagSeries> = {};
      for (const [tag, list] of byTag) series[tag] = tagSeries(list);
      units.push({ unit: `${plantName}/${a.id}`, assetPath: a.path.replaceAll('/', '.'), series });
    }
    for (const f of plant.faults()) {
      if (f.fault.startsWith('sensor_')) continue;
      faults.push({ unit: `${plantName}/${f.asset}`, fault: f.fault, fromMs: f.startMs, toMs: Math.min(f.endedAtMs ?? end, f.failedAtMs ?? end) });
    }
  }
  onMinute?.(total, total);
  return { units, failures, faults, fromMs: o.startMs, toMs: end };
}
