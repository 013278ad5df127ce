// Model bundles on a file system. The registered artifact (ModelVersionRegistered.artifactUri,
// hashed in artifactHash) is the ONNX file; beside it, `<name>.model.json` holds the serialised
// @industrial/ml model (explanations need its tree covers, which ONNX cannot hold; it also carries
// the window spec live rows are computed with) and `<name>.reference.json` the training reference
// sample per input (drift). Training's savePumpModel writes exactly these files. Both sidecars are
// checked against the ONNX at warm-up (same scores on the reference rows), not trusted blindly.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseReferenceProfile, type ReferenceProfile } from '@industrial/ml';
import type { ArtifactRef, ModelSidecars } from '../../domain/deployments.ts';

export { REFERENCE_FORMAT } from '@industrial/ml';
export type { ReferenceProfile } from '@industrial/ml';

export interface ModelBundle {
  readonly onnx: Uint8Array;
  readonly modelJson: string;
  readonly reference: ReferenceProfile;
}

/**
 * Loads bundles by URI; the runtime verifies the ONNX sha256 itself. With `sidecars` (the training
 * service's content-addressed explainer and reference), those are read and checked against their
 * recorded sha256; without, the `<name>.model.json` / `.reference.json` files beside the ONNX file.
 */
export interface ModelArtifacts {
  load(artifactUri: string, sidecars?: ModelSidecars): Promise<ModelBundle>;
}

const sidecar = (onnxPath: string, suffix: string) => onnxPath.replace(/\.onnx$/, '') + suffix;

function filePath(uri: string): string {
  if (!uri.startsWith('file://')) throw new Error(`unsupported artifact URI ${uri} (only file:// here)`);
  return fileURLToPath(uri);
}

/** A content-addressed sidecar, refused when its bytes no longer match the recorded sha256. */
async function readChecked(ref: ArtifactRef, what: string): Promise<string> {
  const bytes = await readFile(filePath(ref.uri));
  const actual = sha256Of(bytes);
  if (actual !== ref.sha256) throw new Error(`the ${what} artifact ${ref.uri} does not match its recorded sha256 (recorded ${ref.sha256}, file ${actual})`);
  return bytes.toString('utf8');
}

/** Parses `<name>.reference.json` (@industrial/ml reference profile, written by training). */
export const parseReference = (json: string): ReferenceProfile => parseReferenceProfile(json);

export function fileArtifacts(): ModelArtifacts {
  return {
    async load(artifactUri, sidecars) {
      const path = filePath(artifactUri);
      const [onnx, modelJson, reference] = await Promise.all([
        readFile(path),
        sidecars?.explainer === undefined ? readFile(sidecar(path, '.model.json'), 'utf8') : readChecked(sidecars.explainer, 'explainer'),
        sidecars?.reference === undefined ? readFile(sidecar(path, '.reference.json'), 'utf8') : readChecked(sidecars.reference, 'reference'),
      ]);
      return { onnx: new Uint8Array(onnx.buffer, onnx.byteOffset, onnx.byteLength), modelJson, reference: parseReference(reference) };
    },
  };
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes a bundle (tests, the engineer CLI, training until it stores its own); returns the URI and sha256. */
export async function writeModelBundle(dir: string, name: string, bundle: ModelBundle): Promise<{ artifactUri: string; artifactHash: string }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.onnx`);
  await writeFile(path, bundle.onnx);
  await writeFile(sidecar(path, '.model.json'), bundle.modelJson);
  await writeFile(sidecar(path, '.reference.json'), JSON.stringify(bundle.reference));
  return { artifactUri: pathToFileURL(path).href, artifactHash: sha256Of(bundle.onnx) };
}
