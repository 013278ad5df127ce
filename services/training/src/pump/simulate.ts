// Plant data for the pump models, the documented shortcut (b) of issue 8 item 5: the simulator's
// own plant model (@industrial/simulator createPlant — the physics createSimulator ticks and
// publishes over OPC UA) is advanced in plant time and its tag stream (TagUpdate: asset, tag,
// value, quality, plant timestamp) is written straight into a historian-shaped table, with its
// FaultLabelled ground truth. Why not connectivity → NATS → dataops: that path runs in wall-clock
// time (≤ ×1000), needs NATS and an OPC UA session, and is not reproducible sample-for-sample;
// this one is seeded, takes well under a second per simulated pump-day and gives byte-identical
// models. The historian rows have the same shape (asset path, tag, time, value, quality).
import { createPlant, type FaultLabelled, type TagUpdate } from '@industrial/simulator';

export interface HistorianRow {
  /** ISA-95 asset path enterprise.site.area.line.asset (dots, as in the UNS). */
  readonly assetPath: string;
  readonly tag: string;
  readonly timestampMs: number;
  readonly value: number;
  readonly quality: 'good' | 'bad';
}

export interface PumpFault {
  /** e.g. `pump-2`. */
  readonly asset: string;
  readonly startInMinutes: number;
  readonly developMinutes: number;
  readonly severity?: number;
}

export interface FleetRun {
  /** One simulated plant (its own seed); units are `<plant>/<asset>`. */
  readonly plant: string;
  readonly seed: number;
  readonly pumps: number;
  readonly faults: readonly PumpFault[];
}

export interface SimulatedFleet {
  readonly rows: HistorianRow[];
  readonly failures: { readonly unit: string; readonly assetPath: string; readonly failureAtMs: number; readonly startedAtMs: number }[];
  readonly units: { readonly unit: string; readonly assetPath: string }[];
}

export const PUMP_TAGS = ['bearing_temperature', 'vibration_rms', 'motor_current', 'flow', 'discharge_pressure', 'speed'] as const;

/**
 * Advances each plant minute by minute for `hours` of plant time from `startMs`. Pumps stop being
 * recorded at their bearing failure when `stopAtFailure` (run-to-failure trajectories).
 */
export function simulateFleet(
  runs: readonly FleetRun[],
  options: { hours: number; startMs: number; stepMinutes?: number; stopAtFailure?: boolean },
): SimulatedFleet {
  const rows: HistorianRow[] = [];
  const failures: SimulatedFleet['failures'][number][] = [];
  const units: SimulatedFleet['units'][number][] = [];
  const step = (options.stepMinutes ?? 1) * 60_000;
  for (const run of runs) {
    const plant = createPlant({
      seed: run.seed,
      startMs: options.startMs,
      layout: { enterprise: 'acme', site: run.plant, pumps: run.pumps, mills: 0, packagers: 0 },
    });
    const pathOf = new Map(plant.assets.map((a) => [a.id, a.path.replaceAll('/', '.')]));
    for (const a of plant.assets) units.push({ unit: `${run.plant}/${a.id}`, assetPath: pathOf.get(a.id)! });
    for (const f of run.faults) {
      const r = plant.inject(
        { asset: f.asset, fault: 'bearing_wear', startInMinutes: f.startInMinutes, developMinutes: f.developMinutes, severity: f.severity ?? 1 },
        'scenario',
      );
      if (!r.ok) throw new Error(`cannot inject ${JSON.stringify(f)}: ${r.error.field} ${r.error.error}`);
    }
    const failed = new Set<string>();
    const record = (u: TagUpdate) => {
      if (failed.has(u.asset) && options.stopAtFailure) return;
      if (typeof u.value !== 'number' || !(PUMP_TAGS as readonly string[]).includes(u.tag)) return;
      rows.push({ assetPath: pathOf.get(u.asset)!, tag: u.tag, timestampMs: u.timestampMs, value: u.value, quality: u.quality });
    };
    for (const u of plant.snapshot()) record(u);
    const end = options.startMs + options.hours * 3_600_000;
    for (let t = options.startMs + step; t <= end; t += step) {
      const s = plant.advance(t);
      for (const u of s.updates) record(u);
      for (const l of s.labels) {
        if (l.type !== 'FaultLabelled' || l.fault !== 'bearing_failure') continue;
        const fl = l as FaultLabelled;
        if (failed.has(fl.asset)) continue;
        failed.add(fl.asset);
        failures.push({
          unit: `${run.plant}/${fl.asset}`,
          assetPath: pathOf.get(fl.asset)!,
          failureAtMs: Date.parse(fl.failureAt),
          startedAtMs: Date.parse(fl.startedAt),
        });
      }
    }
  }
  return { rows, failures, units };
}
