// The demo use cases' models for a first start (npm start) and the prompt bench: for each use case
// (its serving spec, as the charter records it) the recipe's bundle — the ONNX file inference loads
// with its `.model.json` and `.reference.json` beside it, and the model card — built once and cached
// in `artifactsDir/<use case>-<key>/`, keyed by the recipe version, the recipe options and a hash of
// the parts of the spec the model depends on (asset kind, task, window, the tags and statistics it
// reads, failure-mode labels, cost model). A later start with the same spec reuses the bundle;
// changing an action's words does not retrain. One plant recording per asset kind serves every use
// case of that kind. `prepareDemoModelsInWorker` runs the same on a worker thread, so a launcher's
// services keep answering while it trains. Registration data for governance: `registrationFor`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { UseCaseServingSpecData } from '@industrial/contracts';
import { uuidFromKey } from '@industrial/contracts/ids';
import type { ClassificationMetrics, RegressionMetrics, ThresholdRule } from '@industrial/ml';
import { flatMetrics } from '../adapters/worker/train-core.ts';
import { pumpBundleFiles, savePumpModel } from '../pump/save.ts';
import type { PumpFeatureSpec } from '../pump/windows.ts';
import { recordPlant, type PlantKind, type PlantRecording } from './plant-recording.ts';
import {
  buildUseCaseModel,
  plantKindOf,
  recipeSupports,
  recordingOptionsFor,
  RECIPE_DEFAULTS,
  USECASE_RECIPE_VERSION,
  type RecipeOptions,
} from './usecase-recipe.ts';

export interface DemoUseCase {
  readonly useCaseId: string;
  readonly serving: UseCaseServingSpecData;
}

export type PrepareStep = 'cached' | 'plant' | 'training' | 'saved';

/** One progress report: which use case, which step, how far (0–1) over all of them. */
export interface PrepareProgress {
  readonly useCaseId: string;
  readonly name: string;
  /** 1-based position among the use cases, and how many. */
  readonly index: number;
  readonly count: number;
  readonly step: PrepareStep;
  /** Fraction of this use case's work done (0–1). */
  readonly fraction: number;
  readonly message: string;
}

export interface RecipeRecord {
  readonly key: string;
  readonly recipe: number;
  readonly specHash: string;
  readonly onnxSha256: string;
  readonly threshold: number | null;
  /** How the threshold was chosen (the card's rule): a cost model, the best F1, or none (regression). */
  readonly thresholdRule: ThresholdRule | null;
  readonly target: string;
  readonly task: 'classification' | 'regression' | 'anomaly';
  readonly modelType: 'gbdt' | 'autoencoder';
  readonly featureSpec: PumpFeatureSpec;
  readonly dataSha256: string;
  readonly testMetrics: Record<string, number>;
  readonly rows: number;
  readonly failures: number;
  readonly options: RecipeOptions;
}

export interface PreparedModel {
  readonly useCaseId: string;
  readonly name: string;
  readonly dir: string;
  /** File names of the bundle in `dir` (`<bundle>.onnx`, `<bundle>.model.json`, …). */
  readonly bundle: string;
  readonly record: RecipeRecord;
  /** True when the bundle came from the cache (nothing trained). */
  readonly cached: boolean;
}

