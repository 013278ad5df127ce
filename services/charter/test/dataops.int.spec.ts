// The charter over a real dataops (SQLite historian, in-process bus) serving its gRPC API on
// loopback: scripted UNS batches of one packaging line (the simulator's tags and state codes) and
// FaultLabelled ground truth go in through dataops' own ingest and event handling; KPIs and
// feasibility come out through the DataopsReader over dataops' gRPC API (a service-account token,
// raw windows in slices, labels from ListLabels page by page) and, end to end, the charter's gRPC
// API. The charter reads none of dataops' streams. Every expected number is worked out by hand below
// from the script.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Role } from '@industrial/access';
import type { IntegrationEvent, UnsSampleBatch } from '@industrial/contracts';
import type { DataopsApp } from '@industrial/dataops';
import { charterV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataopsGrpcSource, type DataopsGrpcSource } from '../src/adapters/dataops/grpc.ts';
import { dataopsReader, type DataopsReader } from '../src/adapters/dataops/reader.ts';
import { lineKpisFrom } from '../src/features/facts.ts';
import { dataopsOverGrpc, sqliteStore, startCharter, type DataopsOverGrpc, type Running, type StoreFixture } from './fixture.ts';

const LINE = 'acme.plant-1.packaging.packing-line-1';
const PACKER = `${LINE}.packer-1`;
const SOURCE = '00000000-0000-4000-8000-00000000a001';
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const DAY0 = Date.parse('2025-01-01T00:00:00Z');
/** The shift whose KPIs are computed: day 100 (2025-04-11), 06:00–14:00 UTC. */
const DAY100 = DAY0 + 100 * DAY;
const at = (hh: number, mm: number) => DAY100 + hh * HOUR + mm * MIN;
const SHIFT = { from: at(6, 0), to: at(14, 0) };
// The simulator's packaging codes (services/simulator/src/domain/tags.ts PACKAGING_STATES).
const RUNNING = 1,
  IDLE = 2,
  PLANNED_STOP = 3,
  FAULT = 4;

interface Sample {
  tag: string;
  value: number;
  ts: number;
  unit?: string;
  bad?: boolean;
}

function batch(samples: Sample[]): UnsSampleBatch {
  const ts = Math.max(...samples.map((s) => s.ts));
  return {
    batchId: randomUUID(),
    sourceId: SOURCE,
    assetPath: PACKER,
    plantTime: new Date(ts + 250).toISOString(),
    samples: samples.map((s) => ({
      tag: s.tag,
      value: s.value,
      ...(s.unit === undefined ? {} : { unit: s.unit }),
      quality: s.bad === true ? { severity: 'Bad' as const, code: 0x80000000 } : { severity: 'Good' as const, code: 0 },
      sourceTimestamp: new Date(s.ts).toISOString(),
      serverTimestamp: new Date(s.ts + 5).toISOString(),
    })),
  };
}

function faultLabelled(startedAt: number, failureAt: number | null): IntegrationEvent {
  const id = randomUUID();
  const plantTime = new Date(failureAt ?? startedAt + 10 * MIN).toISOString();
  return {
    id,
    type: 'FaultLabelled',
    stream: `fault-${id}`,
    revision: 0,
    position: 1,
    data: {
      faultId: randomUUID(),
      assetPath: PACKER,
      faultType: 'jam',
      cause: failureAt === null ? 'injected' : 'emergent',
      startedAt: new Date(startedAt).toISOString(),
      ...(failureAt === null ? {} : { failureAt: new Date(failureAt).toISOString() }),
      plantTime,
    },
    metadata: { actor: 'simulator', role: 'service', correlationId: id, causationId: null, traceparent: null, schemaVersion: 1, recordedAt: plantTime },
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  } as IntegrationEvent;
}

/**
 * History: every day 0..100 at 00:00 the line reports Running, good = 1000 × day, bad = 10 × day
 * and an ideal cycle time of 1.2 s. Day 100 then runs the scripted shift below.
 */
