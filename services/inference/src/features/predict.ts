// Use case "predict on demand" (Predict): scores one row of named features with the production or
// shadow model of a use case and explains it. Edge validation names the offending feature.
import { InferenceError } from '../domain/errors.ts';
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';

export interface PredictInput {
  useCaseId: string;
  features: Record<string, unknown>;
  stage: 'production' | 'shadow';
}

export interface Prediction {
  modelVersionId: string;
  score: number;
  threshold: number;
  alarm: boolean;
  baseValue: number;
  contributions: { feature: string; value: number; contribution: number }[];
}

export interface Predicting {
  predict(input: PredictInput): Promise<Prediction>;
}

export function createPredicting(deps: { models: ModelHost; useCases: readonly UseCaseSpec[] }): Predicting {
  return {
    async predict(input) {
      if (!deps.useCases.some((u) => u.useCaseId === input.useCaseId))
        throw new InferenceError('INVALID_ARGUMENT', `unknown use case ${input.useCaseId}`, 'use_case_id');
      const slot = deps.models.slots(input.useCaseId)[input.stage];
      if (slot === null) throw new InferenceError('FAILED_PRECONDITION', `no ${input.stage} model is serving use case ${input.useCaseId}`, 'use_case_id');
      for (const [name, v] of Object.entries(input.features)) {
        if (!slot.inputs.includes(name))
          throw new InferenceError('INVALID_ARGUMENT', `unknown feature "${name}" (the model takes ${slot.inputs.join(', ')})`, `features.${name}`);
        if (typeof v !== 'number') throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" must be a number (got ${typeof v})`, `features.${name}`);
        if (!Number.isFinite(v))
          throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" must be a finite number (got ${String(v)})`, `features.${name}`);
      }
      const row = new Float32Array(slot.inputs.length);
      const named: Record<string, number> = {};
      slot.inputs.forEach((name, j) => {
        const v = input.features[name];
        if (v === undefined) throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" is missing`, `features.${name}`);
        row[j] = v as number;
        named[name] = v as number;
      });
      const score = (await slot.scorer.score(row, 1))[0]!;
      const ex = slot.explain(named);
      return {
        modelVersionId: slot.registered.modelVersionId,
        score,
        threshold: slot.threshold,
        alarm: score >= slot.threshold,
        baseValue: ex.baseValue,
        contributions: ex.contributions.map((c) => ({ feature: c.feature, value: c.value, contribution: c.contribution })),
      };
    },
  };
}