export interface PrepareInput {
  readonly useCases: readonly DemoUseCase[];
  readonly artifactsDir: string;
  readonly options?: Partial<RecipeOptions>;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** The parts of a serving spec the recipe's model depends on (words and actions are not among them). */
export function modelSpecHash(s: UseCaseServingSpecData): string {
  return sha256(
    JSON.stringify({
      assetKind: s.assetKind,
      task: s.task,
      windowMinutes: s.windowMinutes,
      evidence: s.evidence.map((e) => [e.tag, e.statistic, e.unit]),
      ruleWindow: s.ruleWindow.features.map((f) => [f.name, f.tag, f.statistic, f.unit]),
      labels: s.failureModes.map((m) => [m.code, m.label]),
      costModel: s.costModel,
    }),
  );
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48);

function cacheOf(artifactsDir: string, u: DemoUseCase, o: RecipeOptions) {
  const specHash = modelSpecHash(u.serving);
  const key = sha256(JSON.stringify({ recipe: USECASE_RECIPE_VERSION, specHash, useCaseId: u.useCaseId, o })).slice(0, 16);
  const name = slug(u.serving.name) || 'model';
  const dir = resolve(join(artifactsDir, `${name}-${key}`));
  return { key, specHash, name, dir, files: pumpBundleFiles(dir, name), recordPath: join(dir, 'build.json') };
}

function readCached(c: ReturnType<typeof cacheOf>): RecipeRecord | null {
  if (!(existsSync(c.recordPath) && existsSync(c.files.onnx) && existsSync(c.files.model) && existsSync(c.files.reference))) return null;
  const record = JSON.parse(readFileSync(c.recordPath, 'utf8')) as RecipeRecord;
  return record.key === c.key && sha256(readFileSync(c.files.onnx)) === record.onnxSha256 ? record : null;
}

/** Builds (or reuses) every use case's bundle, in order, reporting progress. */
export async function prepareDemoModels(input: PrepareInput, onProgress: (p: PrepareProgress) => void = () => undefined): Promise<PreparedModel[]> {
  const o: RecipeOptions = { ...RECIPE_DEFAULTS, ...input.options };
  const recordings = new Map<PlantKind, PlantRecording>();
  const out: PreparedModel[] = [];
  const useCases = input.useCases.filter((u) => recipeSupports(u.serving));
  const count = useCases.length;
  for (const [i, u] of useCases.entries()) {
    const name = u.serving.name;
    const report = (step: PrepareStep, fraction: number, message: string) =>
      onProgress({ useCaseId: u.useCaseId, name, index: i + 1, count, step, fraction, message });
    const c = cacheOf(input.artifactsDir, u, o);
    const cached = readCached(c);
    if (cached !== null) {
      report('cached', 1, 'reused from the cache');
      out.push({ useCaseId: u.useCaseId, name, dir: c.dir, bundle: c.name, record: cached, cached: true });
      continue;
    }
    const kind = plantKindOf(u.serving.assetKind);
    let rec = recordings.get(kind);
    if (rec === undefined) {
      report('plant', 0, `simulating the ${kind} plant`);
      rec = recordPlant(recordingOptionsFor(kind, o), (done, total) => report('plant', 0.6 * (done / total), `simulating the ${kind} plant`));
      recordings.set(kind, rec);
    }
    report('training', 0.6, 'computing windows and training');
    // let the progress line out before the (synchronous) fit
    await new Promise((r) => setImmediate(r));
    const built = buildUseCaseModel(u.serving, rec, o);
    await savePumpModel(built, c.dir, undefined, { name: c.name });
    const task = u.serving.task.kind as RecipeRecord['task'];
    const { target: _t, horizonHours: _h, capHours: _c, ...featureSpec } = built.featureSpec;
    const record: RecipeRecord = {
      key: c.key,
      recipe: USECASE_RECIPE_VERSION,
      specHash: c.specHash,
      onnxSha256: built.onnxSha256,
      threshold: built.threshold,
      thresholdRule: built.card.json.threshold.rule,
      target: built.featureSpec.target,
      task,
      modelType: task === 'anomaly' ? 'autoencoder' : 'gbdt',
      featureSpec: featureSpec as PumpFeatureSpec,
      dataSha256: built.dataSha256,
      testMetrics: Object.fromEntries(
        Object.entries(flatMetrics(built.metrics.test as ClassificationMetrics | RegressionMetrics)).filter(([, v]) => Number.isFinite(v)),
      ),
      rows: built.table.rowCount,
      failures: built.table.failures,
      options: o,
    };
    writeFileSync(c.recordPath, `${JSON.stringify(record, null, 2)}\n`);
    report('saved', 1, `trained on ${built.table.rowCount} windows (${built.table.failures} failures)`);
    out.push({ useCaseId: u.useCaseId, name, dir: c.dir, bundle: c.name, record, cached: false });
  }
  return out;
}

/** Every use case's bundle from the cache, or null when any must be trained (cheap: reads and hashes files). */
export function cachedDemoModels(input: PrepareInput): PreparedModel[] | null {
  const o: RecipeOptions = { ...RECIPE_DEFAULTS, ...input.options };
  const out: PreparedModel[] = [];
  for (const u of input.useCases.filter((x) => recipeSupports(x.serving))) {
    const c = cacheOf(input.artifactsDir, u, o);
    const record = readCached(c);
    if (record === null) return null;
    out.push({ useCaseId: u.useCaseId, name: u.serving.name, dir: c.dir, bundle: c.name, record, cached: true });
  }
  return out;
}

/** The same as prepareDemoModels, on a worker thread (the caller's event loop keeps serving). */
export function prepareDemoModelsInWorker(input: PrepareInput, onProgress: (p: PrepareProgress) => void = () => undefined): Promise<PreparedModel[]> {
  // all cached: nothing to train, so no worker to start (it would load the recipe's modules first)
  const cached = cachedDemoModels(input);
  if (cached !== null) {
    cached.forEach((p, i) =>
      onProgress({ useCaseId: p.useCaseId, name: p.name, index: i + 1, count: cached.length, step: 'cached', fraction: 1, message: 'reused from the cache' }),
    );
    return Promise.resolve(cached);
  }
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./prepare-worker.ts', import.meta.url), { workerData: input });
    let settled = false;
    worker.on('message', (m: { progress?: PrepareProgress; done?: PreparedModel[]; error?: string }) => {
      if (m.progress !== undefined) onProgress(m.progress);
      else if (m.done !== undefined) {
        settled = true;
        resolvePromise(m.done);
      } else if (m.error !== undefined) {
        settled = true;
        reject(new Error(m.error));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the model preparation worker exited with code ${code}`));
    });
  });
}

/** The ModelVersionRegistered data (without `version`) governance's RegisterModelVersion takes for a prepared bundle. */
export function registrationFor(p: PreparedModel, codeVersion: string): Record<string, unknown> {
  const r = p.record;
  const files = pumpBundleFiles(p.dir, p.bundle);
  const ref = (path: string) => ({ uri: pathToFileURL(path).href, sha256: sha256(readFileSync(path)) });
  const artifactUri = pathToFileURL(files.onnx).href;
  return {
    modelVersionId: uuidFromKey(`demo-usecase:${p.useCaseId}:${r.onnxSha256}:${artifactUri}`),
    useCaseId: p.useCaseId,
    runId: uuidFromKey(`demo-usecase-run:${p.useCaseId}:${r.key}:${artifactUri}`),
    stage: 'candidate',
    format: 'onnx',
    artifactUri,
    artifactHash: r.onnxSha256,
    datasetId: uuidFromKey(`demo-usecase-dataset:${r.key}`),
    snapshotId: uuidFromKey(`demo-usecase-snapshot:${r.key}`),
    snapshotHash: r.dataSha256,
    featureSetVersion: r.featureSpec.version,
    codeVersion,
    seed: r.options.seed,
    spec: {
      target: r.target,
      features: r.featureSpec.features.map((f) => f.name),
      modelType: r.modelType,
      task: r.task,
      imbalance: r.task === 'classification' ? 'class-weights' : 'none',
      imputation: 'median',
      // the cost model the threshold was chosen with (null: the best F1, or no threshold)
      costModel: r.thresholdRule?.kind === 'cost' ? { source: 'inline', useCaseId: null, ...r.thresholdRule.cost } : null,
    },
    inputs: r.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
    windowSeconds: r.featureSpec.windowMinutes * 60,
    outputs: [{ name: r.task === 'regression' ? r.target : `${r.target}_score` }],
    metrics: r.testMetrics,
    decisionThreshold: r.threshold,
    modelCard: { markdown: ref(files.card), json: ref(files.cardJson) },
    explainer: ref(files.model),
    // the drift reference; a site's inference also takes it from the object store by this hash
    reference: ref(files.reference),
  };
}