function history(): UnsSampleBatch[] {
  const out: UnsSampleBatch[] = [];
  for (let d = 0; d <= 100; d++) {
    const ts = DAY0 + d * DAY;
    out.push(
      batch([
        { tag: 'machine_state', value: RUNNING, ts },
        { tag: 'good_count', value: 1000 * d, ts },
        { tag: 'bad_count', value: 10 * d, ts },
        { tag: 'ideal_cycle_time', value: 1.2, ts, unit: 's' },
      ]),
    );
  }
  return out;
}

/**
 * The shift, as the line publishes it (on change):
 *   05:50 Fault (a jam carried into the shift: downtime, but not a failure of the shift)
 *   06:20 Running   08:00 Idle   08:15 Running   09:00 Fault with Bad quality (ignored)
 *   10:00 PlannedStop   10:30 Running   11:00 Fault   11:12 Running   12:30 Fault   12:48 Running
 *   13:40 Running again (a repeat, no change)   14:05 Idle (after the shift)
 * Counters: good 100000 (05:50) → 103000 (08:00) → 106800 (10:00) → PLC restart → 200 (10:40)
 * → 1500 (11:00) → 4200 (12:30) → 7000 (13:59) → 7300 (14:05); bad 1000 → 1030 → 1075 → 5
 * (10:40) → 60 (12:30) → 90 (13:59).
 */
function shift(): UnsSampleBatch[] {
  const state = (hh: number, mm: number, value: number, bad = false): Sample => ({ tag: 'machine_state', value, ts: at(hh, mm), bad });
  const good = (hh: number, mm: number, value: number): Sample => ({ tag: 'good_count', value, ts: at(hh, mm) });
  const rejects = (hh: number, mm: number, value: number): Sample => ({ tag: 'bad_count', value, ts: at(hh, mm) });
  return [
    [state(5, 50, FAULT), good(5, 50, 100_000), rejects(5, 50, 1_000)],
    [state(6, 20, RUNNING)],
    [state(8, 0, IDLE), good(8, 0, 103_000), rejects(8, 0, 1_030)],
    [state(8, 15, RUNNING)],
    [state(9, 0, FAULT, true)],
    [state(10, 0, PLANNED_STOP), good(10, 0, 106_800), rejects(10, 0, 1_075)],
    [state(10, 30, RUNNING)],
    [good(10, 40, 200), rejects(10, 40, 5)],
    [state(11, 0, FAULT), good(11, 0, 1_500)],
    [state(11, 12, RUNNING)],
    [state(12, 30, FAULT), good(12, 30, 4_200), rejects(12, 30, 60)],
    [state(12, 48, RUNNING)],
    [state(13, 40, RUNNING)],
    [good(13, 59, 7_000), rejects(13, 59, 90)],
    [state(14, 5, IDLE), good(14, 5, 7_300)],
  ].map(batch);
}

// --- the hand computation -----------------------------------------------------------------------
// Minutes of the shift [06:00, 14:00) = 480:
//   unplanned stop 06:00–06:20 (carried in) 20 + 11:00–11:12 12 + 12:30–12:48 18 = 50
//   running 06:20–08:00 100 + 08:15–10:00 105 + 10:30–11:00 30 + 11:12–12:30 78 + 12:48–14:00 72 = 385
//   idle 08:00–08:15 15; planned stop 10:00–10:30 30                          (50 + 385 + 15 + 30 = 480)
const plannedMin = 480 - 30; // 450
const runMin = 385 + 15; // idle is a performance loss: 400
const failures = 2; // 11:00 and 12:30; the jam carried in began before the shift
const good = 3_000 + 3_800 + 200 + 1_300 + 2_700 + 2_800; // the restart counts its 200 from 0: 13,800
const bad = 30 + 45 + 5 + 55 + 30; // 165
const total = good + bad; // 13,965
const idealCycleS = 1.2;
const availability = runMin / plannedMin;
const performance = (idealCycleS * total) / (runMin * 60);
const quality = good / total;
const expected = {
  availability,
  performance,
  quality,
  oee: availability * performance * quality,
  unplannedDowntimeHours: 50 / 60,
  mtbfHours: runMin / 60 / failures,
  mttrHours: 50 / 60 / failures,
  failures,
  totalCount: total,
  goodCount: good,
};

