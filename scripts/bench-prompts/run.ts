// One bench run: the simulator's plant (every asset kind) at full speed for N plant-days with a
// random campaign of faults (every maintenance mode, realistic development times, random
// intensities), the plant's own emergent failures and sensor faults; the product's inference
// (createInferenceApp: the same windows, models, scoring, prompting and drift code the service runs)
// fed minute by minute in process, serving every use case of usecases/*.json as the charter defines
// it, with a model for every use case from the training service's recipe (trained from the
// simulated plant, cached), registered and promoted through governance's gRPC API (four eyes). Out: the simulator's labels and the prompts inference raised.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import { eventValidator, UseCaseServingSpec, type UnsSampleBatch, type UseCaseServingSpecData } from '@industrial/contracts';
import { createGovernanceApp } from '@industrial/governance';
import { MemoryAnchorSink, generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore } from '@industrial/eventstore';
import { createInferenceApp } from '@industrial/inference';
import { createKernel } from '@industrial/kernel';
import { createRng } from '@industrial/ml';
import { createPlant, failureModeOf, FAILURE_MODES, randomCampaign, type FaultLabelled, type TagUpdate } from '@industrial/simulator';
import { prepareDemoModels } from '@industrial/training';
import { DEMO_ENGINEER, DEMO_QUALITY_LEAD, promoteThroughFrontDoor } from '../platform/demo-models.ts';
import type { Failure, ModeKind, PromptEvent, ScoreInput, Window } from './score.ts';

const MIN = 60_000;
const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const DAY = 24 * 60 * MIN;
export const USE_CASE_DIR = resolve(import.meta.dirname, '../../usecases');

export interface RunOptions {
  readonly days: number;
  readonly seed: number;
  readonly layout?: { pumps: number; mills: number; packagers: number };
  readonly faultsPerAssetDay?: number;
  readonly sensorFaultsPerAssetDay?: number;
  /** where the trained models are cached between runs */
  readonly modelDir?: string;
  readonly progress?: (line: string) => void;
}

export interface RunOutput {
  readonly score: ScoreInput;
  readonly useCases: readonly { name: string; mode: string; model: boolean }[];
  /** distinct prompts by who raised them: the model or the fixed limits standing in */
  readonly sources: { model: number; rules: number };
  /** windows scored by the model and by the rules (the pipeline's counters) */
  readonly windows: { model: number; rules: number; fallbackInputsBad: number; fallbackDrift: number };
  readonly wallSeconds: number;
}

interface UseCaseData {
  readonly useCaseId: string;
  readonly name: string;
  readonly mode: string;
  readonly assetKind: string;
  readonly serving: unknown;
}

/** The demo's use cases as data: `{ useCaseId, serving }` of each usecases/*.json, checked against the contract. */
export function readUseCases(dir = USE_CASE_DIR): UseCaseData[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const raw = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { useCaseId: string; serving: unknown };
      const serving = UseCaseServingSpec.parse(raw.serving) as { name: string; assetKind: string; task: { kind: string; failureMode?: string } };
      return {
        useCaseId: raw.useCaseId,
        name: serving.name,
        mode: serving.task.failureMode ?? serving.task.kind,
        assetKind: serving.assetKind,
        serving: raw.serving,
      };
    });
}

/** `acme/plant-1/utilities/cooling-water/pump-4` → `acme.plant-1.utilities.cooling-water.pump-4` */
const pathOf = (unsPath: string) => unsPath.split('/').join('.');

/** One UNS batch per asset of a plant step's tag updates (numbers; flags as 0/1), as connectivity would publish them. */
export function batchesOf(updates: readonly TagUpdate[], pathOfAsset: (asset: string) => string, serverMs: number): UnsSampleBatch[] {
  const byAsset = new Map<string, UnsSampleBatch['samples'][number][]>();
  for (const u of updates) {
    const value = typeof u.value === 'boolean' ? (u.value ? 1 : 0) : u.value;
    if (typeof value !== 'number') continue;
    const list = byAsset.get(u.asset) ?? [];
    list.push({
      tag: u.tag,
      value,
      quality: u.quality === 'good' ? { severity: 'Good', code: 0 } : { severity: 'Bad', code: 0x80000000 },
      sourceTimestamp: new Date(u.timestampMs).toISOString(),
      serverTimestamp: new Date(serverMs).toISOString(),
    } as UnsSampleBatch['samples'][number]);
    byAsset.set(u.asset, list);
  }
  return [...byAsset].map(([asset, samples]) => ({
    batchId: randomUUID(),
    sourceId: '0193a1b2-7c00-7a10-8b00-0000000000be',
    assetPath: pathOfAsset(asset),
    plantTime: new Date(serverMs).toISOString(),
    samples,
  }));
}

