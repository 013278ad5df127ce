// bench:mlops (issue 16): the candidate's shadow period in plant time. The real inference app (in
// process, on the harness's store and bus) scores the pump fleet minute by minute of a plant clock
// the bench advances; a quality lead approves and promotes the candidate's shadow request; the plant
// runs until governance's CheckGates, asked every plant minute for a request of the candidate to
// production, shows the shadow-period gate decided (its minimum of windows reached: passed, or failed
// on agreement). Plant hours from the candidate's registration to that verdict.
import { randomUUID } from 'node:crypto';
import type { UnsSampleBatch } from '@industrial/contracts';
import { createClient, governanceRegistryV1, unaryCall } from '@industrial/grpc';
import { createInferenceApp, type InferenceApp } from '@industrial/inference';
import { AUDIENCE, ISSUER, PUMP_USE_CASE, type MlopsHarness } from './harness.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The fleet's live readings, as the harness's history reads (bearing temperature and vibration, a sample of each tag a minute). */
export function livePlant(pumps: readonly string[], seed = 99) {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return (asset: string, t: number): UnsSampleBatch => {
    const at = new Date(t).toISOString();
    const q = { severity: 'Good' as const, code: 0 };
    return {
      batchId: randomUUID(),
      sourceId: '0193a1b2-7c00-7a10-8b00-000000000004',
      assetPath: asset,
      plantTime: at,
      samples: [
        { tag: 'bearing_temperature', value: 58 + 4 * rnd(), unit: 'Cel', quality: q, sourceTimestamp: at, serverTimestamp: at },
        { tag: 'vibration_rms', value: 2 + 0.6 * rnd(), unit: 'mm/s', quality: q, sourceTimestamp: at, serverTimestamp: at },
      ],
    };
  };
}

export interface ShadowPlant {
  readonly inference: InferenceApp;
  readonly clock: { now: number };
  /** Advances the plant clock `minutes`, feeding every pump's samples to inference and to the historian. */
  run(minutes: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts inference on the harness's store and bus, its clock the plant's (from `startMs`). The charter's serving spec must be recorded. */
export async function startShadowPlant(h: MlopsHarness, startMs: number): Promise<ShadowPlant> {
  const clock = { now: startMs };
  const inference = createInferenceApp({
    store: h.store,
    bus: h.bus,
    keySet: h.keySet,
    logger: silent,
    now: () => clock.now,
    config: {
      grpc: null,
      http: null,
      access: { issuer: ISSUER, audience: AUDIENCE },
      replicaId: 'bench-mlops',
      replicas: ['bench-mlops'],
      unsSubject: null,
    },
  });
  await inference.start();
  const batch = livePlant(h.plant.pumps);
  return {
    inference,
    clock,
    async run(minutes) {
      for (let m = 0; m < minutes; m++) {
        clock.now += MIN;
        for (const p of h.plant.pumps) {
          const b = batch(p, clock.now);
          await inference.ingest(b);
          await h.dataops.ingestBatch(b);
        }
      }
      await inference.settle();
    },
    close: () => inference.stop(),
  };
}

export interface ShadowVerdict {
  /** Plant hours from the candidate's registration to the shadow-period gate's verdict; null when none came within `maxPlantHours`. */
  readonly plantHours: number | null;
  readonly passed: boolean | null;
  readonly detail: string;
}

/**
 * Puts the candidate in shadow (a quality lead approves and promotes its shadow request) and runs the
 * plant until the shadow-period gate of `productionRequestId` is decided.
 */
export async function shadowVerdict(
  h: MlopsHarness,
  plant: ShadowPlant,
  o: { shadowRequestId: string; productionRequestId: string; candidateAtMs: number; minWindows: number; maxPlantHours: number },
): Promise<ShadowVerdict> {
  const lead = createClient(governanceRegistryV1.ModelRegistryServiceClient, h.governanceAddress, {
    token: await h.token('user:quality-lead', 'quality_lead'),
  });
  try {
    await unaryCall(lead, lead.approve, { useCaseId: PUMP_USE_CASE, requestId: o.shadowRequestId, conditions: [], comment: 'shadow period (bench:mlops)' });
    await unaryCall(lead, lead.promote, { useCaseId: PUMP_USE_CASE, requestId: o.shadowRequestId });
    await plant.inference.settle();
    let detail = 'no shadow-period gate result';
    while (plant.clock.now - o.candidateAtMs < o.maxPlantHours * HOUR) {
      await plant.run(1);
      const gates = await unaryCall(lead, lead.checkGates, { useCaseId: PUMP_USE_CASE, requestId: o.productionRequestId });
      const g = gates.results.find((r) => r.gate === 'shadow-period');
      if (g === undefined) return { plantHours: null, passed: null, detail };
      detail = g.detail;
      // decided: passed, or the minimum of windows reached (then a failure is on agreement, not on time)
      const windows = Number(/^(\d+) shadow windows/.exec(g.detail)?.[1] ?? 0);
      if (g.passed || windows >= o.minWindows) return { plantHours: (plant.clock.now - o.candidateAtMs) / HOUR, passed: g.passed, detail };
    }
    return { plantHours: null, passed: null, detail };
  } finally {
    lead.close();
  }
}