/** 36 jams labelled by the simulator (one every 2 days from day 2, failing at 12:00) and one cleared before it failed. */
const JAMS = Array.from({ length: 36 }, (_, k) => DAY0 + 2 * (k + 1) * DAY + 12 * HOUR);

describe('when the charter reads machine states, counts, failures and the catalog from dataops', () => {
  let over: DataopsOverGrpc;
  let dataops: DataopsApp;
  let address: string;
  let serviceToken: (roles?: Role[]) => Promise<string>;
  let grpcSource: DataopsGrpcSource;
  let slicedSource: DataopsGrpcSource;
  const readerOptions = { now: () => DAY100 + DAY, qualityWindowMs: 30 * DAY };
  let reader: DataopsReader;
  let fx: StoreFixture;
  let svc: Running;
  const sources: DataopsGrpcSource[] = [];

  beforeAll(async () => {
    fx = await sqliteStore();
    over = await dataopsOverGrpc(fx.store);
    dataops = over.dataops;
    address = over.address;
    serviceToken = over.serviceToken;
    // The catalog, as connectivity's TagMapped events would fill it; run_time is mapped but never recorded.
    const actor = { subject: 'connectivity', role: 'service' };
    for (const [tag, unit, dataType] of [
      ['machine_state', null, 'number'],
      ['good_count', null, 'number'],
      ['bad_count', null, 'number'],
      ['ideal_cycle_time', 's', 'number'],
      ['run_time', null, 'number'],
    ] as const) {
      await dataops.upsertTagMetadata({ assetPath: PACKER, tag, unit, dataType, samplingIntervalMs: 1000, aggregation: 'last' }, actor);
    }
    for (const b of [...history(), ...shift()]) await dataops.ingestBatch(b);
    for (const failureAt of JAMS) await dataops.handleIntegrationEvent(faultLabelled(failureAt - 20 * MIN, failureAt));
    await dataops.handleIntegrationEvent(faultLabelled(DAY0 + 51 * DAY, null));

    const token = await serviceToken();
    grpcSource = dataopsGrpcSource({ address, token: () => token });
    // The same, asking for raw windows in 30-minute slices (the 8-hour shift takes 16 calls per
    // series, glued back in order) and for labels 5 at a time (every page read).
    slicedSource = dataopsGrpcSource({ address, token: () => token, rawSliceMs: 30 * MIN, labelPageSize: 5 });
    sources.push(grpcSource, slicedSource);
    reader = dataopsReader(grpcSource, readerOptions);
    svc = await startCharter(fx.store, { historian: reader, catalog: reader, now: () => DAY100 + DAY });
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    for (const s of sources) s.close();
    await over?.close();
    await fx?.cleanup();
  });

  it('reads the shift as state intervals: the state carried in, Bad samples and repeats left out', async () => {
    const s = await reader.stateIntervals(PACKER, SHIFT.from, SHIFT.to);
    // charter codes: 0 running, 1 idle, 3 unplanned stop, 4 planned stop
    expect([...s.state]).toEqual([3, 0, 1, 0, 4, 0, 3, 0, 3, 0]);
    expect([...s.t]).toEqual([at(5, 50), at(6, 20), at(8, 0), at(8, 15), at(10, 0), at(10, 30), at(11, 0), at(11, 12), at(12, 30), at(12, 48)]);
  });

  it('counts from the counters over the shift, the PLC restart counted from zero', async () => {
    expect(await reader.counts(PACKER, SHIFT.from, SHIFT.to)).toEqual({ total, good, scrap: null, energyKwh: null });
    expect(await reader.idealCycleTimeS(PACKER, SHIFT.from, SHIFT.to)).toBe(1.2);
  });

  it('reads the same when raw windows are asked for in slices', async () => {
    const sliced = dataopsReader(slicedSource, readerOptions);
    expect(await sliced.stateIntervals(PACKER, SHIFT.from, SHIFT.to)).toEqual(await reader.stateIntervals(PACKER, SHIFT.from, SHIFT.to));
    expect(await sliced.counts(PACKER, SHIFT.from, SHIFT.to)).toEqual({ total, good, scrap: null, energyKwh: null });
  });

  it('computes OEE, MTBF, MTTR and downtime equal to the hand computation', async () => {
    const k = await lineKpisFrom(reader, PACKER, SHIFT.from, SHIFT.to, idealCycleS);
    expect(k.windowHours).toBe(8);
    expect(k.plannedProductionHours).toBeCloseTo(plannedMin / 60, 12);
    expect(k.runHours).toBeCloseTo(runMin / 60, 12);
    for (const [key, value] of Object.entries(expected)) expect(k[key as keyof typeof k], key).toBeCloseTo(value, 12);
    // In numbers: A 88.9 %, P 69.8 %, Q 98.8 %, OEE 61.3 %; MTBF 3.33 h, MTTR 25 min.
    expect(k.oee).toBeCloseTo(0.6133, 4);
    expect(k.mttrHours! * 60).toBeCloseTo(25, 12);
  });

  it('returns the labelled failures at their failure time, not the fault cleared before it failed', async () => {
    const all = await reader.failures(PACKER, DAY0, DAY100);
    expect(all.map((f) => f.at)).toEqual(JAMS);
    expect(all.every((f) => f.mode === 'jam' && f.assetPath === PACKER)).toBe(true);
    expect(await reader.failures(PACKER, JAMS[0] as number, (JAMS[0] as number) + 1)).toHaveLength(1);
    expect(await reader.failures(PACKER, (JAMS[0] as number) + 1, JAMS[1] as number)).toHaveLength(0);
    // ListLabels 5 at a time: every page read, the same failures.
    expect(JAMS.length).toBeGreaterThan(10);
    expect(await dataopsReader(slicedSource, readerOptions).failures(PACKER, DAY0, DAY100)).toEqual(all);
  });

  it('lists the catalogued tags of a line and their history: span, usable samples, Good share', async () => {
    expect((await reader.tags(LINE)).map((t) => t.tag).sort()).toEqual(['bad_count', 'good_count', 'ideal_cycle_time', 'machine_state', 'run_time']);
    expect(await reader.tags(`${LINE}.packer-10`)).toEqual([]);
    expect(await reader.history(PACKER, 'ideal_cycle_time')).toEqual({ firstAt: DAY0, lastAt: DAY100, samples: 101, goodRatio: 1 });
    // 101 daily + 12 shift samples (the Bad one is not usable); the last 30 days hold 43 samples, 1 Bad.
    expect(await reader.history(PACKER, 'machine_state')).toEqual({ firstAt: DAY0, lastAt: at(14, 5), samples: 113, goodRatio: 42 / 43 });
    expect(await reader.history(PACKER, 'run_time')).toBeNull();
    expect(await reader.history(PACKER, 'vibration_rms')).toBeNull();
    // The plant clock a KPI schedule in plant time reads: the newest state sample.
    expect(await reader.latestAt(PACKER)).toBe(at(14, 5));
    expect(await reader.latestAt(`${LINE}.packer-10`)).toBeNull();
  });

  async function draft(requiredTags: string[]): Promise<{ id: string; engineer: charterV1.CharterServiceClient }> {
    const engineer = svc.client(await svc.token('engineer', 'erik@plant-1'));
    const id = randomUUID();
    await unaryCall(
      engineer,
      engineer.draftUseCase,
      charterV1.DraftUseCaseRequest.fromPartial({
        useCaseId: id,
        useCase: {
          title: 'Predict packer jams',
          problem: 'The packer jams about once every two days; every jam stops the line for 20 minutes.',
          scope: { enterprise: 'acme', site: 'plant-1', area: 'packaging', line: 'packing-line-1' },
          assetPaths: [PACKER],
          owner: 'erik@plant-1',
          kind: 'predictive-maintenance',
          questions: { whatAreWeImproving: 'Unplanned packer stops.', whyDoesItMatter: 'Lost output.', howWillWeKnow: 'MTBF doubles.' },
          failureModes: [{ assetType: 'packaging', code: 'jam', description: 'film or carton jam' }],
          requiredTags: requiredTags.map((tag) => ({ assetPath: PACKER, tag })),
        },
      }),
    );
    await unaryCall(engineer, engineer.setCostModel, {
      useCaseId: id,
      costModel: {
        currency: 'EUR',
        falseAlarmCost: 40,
        missedEventCost: 300,
        interventionCost: 60,
        downtimeCostPerHour: 1_200,
        downtimeHoursPerFailure: 0.5,
        investment: 40_000,
        runningCostPerYear: 8_000,
        assumptions: 'One line, two shifts.',
      },
    });
    return { id, engineer };
  }

  it('finds a use case feasible when its tags are in the dataops catalog with 100 days and 36 labelled jams', async () => {
    const { id, engineer } = await draft(['machine_state', 'good_count', 'bad_count', 'ideal_cycle_time']);
    const f = (await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId: id }))).feasibility!;
    expect(f.verdict).toBe('feasible');
    expect(f.redFlags).toEqual([]);
    expect(f.missingTags).toEqual([]);
    // Shared span: the latest first sample (day 0) to the earliest last one (ideal_cycle_time, day 100 00:00).
    expect(f.historyFrom).toBe('2025-01-01T00:00:00.000Z');
    expect(f.historyTo).toBe('2025-04-11T00:00:00.000Z');
    expect(f.historyDays).toBe(100);
    expect(f.labelledEvents).toBe(36);
    expect(f.tagsAvailable).toBe(5);
    expect(f.rows).toBe(113);
    const failuresPerYear = (36 / (100 * DAY)) * 365.25 * DAY; // 131.5
    expect(f.roi!.failuresPerYear).toBeCloseTo(failuresPerYear, 9);
    expect(f.roi!.valueAtStakePerYear).toBeCloseTo(failuresPerYear * (300 + 0.5 * 1_200), 6);
  });

  it('finds it not feasible when a required tag is not in the catalog, or catalogued but never recorded, and says why', async () => {
    const { id, engineer } = await draft(['machine_state', 'vibration_rms', 'run_time']);
    const f = (await unaryCall(engineer, engineer.assessFeasibility, charterV1.AssessFeasibilityRequest.fromPartial({ useCaseId: id }))).feasibility!;
    expect(f.verdict).toBe('not-feasible');
    expect(f.missingTags).toEqual([`${PACKER}/vibration_rms`, `${PACKER}/run_time`]);
    expect(f.redFlags).toContain(`Tag "vibration_rms" of ${PACKER} is not in the catalog: nothing records it yet.`);
    expect(f.redFlags).toContain(`Tag "run_time" of ${PACKER} is in the catalog but has no history: it has never been recorded.`);
  });

  it('serves the same KPIs through ComputeKpis', async () => {
    const { id, engineer } = await draft(['machine_state']);
    const r = await unaryCall(
      engineer,
      engineer.computeKpis,
      charterV1.ComputeKpisRequest.fromPartial({
        useCaseId: id,
        assetPath: PACKER,
        from: new Date(SHIFT.from).toISOString(),
        to: new Date(SHIFT.to).toISOString(),
        idealCycleTimeSeconds: idealCycleS,
      }),
    );
    expect(r.line!.oee).toBeCloseTo(expected.oee, 12);
    expect(r.line!.mtbfHours).toBeCloseTo(expected.mtbfHours, 12);
    expect(r.line!.unplannedDowntimeHours).toBeCloseTo(expected.unplannedDowntimeHours, 12);
    expect(r.line!.failures).toBe(2);
  });

  it('is refused by dataops without a valid service token: the status comes back, nothing is guessed', async () => {
    const anonymous = dataopsGrpcSource({ address, token: () => 'not-a-token' });
    sources.push(anonymous);
    await expect(dataopsReader(anonymous).tags(LINE)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(dataopsReader(anonymous).counts(PACKER, SHIFT.from, SHIFT.to)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    // A valid token whose role lacks data.read (admin) is refused as such.
    const adminToken = await serviceToken(['admin']);
    const admin = dataopsGrpcSource({ address, token: () => adminToken });
    sources.push(admin);
    await expect(dataopsReader(admin).tags(LINE)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });
});