export async function runBench(o: RunOptions): Promise<RunOutput> {
  const started = performance.now();
  const log = o.progress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'bench-prompts-'));
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    anchorSink: new MemoryAnchorSink(),
    validator: eventValidator,
  });
  const bus = createInProcBus();
  try {
    // 1. The use cases, as the charter records them (UseCaseServingSpecDefined in usecase-<id>).
    const useCases = readUseCases();
    const charter = createKernel({ service: 'charter', store });
    for (const u of useCases) {
      await charter.append(
        `usecase-${u.useCaseId}`,
        [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: u.useCaseId, specVersion: 1, spec: u.serving } } as never],
        { actor: 'svc:charter', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null },
      );
    }
    // 2. The models the platform trains from the simulated plant for every use case (the training
    //    service's recipe, cached under modelDir), put into production through governance's gRPC API
    //    as `npm start` does: requested by an engineer, approved and promoted by a quality lead.
    const modelDir = o.modelDir ?? resolve(import.meta.dirname, '../../.data/bench-prompts/models');
    mkdirSync(modelDir, { recursive: true });
    const material = await createKeySet({ now: new Date() });
    const keySet = await importKeySet(material.keySet);
    const signingKey = await importSigningKey(material.signingKey);
    const token = (subject: string, role: Role) =>
      issueToken(signingKey, {
        subject,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 3600,
      });
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const governance = createGovernanceApp({
      store,
      keySet,
      logger: silent,
      config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE }, rateLimit: null },
    });
    const gov = await governance.start();
    const withModel = new Set<string>();
    try {
      let lastStep = '';
      const prepared = await prepareDemoModels(
        { useCases: useCases.map((u) => ({ useCaseId: u.useCaseId, serving: u.serving as UseCaseServingSpecData })), artifactsDir: modelDir },
        (p) => {
          const step = `${p.index}/${p.count} ${p.name}: ${p.step}`;
          if (step !== lastStep) log(`model ${step}${p.step === 'saved' || p.step === 'cached' ? ` (${p.message})` : ''}`);
          lastStep = step;
        },
      );
      const { promoted, failed } = await promoteThroughFrontDoor(prepared, {
        governance: `127.0.0.1:${gov.grpcPort}`,
        tokens: {
          training: await token('svc:training', 'service'),
          engineer: await token(DEMO_ENGINEER, 'engineer'),
          qualityLead: await token(DEMO_QUALITY_LEAD, 'quality_lead'),
        },
      });
      for (const f of failed) log(`no model for "${f.name}": ${f.error}`);
      for (const m of promoted) withModel.add(m.useCaseId);
    } finally {
      await governance.stop();
    }

    // 3. Inference, in process, its clock the plant's (the plant runs as if in real time).
    const T0 = Date.UTC(2026, 0, 5, 0, 0);
    let plantNow = T0;
    const app = createInferenceApp({
      store,
      bus,
      keySet,
      logger: silent,
      now: () => plantNow,
      config: {
        grpc: null,
        http: null,
        access: { issuer: ISSUER, audience: AUDIENCE },
        replicaId: 'bench',
        replicas: ['bench'],
        unsSubject: null,
      },
    });
    await app.start();

    // 4. The plant and its campaign.
    const layout = o.layout ?? { pumps: 4, mills: 3, packagers: 2 };
    const plant = createPlant({ seed: o.seed, startMs: T0, layout: { enterprise: 'acme', site: 'plant-1', ...layout } });
    const campaign = randomCampaign(createRng(o.seed + 1), plant.assets, {
      days: o.days,
      faultsPerAssetDay: o.faultsPerAssetDay ?? 0.35,
      sensorFaultsPerAssetDay: o.sensorFaultsPerAssetDay ?? 0.15,
    });
    const injected = plant.injectScenario(campaign.map(({ mode: _m, endsInMinutes: _e, ...req }) => req));
    if (!injected.ok) throw new Error(`campaign refused: ${injected.error.field}: ${injected.error.error}`);
    const repairs = new Map<number, string[]>();
    const repairAt = (minute: number, faultId: string) => repairs.set(minute, [...(repairs.get(minute) ?? []), faultId]);
    injected.value.faults.forEach((f, i) => {
      const ends = campaign[i]!.endsInMinutes;
      if (ends !== undefined) repairAt(ends, f.id);
    });
    const pathOfAsset = (asset: string) => pathOf(plant.asset(asset)!.path);
    const areaOf = (asset: string) => plant.asset(asset)!.area;

    const failures: Failure[] = [];
    const total = Math.round(o.days * 24 * 60);
    for (let minute = 1; minute <= total; minute++) {
      const t = T0 + minute * MIN;
      for (const id of repairs.get(minute) ?? []) plant.repair(id);
      const step = plant.advance(t);
      plantNow = t;
      for (const l of step.labels) {
        if (l.type !== 'FaultLabelled') continue;
        const spec = failureModeOf(l.fault);
        if (spec === undefined || spec.class !== 'maintenance') continue;
        const f = l as FaultLabelled;
        failures.push({
          asset: f.asset,
          mode: f.fault,
          kind: spec.kind,
          onsetMs: f.cause === 'injected' ? Date.parse(f.startedAt) : null,
          failureMs: Date.parse(f.failureAt),
        });
        // maintenance repairs what failed an hour later (the bearing changed, the suction cleared)
        if (f.faultId !== null) repairAt(minute + 60, f.faultId);
      }
      for (const b of batchesOf(step.updates, pathOfAsset, t)) await app.ingest(b);
      if (minute % (24 * 60) === 0) log(`plant day ${minute / (24 * 60)} of ${o.days}: ${failures.length} failures so far`);
    }
    await app.settle();

    // 5. What was prompted (every raise and update in place, production mode), in plant time.
    const modeOf = new Map(useCases.map((u) => [u.useCaseId, u.mode] as const));
    // the failure mode a prompt is for: the one whose action it asks for (a use case with two modes,
    // e.g. tool wear and overstrain, asks for either), else the use case's task mode
    const modeOfAction = new Map(
      useCases.flatMap((u) => (u.serving as UseCaseServingSpecData).failureModes.map((m) => [`${u.useCaseId}|${m.action.actionId}`, m.code] as const)),
    );
    const prompts: PromptEvent[] = [];
    const sources = { model: 0, rules: 0 };
    for (let from = 1; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 5000 });
      if (page.length === 0) break;
      for (const e of page) {
        if (e.type !== 'RecommendationRaised') continue;
        const d = e.data as {
          recommendationId: string;
          useCaseId: string;
          actionId: string;
          assetPath: string;
          priority: PromptEvent['priority'];
          featureWindow: { to: string };
          mode: string;
          update: number;
          source: 'model' | 'rules';
        };
        if (d.mode !== 'production') continue;
        if (d.update === 0) sources[d.source]++;
        const asset = d.assetPath.slice(d.assetPath.lastIndexOf('.') + 1);
        prompts.push({
          recommendationId: d.recommendationId,
          asset,
          operator: areaOf(asset),
          mode: modeOfAction.get(`${d.useCaseId}|${d.actionId}`) ?? modeOf.get(d.useCaseId) ?? 'unknown',
          atMs: Date.parse(d.featureWindow.to),
          update: d.update,
          priority: d.priority,
        });
      }
      from = page.at(-1)!.position + 1;
    }
    const c = app.pipeline.counters();
    const windows = { model: c.modelScores, rules: c.ruleScores, fallbackInputsBad: c.fallbackInputsBad, fallbackDrift: c.fallbackDrift };
    await app.stop();

    // 6. Ground truth besides the failures: faults still developing at the end, sensor faults.
    const end = T0 + total * MIN;
    const developing: Window[] = [];
    const sensorFaults: Window[] = [];
    for (const f of plant.faults()) {
      const spec = failureModeOf(f.fault === 'bearing_wear' ? 'bearing_failure' : f.fault);
      if (f.fault.startsWith('sensor_')) sensorFaults.push({ asset: f.asset, fromMs: f.startMs, toMs: f.endedAtMs ?? end, fault: f.fault });
      else if (f.failedAtMs === null && f.startMs < end && spec?.class !== 'data_quality')
        developing.push({ asset: f.asset, fromMs: f.startMs, toMs: f.endedAtMs ?? end });
    }
    const kinds = new Set(plant.assets.map((a) => a.kind));
    const modes = FAILURE_MODES.filter((m) => m.class === 'maintenance' && m.assetKind !== null && kinds.has(m.assetKind)).map((m) => ({
      mode: m.mode,
      kind: m.kind as ModeKind,
    }));
    return {
      score: {
        plantDays: o.days,
        assetKinds: kinds.size,
        assets: plant.assets.length,
        operators: new Set(plant.assets.map((a) => a.area)).size,
        modes,
        failures,
        prompts,
        developing,
        sensorFaults,
      },
      useCases: useCases.map((u) => ({ name: u.name, mode: u.mode, model: withModel.has(u.useCaseId) })),
      sources,
      windows,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await bus.close?.().catch(() => undefined);
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export { DAY };
