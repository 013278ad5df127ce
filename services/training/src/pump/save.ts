// Where inference finds a pump model: a directory with fixed file names (deterministic bytes, so a
// rebuild with the same options rewrites identical files), plus the ONNX in the content-addressed
// artifact store when one is given.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from '../ports.ts';
import type { BuiltPumpModel } from './model.ts';

export interface SavedPumpModel {
  readonly dir: string;
  readonly files: { readonly onnx: string; readonly model: string; readonly featureSpec: string; readonly card: string; readonly cardJson: string };
  readonly artifact: { readonly sha256: string; readonly uri: string } | null;
}

/** Writes `<dir>/model.onnx`, `model.json`, `feature-spec.json`, `model-card.md`, `model-card.json`. */
export async function savePumpModel(built: BuiltPumpModel, dir: string, artifacts?: ArtifactStore): Promise<SavedPumpModel> {
  mkdirSync(dir, { recursive: true });
  const files = { onnx: join(dir, 'model.onnx'), model: join(dir, 'model.json'), featureSpec: join(dir, 'feature-spec.json'), card: join(dir, 'model-card.md'), cardJson: join(dir, 'model-card.json') };
  writeFileSync(files.onnx, built.onnx);
  writeFileSync(files.model, built.modelJson);
  writeFileSync(files.featureSpec, `${JSON.stringify({ ...built.featureSpec, onnxSha256: built.onnxSha256, inputs: built.model.pipeline.inputs, threshold: built.threshold }, null, 2)}\n`);
  writeFileSync(files.card, built.card.markdown);
  writeFileSync(files.cardJson, `${JSON.stringify(built.card.json, null, 2)}\n`);
  const artifact = artifacts === undefined ? null : await artifacts.put(built.onnx);
  return { dir, files, artifact };
}
