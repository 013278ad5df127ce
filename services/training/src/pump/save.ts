// A pump model as the bundle inference loads (services/inference README "Models"): the ONNX file
// `<name>.onnx` (the registered artifact, hashed in ModelVersionRegistered.artifactHash) and beside
// it `<name>.model.json` (serialised @industrial/ml model: TreeSHAP + the window spec) and
// `<name>.reference.json` (industrial-inference/reference/v1: training sample + scores); plus, for
// people, `<name>.feature-spec.json` and `<name>.model-card.{md,json}`. Deterministic bytes, so a
// rebuild with the same options rewrites identical files. The ONNX also goes into the
// content-addressed artifact store when one is given.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactStore } from '../ports.ts';
import type { BuiltPumpModel } from './model.ts';

export const PUMP_BUNDLE_NAME = 'pump-bearing-failure';

export interface SavedPumpModel {
  readonly dir: string;
  readonly name: string;
  readonly files: {
    readonly onnx: string;
    readonly model: string;
    readonly reference: string;
    readonly featureSpec: string;
    readonly card: string;
    readonly cardJson: string;
  };
  /** file:// URI of the ONNX file (what ModelVersionRegistered.artifactUri names) and its sha256. */
  readonly artifactUri: string;
  readonly sha256: string;
  /** The copy in the artifact store, when one was given. */
  readonly artifact: { readonly sha256: string; readonly uri: string } | null;
}

export const pumpBundleFiles = (dir: string, name: string = PUMP_BUNDLE_NAME): SavedPumpModel['files'] => ({
  onnx: join(dir, `${name}.onnx`),
  model: join(dir, `${name}.model.json`),
  reference: join(dir, `${name}.reference.json`),
  featureSpec: join(dir, `${name}.feature-spec.json`),
  card: join(dir, `${name}.model-card.md`),
  cardJson: join(dir, `${name}.model-card.json`),
});

/** Writes the bundle into `dir` (file names from `name`, default `pump-bearing-failure`). */
export async function savePumpModel(built: BuiltPumpModel, dir: string, artifacts?: ArtifactStore, options: { name?: string } = {}): Promise<SavedPumpModel> {
  const abs = resolve(dir);
  const name = options.name ?? PUMP_BUNDLE_NAME;
  mkdirSync(abs, { recursive: true });
  const files = pumpBundleFiles(abs, name);
  const sha256 = createHash('sha256').update(built.onnx).digest('hex');
  if (sha256 !== built.onnxSha256) throw new Error(`ONNX bytes hash to ${sha256}, the build recorded ${built.onnxSha256}`);
  writeFileSync(files.model, built.modelJson);
  writeFileSync(files.reference, JSON.stringify(built.reference));
  writeFileSync(
    files.featureSpec,
    `${JSON.stringify({ ...built.featureSpec, onnxSha256: built.onnxSha256, inputs: built.model.pipeline.inputs, threshold: built.threshold }, null, 2)}\n`,
  );
  writeFileSync(files.card, built.card.markdown);
  writeFileSync(files.cardJson, `${JSON.stringify(built.card.json, null, 2)}\n`);
  // the ONNX last: a bundle whose ONNX exists is complete
  writeFileSync(files.onnx, built.onnx);
  const artifact = artifacts === undefined ? null : await artifacts.put(built.onnx);
  return { dir: abs, name, files, artifactUri: pathToFileURL(files.onnx).href, sha256, artifact };
}
