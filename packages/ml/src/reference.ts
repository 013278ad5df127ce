// The reference profile of a model: a sample of its training rows per raw input plus the model's
// scores on them. Inference checks the ONNX file against the explanation sidecar on these rows at
// warm-up and measures drift against them. Written by training beside the model, read by
// inference (`<name>.reference.json`); only complete rows (every input finite) are kept, since
// JSON cannot hold NaN. Pure.
import type { Dataset } from './dataset.ts';
import { scoreRaw, type Model } from './model.ts';

export const REFERENCE_FORMAT = 'industrial-inference/reference/v1';

export interface ReferenceProfile {
  readonly format: typeof REFERENCE_FORMAT;
  /** The model's raw inputs, in ONNX column order. */
  readonly inputs: readonly string[];
  /** Reference sample per input (training rows), same order as `inputs`. */
  readonly columns: readonly (readonly number[])[];
  /** Model scores on the same rows (prediction drift reference). */
  readonly scores: readonly number[];
}

/** Every `⌈rows / maxRows⌉`-th complete row of `rows` (default: all rows of the dataset), scored by `model`. */
export function buildReferenceProfile(model: Model, ds: Dataset, options: { rows?: ArrayLike<number>; maxRows?: number } = {}): ReferenceProfile {
  const inputs = model.pipeline.inputs;
  const cols = inputs.map((name) => {
    const c = ds.columns[name];
    if (c === undefined) throw new Error(`reference profile: the dataset has no column ${name}`);
    return c;
  });
  const all = options.rows ?? Int32Array.from({ length: ds.nRows }, (_, i) => i);
  const complete: number[] = [];
  for (let k = 0; k < all.length; k++) {
    const i = all[k]!;
    if (cols.every((c) => Number.isFinite(c[i]!))) complete.push(i);
  }
  const maxRows = options.maxRows ?? 2000;
  const stride = Math.max(1, Math.ceil(complete.length / maxRows));
  const picked = complete.filter((_, k) => k % stride === 0);
  const p = inputs.length;
  const raw = new Float64Array(picked.length * p);
  picked.forEach((i, r) => cols.forEach((c, j) => (raw[r * p + j] = c[i]!)));
  const scores = scoreRaw(model, raw, picked.length);
  return { format: REFERENCE_FORMAT, inputs: [...inputs], columns: cols.map((c) => picked.map((i) => c[i]!)), scores: Array.from(scores) };
}

export function parseReferenceProfile(json: string): ReferenceProfile {
  const r = JSON.parse(json) as Partial<ReferenceProfile>;
  if (r.format !== REFERENCE_FORMAT || !Array.isArray(r.inputs) || !Array.isArray(r.columns) || r.columns.length !== r.inputs.length) {
    throw new Error(`not a ${REFERENCE_FORMAT} reference profile`);
  }
  return { format: REFERENCE_FORMAT, inputs: r.inputs, columns: r.columns, scores: Array.isArray(r.scores) ? r.scores : [] };
}
