// A real pump model for a one-process launcher at first start: builds the bearing-failure model
// (or reuses the build cached in `artifactsDir`, keyed by the options), stores the bundle inference
// loads, and puts it into production through governance's registry (its public entry, in process
// over the same store; governance writes every event of `model-<useCase>`): the version is
// registered, then promoted by a BREAK-GLASS promotion — the four-eyes workflow is skipped for a
// first look, and the registry records it as such (approval request, approval with the condition
// "break-glass: …" by the named setup account, promotion, each with the reason). Idempotent: the
// same model already registered and serving is returned as it is.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { uuidFromKey, uuidv7 } from '@industrial/contracts/ids';
import type { EventStore } from '@industrial/eventstore';
import { createModelRegistry } from '@industrial/governance';
import type { Cause } from '@industrial/kernel';
import type { ClassificationMetrics } from '@industrial/ml';
import { detectCodeVersion } from '../adapters/code-version.ts';
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
  /** Recorded as the events' actor: the named account that breaks the glass for the demo (e.g. `svc:platform-setup`, role `service`). */
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
export async function ensurePumpBundle(
  artifactsDir: string,
  options: Partial<PumpModelOptions> = {},
): Promise<{ dir: string; record: BuildRecord; cached: boolean }> {
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
    key,
    onnxSha256: built.onnxSha256,
    threshold: built.threshold,
    target: built.featureSpec.target,
    featureSpec: pumpFeatureSpecOf(built.featureSpec),
    dataSha256: built.dataSha256,
    testMetrics: flatMetrics(built.metrics.test as ClassificationMetrics),
    options: o,
  };
  writeFileSync(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  return { dir, record, cached: false };
}

function pumpFeatureSpecOf(s: PumpFeatureSpec & { target?: string; horizonHours?: number; capHours?: number }): PumpFeatureSpec {
  const { target: _t, horizonHours: _h, capHours: _c, ...spec } = s;
  return spec;
}

export const DEMO_BREAK_GLASS_REASON =
  'demo model of the one-process launcher (npm start): trained from the simulated plant and put into production for a first look, without a four-eyes approval';

/** Builds (or reuses) the pump model, stores its bundle, registers it and promotes it to production (break glass, recorded). */
export async function registerDemoPumpModel(input: RegisterDemoPumpModelInput): Promise<DemoPumpModel> {
  const { useCaseId, actor } = input;
  const { dir, record, cached } = await ensurePumpBundle(input.artifactsDir, input.options);
  const files = pumpBundleFiles(dir);
  const artifactUri = pathToFileURL(files.onnx).href;
  const ref = (path: string) => ({ uri: pathToFileURL(path).href, sha256: sha256(readFileSync(path)) });
  const cause: Cause = { actor: actor.subject, role: actor.role, correlationId: actor.correlationId ?? uuidv7(), causationId: null, traceparent: null };
  const registry = createModelRegistry(input.store);

  const state = await registry.list(useCaseId);
  const existing = [...state.deployments.registered.values()].find((r) => r.artifactHash === record.onnxSha256 && r.artifactUri === artifactUri);
  const features = record.featureSpec.features.map((f) => f.name);
  const { registered } =
    existing !== undefined
      ? { registered: existing }
      : await registry.register(
          {
            modelVersionId: uuidFromKey(`demo-pump:${useCaseId}:${record.onnxSha256}:${artifactUri}`),
            useCaseId,
            runId: uuidFromKey(`demo-pump-run:${useCaseId}:${record.key}:${artifactUri}`),
            stage: 'candidate',
            format: 'onnx',
            artifactUri,
            artifactHash: record.onnxSha256,
            datasetId: uuidFromKey(`demo-pump-dataset:${record.key}`),
            snapshotId: uuidFromKey(`demo-pump-snapshot:${record.key}`),
            snapshotHash: record.dataSha256,
            featureSetVersion: record.featureSpec.version,
            codeVersion: detectCodeVersion(),
            seed: record.options.seed,
            spec: {
              target: record.target,
              features,
              modelType: 'gbdt',
              task: 'classification',
              imbalance: 'class-weights',
              imputation: 'median',
              costModel: { source: 'inline', useCaseId: null, ...record.options.costModel },
            },
            inputs: record.featureSpec.features.map((f) => ({ name: f.name, unit: f.unit })),
            windowSeconds: record.featureSpec.windowMinutes * 60,
            outputs: [{ name: `${record.target}_probability` }],
            metrics: record.testMetrics,
            decisionThreshold: record.threshold,
            modelCard: { markdown: ref(files.card), json: ref(files.cardJson) },
            explainer: ref(files.model),
          },
          cause,
        );
  const modelVersionId = registered.modelVersionId;
  if ((state.deployments.production.get(useCaseId) ?? null) !== modelVersionId) {
    await registry.breakGlassPromote({ useCaseId, modelVersionId, stage: 'production', scope: null, reason: DEMO_BREAK_GLASS_REASON }, cause);
  }
  return { modelVersion: modelVersionId, version: registered.version, sha256: record.onnxSha256, artifactUri, threshold: record.threshold, cached };
}
