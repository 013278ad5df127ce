// A real pump model for a one-process launcher at first start: builds the bearing-failure model
// (or reuses the build cached in `artifactsDir`, keyed by the options), stores the bundle inference
// loads, and appends ModelVersionRegistered + ModelPromoted (production) for the use case, so
// operators get model-based prompts without a governance round. Idempotent: the same model
// already registered and serving is returned as it is.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { latestVersion, streamFor, type EventData, type EventType } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import type { ClassificationMetrics } from '@industrial/ml';
import { detectCodeVersion } from '../adapters/code-version.ts';
import { uuidFromKey, uuidv7 } from '../adapters/eventstore/ids.ts';
import { flatMetrics } from '../adapters/worker/train-core.ts';
import { buildPumpModel, resolvePumpOptions, type PumpModelOptions } from './model.ts';
import { PUMP_BUNDLE_NAME, pumpBundleFiles, savePumpModel } from './save.ts';
import { PUMP_FEATURE_SET_VERSION, type PumpFeatureSpec } from './windows.ts';

/** Bump when the recipe changes in a way the options do not show (invalidates cached builds). */
export const PUMP_RECIPE_VERSION = 2;

export interface RegisterDemoPumpModelInput {
  readonly store: EventStore;
  /** Where builds are cached (`pump-bearing-failure-<key>/`) and the bundle is served from. */
  readonly artifactsDir: string;
  readonly useCaseId: string;
  /** Recorded as the events' actor. */
  readonly actor: { readonly subject: string; readonly role: string; readonly correlationId?: string };
  /** Recipe options (PUMP_MODEL_DEFAULTS when absent). */
  readonly options?: Partial<PumpModelOptions>;
}

export interface DemoPumpModel {
  /** The registered model version id (ModelVersionRegistered.modelVersionId). */
  readonly modelVersion: string;
  /** 1, 2, … per use case. */
  readonly version: number;
  /** sha256 of the ONNX bytes (= artifactHash). */
  readonly sha256: string;
  readonly artifactUri: string;
  readonly threshold: number | null;
  /** True when the build came from the cache in artifactsDir. */
  readonly cached: boolean;
}

