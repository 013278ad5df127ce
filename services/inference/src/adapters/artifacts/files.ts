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

export { REFERENCE_FORMAT } from '@industrial/ml';
export type { ReferenceProfile } from '@industrial/ml';

export interface ModelBundle {
  readonly onnx: Uint8Array;
  readonly modelJson: string;
  readonly reference: ReferenceProfile;
}

/** Loads bundles by URI; the runtime verifies the sha256 itself. */
export interface ModelArtifacts {
  load(artifactUri: string): Promise<ModelBundle>;
}

const sidecar = (onnxPath: string, suffix: string) => onnxPath.replace(/\.onnx$/, '') + suffix;

/** Parses `<name>.reference.json` (@industrial/ml reference profile, written by training). */
export const parseReference = (json: string): ReferenceProfile => parseReferenceProfile(json);

export function fileArtifacts(): ModelArtifacts {
  return {
    async load(artifactUri) {
      if (!artifactUri.startsWith('file://')) throw new Error(`unsupported artifact URI ${artifactUri} (only file:// here)`);
      const path = fileURLToPath(artifactUri);
      const [onnx, modelJson, reference] = await Promise.all([
        readFile(path),
        readFile(sidecar(path, '.model.json'), 'utf8'),
        readFile(sidecar(path, '.reference.json'), 'utf8'),
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
