// The normal band of each evidence signal of a prompt, for the operator's small trends: for a
// model's prompt, the 5th–95th percentile of the input in the model's training reference (when
// the version that raised it is loaded here); for a rule-based prompt, the serving spec's declared
// limits (`below` → low, `above` → high).
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';
import type { LoadedModel } from './ports.ts';

export interface Band {
  readonly normalLow: number | null;
  readonly normalHigh: number | null;
}

export interface BandSubject {
  readonly useCaseId: string;
  readonly assetPath: string;
  readonly modelVersionId: string | null;
  readonly source: string;
}

export type EvidenceBands = (subject: BandSubject) => Record<string, Band>;

/** The q-quantile of an ascending sample (linear between ranks); null when empty. */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function referenceBands(model: Pick<LoadedModel, 'inputs' | 'referenceSorted'>): Record<string, Band> {
  const out: Record<string, Band> = {};
  model.inputs.forEach((name, j) => {
    const ref = model.referenceSorted[j];
    if (!ref || ref.length === 0) return;
    out[name] = { normalLow: sortedQuantile(ref, 0.05), normalHigh: sortedQuantile(ref, 0.95) };
  });
  return out;
}

export function ruleBands(spec: Pick<UseCaseSpec, 'rules'>): Record<string, Band> {
  const out: Record<string, { normalLow: number | null; normalHigh: number | null }> = {};
  for (const r of spec.rules) {
    const b = (out[r.feature] ??= { normalLow: null, normalHigh: null });
    if (r.below !== undefined) b.normalLow = b.normalLow === null ? r.below : Math.max(b.normalLow, r.below);
    if (r.above !== undefined) b.normalHigh = b.normalHigh === null ? r.above : Math.min(b.normalHigh, r.above);
  }
  return out;
}

export function createEvidenceBands(deps: { models: ModelHost; useCases: () => readonly UseCaseSpec[] }): EvidenceBands {
  return (s) => {
    const spec = deps.useCases().find((u) => u.useCaseId === s.useCaseId);
    if (s.source !== 'model' || s.modelVersionId === null) return spec ? ruleBands(spec) : {};
    const slots = [deps.models.slotsFor(s.useCaseId, s.assetPath), deps.models.slots(s.useCaseId)];
    const model = slots.flatMap((x) => [x.production, x.shadow]).find((m) => m?.registered.modelVersionId === s.modelVersionId);
    return model ? referenceBands(model) : {};
  };
}
