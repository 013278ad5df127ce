// Support of test/mlops-loop.e2e.spec.ts: the simulator's pump fleet (services/simulator createPlant)
// as the MLOps loop test drives it, minute by minute of plant time. Bearing failures the simulator
// labels reach dataops as maintenance labels, and the bearing is replaced 30 min later; `history`
// writes 14 days of the model's two tags to the historian, with wear accelerated in the last week.
import { randomUUID } from 'node:crypto';
import type { UnsSampleBatch } from '@industrial/contracts';
import type { charterV1 } from '@industrial/grpc';
import type { DataopsApp } from '@industrial/dataops';
import { serviceCause } from '@industrial/kernel';
import { createPlant, type LabelEvent } from '@industrial/simulator';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

export type LoopPlant = ReturnType<typeof createLoopPlant>;

/** The charter's cost model of the loop (the savings gate and the report value outcomes with it). */
export const COST_MODEL: charterV1.CostModel = {
  currency: 'EUR',
  falseAlarmCost: 150,
  missedEventCost: 25_000,
  interventionCost: 150,
  downtimeCostPerHour: 2000,
  downtimeHoursPerFailure: 4,
  investment: 60_000,
  runningCostPerYear: 5000,
  assumptions: 'usecases/pump-bearing.json figures; 4 h to change a bearing.',
};

export function createLoopPlant(o: { pumps: number; startMs: number; useCaseId: string; dataops: () => DataopsApp }) {
  const plant = createPlant({ seed: 21, startMs: o.startMs, layout: { enterprise: 'acme', site: 'plant-1', pumps: o.pumps, mills: 0, packagers: 0 } });
  const pathOf = (asset: string) => plant.asset(asset)!.path.split('/').join('.');
  const pumpIds = plant.assets.filter((a) => a.kind === 'pump').map((a) => a.id);
  /** Bearing failures the simulator labelled. */
  const failures: { assetPath: string; at: number }[] = [];
  let repairs: { faultId: string; at: number }[] = [];

  /** After each plant step: due bearing changes, and the step's failure labels to dataops. */
  async function onStep(t: number, labels: readonly LabelEvent[]): Promise<void> {
    for (const r of repairs.filter((x) => x.at <= t)) plant.repair(r.faultId);
    repairs = repairs.filter((x) => x.at > t);
    for (const l of labels) {
      if (l.type !== 'FaultLabelled' || l.fault !== 'bearing_failure') continue;
      const at = Date.parse(l.failureAt);
      failures.push({ assetPath: pathOf(l.asset), at });
      await o
        .dataops()
        .recordLabel(
          { assetPath: pathOf(l.asset), label: 'bearing_failure', from: iso(at - 10 * MIN), to: iso(at), source: 'maintenance-record', useCaseId: o.useCaseId },
          serviceCause('dataops', randomUUID()),
        );
      if (l.faultId !== null) repairs.push({ faultId: l.faultId, at: at + 30 * MIN });
    }
  }

  /** The bearing wear the simulator injects on a pump: it fails ~8 h later unless the bearing is changed. */
  const wearBearing = (id: string) => {
    const r = plant.inject({ asset: id, fault: 'bearing_wear', developMinutes: 600, severity: 1 }, 'api');
    if (!r.ok) throw new Error(`${r.error.field}: ${r.error.error}`);
    return r.value.fault.id;
  };

  /** History up to `toMs` into the historian: every pump wears a bearing out every 48 h, every 16 h in the last 7 days (wear accelerated). */
  async function history(toMs: number): Promise<void> {
    const next = new Map(pumpIds.map((id, i) => [id, o.startMs + (i * 5 + 2) * HOUR]));
    const buffers = new Map<string, UnsSampleBatch['samples'][number][]>();
    const flush = async (asset: string, t: number) => {
      const samples = buffers.get(asset) ?? [];
      if (samples.length > 0)
        await o
          .dataops()
          .ingestBatch({ batchId: randomUUID(), sourceId: '0193a1b2-7c00-7a10-8b00-0000000000be', assetPath: pathOf(asset), plantTime: iso(t), samples });
      buffers.set(asset, []);
    };
    for (let t = o.startMs + MIN; t <= toMs; t += MIN) {
      for (const id of pumpIds)
        if (t >= next.get(id)!) {
          wearBearing(id);
          next.set(id, t + (t < toMs - 7 * DAY ? 48 : 16) * HOUR);
        }
      const step = plant.advance(t);
      await onStep(t, step.labels);
      for (const u of step.updates) {
        if ((u.tag !== 'bearing_temperature' && u.tag !== 'vibration_rms') || typeof u.value !== 'number') continue;
        const list = buffers.get(u.asset) ?? [];
        list.push({
          tag: u.tag,
          value: u.value,
          unit: u.tag === 'bearing_temperature' ? 'Cel' : 'mm/s',
          quality: u.quality === 'good' ? { severity: 'Good', code: 0 } : { severity: 'Bad', code: 0x80000000 },
          sourceTimestamp: iso(u.timestampMs),
          serverTimestamp: iso(t),
        } as UnsSampleBatch['samples'][number]);
        buffers.set(u.asset, list);
        if (list.length >= 2000) await flush(u.asset, t);
      }
    }
    for (const id of pumpIds) await flush(id, toMs);
  }

  return { plant, pathOf, pumpIds, failures, onStep, wearBearing, history };
}