interface BuildRecord {
  readonly key: string;
  readonly onnxSha256: string;
  readonly threshold: number | null;
  readonly target: string;
  readonly featureSpec: PumpFeatureSpec;
  readonly dataSha256: string;
  readonly testMetrics: Record<string, number>;
  readonly options: PumpModelOptions;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** The cached build for these options, or a fresh one written to artifactsDir. */
export async function ensurePumpBundle(artifactsDir: string, options: Partial<PumpModelOptions> = {}): Promise<{ dir: string; record: BuildRecord; cached: boolean }> {
  const o = resolvePumpOptions(options);
  const key = sha256(JSON.stringify({ recipe: PUMP_RECIPE_VERSION, featureSet: PUMP_FEATURE_SET_VERSION, o })).slice(0, 16);
  const dir = resolve(join(artifactsDir, `${PUMP_BUNDLE_NAME}-${key}`));
  const files = pumpBundleFiles(dir);
  const recordPath = join(dir, 'build.json');
  if (existsSync(recordPath) && existsSync(files.onnx) && existsSync(files.model) && existsSync(files.reference)) {
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as BuildRecord;
    if (record.key === key && sha256(readFileSync(files.onnx)) === record.onnxSha256) return { dir, record, cached: true };
  }
  const built = buildPumpModel(o);
  await savePumpModel(built, dir);
  const record: BuildRecord = {
    key, onnxSha256: built.onnxSha256, threshold: built.threshold, target: built.featureSpec.target, featureSpec: pumpFeatureSpecOf(built.featureSpec),
    dataSha256: built.dataSha256, testMetrics: flatMetrics(built.metrics.test as ClassificationMetrics), options: o,
  };
  writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return { dir, record, cached: false };
}

function pumpFeatureSpecOf(s: PumpFeatureSpec & { target?: string; horizonHours?: number; capHours?: number }): PumpFeatureSpec {
  const { target: _t, horizonHours: _h, capHours: _c, ...spec } = s;
  return spec;
}

/** Builds (or reuses) the pump model, stores its bundle and registers + promotes it to production. */
export async function registerDemoPumpModel(input: RegisterDemoPumpModelInput): Promise<DemoPumpModel> {
  const { store, useCaseId, actor } = input;
  const { dir, record, cached } = await ensurePumpBundle(input.artifactsDir, input.options);
  const files = pumpBundleFiles(dir);
  const artifactUri = pathToFileURL(files.onnx).href;
  const ref = (path: string) => ({ uri: pathToFileURL(path).href, sha256: sha256(readFileSync(path)) });
  const correlationId = actor.correlationId ?? uuidv7();
  const stream = streamFor('ModelVersionRegistered', useCaseId);
  const append = async <T extends EventType>(type: T, data: EventData<T>, expectedRevision: number | 'no-stream') => {
    const id = uuidv7();
    await store.append(streamFor(type, useCaseId), [{
      id, type, data: data as Record<string, unknown>,
      metadata: { actor: actor.subject, role: actor.role, correlationId, causationId: null, traceparent: null, schemaVersion: latestVersion(type) },
    }], { expectedRevision });
  };

  const recorded = await store.readStream(stream).catch(() => []);
  const registered = recorded.filter((e) => e.type === 'ModelVersionRegistered').map((e) => e.data as EventData<'ModelVersionRegistered'>);
  let production: string | null = null;
  for (const e of recorded) {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'ModelPromoted' && d.stage === 'production') production = d.modelVersionId as string;
    if (e.type === 'ModelRolledBack' && d.fromModelVersionId === production) production = (d.toModelVersionId as string | null) ?? null;
  }
  let revision: number | 'no-stream' = recorded.length === 0 ? 'no-stream' : recorded.at(-1)!.revision;
  const existing = registered.find((r) => r.artifactHash === record.onnxSha256 && r.artifactUri === artifactUri);
  const modelVersionId = existing?.modelVersionId ?? uuidFromKey(`demo-pump:${useCaseId}:${record.onnxSha256}:${registered.length + 1}`);
  const version = existing?.version ?? registered.length + 1;
  if (existing === undefined) {
    const features = record.featureSpec.features.map((f) => f.name);
    await append('ModelVersionRegistered', {
      modelVersionId, useCaseId,
      runId: uuidFromKey(`demo-pump-run:${record.key}`),
      version, stage: 'candidate', format: 'onnx',
      artifactUri, artifactHash: record.onnxSha256,
      datasetId: uuidFromKey(`demo-pump-dataset:${record.key}`),
      snapshotId: uuidFromKey(`demo-pump-snapshot:${record.key}`),
      snapshotHash: record.dataSha256,
      featureSetVersion: record.featureSpec.version,
      codeVersion: detectCodeVersion(),
      seed: record.options.seed,
      spec: {
        target: record.target, features, modelType: 'gbdt', task: 'classification', imbalance: 'class-weights', imputation: 'median',
        costModel: { source: 'inline', useCaseId: null, ...record.options.costModel },
      },
      inputs: record.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
      windowSeconds: record.featureSpec.windowMinutes * 60,
      outputs: [{ name: `${record.target}_probability` }],
      metrics: record.testMetrics,
      decisionThreshold: record.threshold,
      modelCard: { markdown: ref(files.card), json: ref(files.cardJson) },
      explainer: ref(files.model),
    }, revision);
    revision = revision === 'no-stream' ? 0 : revision + 1;
  }
  if (production !== modelVersionId) {
    await append('ModelPromoted', {
      useCaseId, modelVersionId, stage: 'production',
      approvalRequestId: uuidFromKey(`demo-pump-approval:${modelVersionId}`),
      previousModelVersionId: production,
    }, revision);
  }
  return { modelVersion: modelVersionId, version, sha256: record.onnxSha256, artifactUri, threshold: record.threshold, cached };
}
