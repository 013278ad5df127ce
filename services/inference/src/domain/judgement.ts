// What a model's output means for a use case's task (ADR 0016): a failure within a horizon or an
// anomaly is a score against the model's threshold; remaining useful life (hours) is against the
// use case's alert level. The alarm, the clearing hysteresis and the likelihood band, then the
// prompt's words before its action sentence. Pure.
import type { UseCaseSpec } from './usecase.ts';
import { anomalyPrompt, likelihoodOf, modelPrompt, rulLikelihood, rulPrompt, type Likelihood } from './wording.ts';

export interface Judgement {
  readonly alarm: boolean;
  /** Well clear of the alarm (counts towards clearing a standing prompt). */
  readonly clear: boolean;
  readonly likelihood: Likelihood;
}

export function judge(spec: Pick<UseCaseSpec, 'task'>, output: number, threshold: number, clearRatio: number): Judgement {
  if (spec.task.kind === 'regression') {
    const alert = spec.task.alertBelowHours;
    return { alarm: output <= alert, clear: output > alert / clearRatio, likelihood: rulLikelihood(output, alert) };
  }
  return { alarm: output >= threshold, clear: output < threshold * clearRatio, likelihood: likelihoodOf(output, threshold) };
}

/** The scoring model's horizon (its training target), else the use case's declared one, minutes. */
export function horizonMinutesOf(spec: Pick<UseCaseSpec, 'horizonHours'>, modelHorizonMinutes: number | null | undefined): number {
  return modelHorizonMinutes != null && modelHorizonMinutes > 0 ? modelHorizonMinutes : spec.horizonHours * 60;
}

/** What a model alarm says, before the action sentence. */
export function modelWords(
  spec: Pick<UseCaseSpec, 'task'>,
  p: { assetPath: string; phrases: readonly string[]; likelihood: Likelihood; output: number; horizonMinutes: number; failureWords: string },
): string {
  switch (spec.task.kind) {
    case 'regression':
      return rulPrompt({ assetPath: p.assetPath, phrases: p.phrases, rulHours: p.output, failureWords: p.failureWords });
    case 'anomaly':
      return anomalyPrompt({ assetPath: p.assetPath, phrases: p.phrases, failureWords: p.failureWords });
    default:
      return modelPrompt({
        assetPath: p.assetPath,
        phrases: p.phrases,
        likelihood: p.likelihood,
        failureWords: p.failureWords,
        horizonMinutes: p.horizonMinutes,
      });
  }
}
