// Operator wording: a plain-language prompt from the explanation, the evidence templates and the
// use case's actions (all data, ADR 0016). Rules (README): name the asset, say what is wrong in
// the plant's units, how likely and how soon in words (the horizon of the model that scored), and
// one action whose deadline words agree with the countdown. Never a probability, a score, a
// threshold or model jargon; those numbers stay in the event. Rule-based prompts say why. Pure.
import type { EvidenceTemplate, RuleLimit } from './usecase.ts';

/** "acme.plant-1.utilities.cooling-water.pump-4" or "pump-4" → "Pump 4". */
export function assetDisplayName(assetPath: string): string {
  const asset = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  const words = asset.split(/[-_]+/).filter((w) => w !== '');
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The time left, to the minute, as the countdown shows it: 60 → "within the next hour", 30 →
 * "within 30 minutes", 120 → "within the next 2 hours", 95 → "within 1 hour 35 minutes".
 */
export function deadlinePhrase(minutes: number): string {
  if (minutes <= 0) return 'now: the deadline has passed';
  if (minutes < 1.5) return 'within a minute';
  if (minutes < 59.5) return `within ${Math.round(minutes)} minutes`;
  let hours = Math.floor(minutes / 60);
  let rest = Math.round(minutes - hours * 60);
  if (rest === 60) {
    hours++;
    rest = 0;
  }
  if (hours >= 48 && rest === 0 && hours % 24 === 0) return `within the next ${hours / 24} days`;
  if (rest === 0) return hours === 1 ? 'within the next hour' : `within the next ${hours} hours`;
  return `within ${hours} ${hours === 1 ? 'hour' : 'hours'} ${rest} ${rest === 1 ? 'minute' : 'minutes'}`;
}

export type Likelihood = 'low' | 'medium' | 'high';

/** Likelihood band from the score's place between the threshold and 1 (a score below the threshold is not a prompt). */
export function likelihoodOf(score: number, threshold: number): Likelihood {
  const t = Math.min(Math.max(threshold, 0), 0.999);
  const x = (score - t) / (1 - t);
  return x >= 0.6 ? 'high' : x >= 0.25 ? 'medium' : 'low';
}

/** Remaining useful life (hours) against the alert level → likelihood band. */
export function rulLikelihood(rulHours: number, alertBelowHours: number): Likelihood {
  return rulHours <= alertBelowHours / 3 ? 'high' : rulHours <= (2 * alertBelowHours) / 3 ? 'medium' : 'low';
}

const LIKELY_WORDS: Record<Likelihood, string> = { high: 'very likely', medium: 'likely', low: 'possible' };
export const likelihoodWords = (l: Likelihood): string => LIKELY_WORDS[l];

/** 120 → "2 hours", 30 → "30 minutes", 60 → "1 hour", 2880 → "2 days". */
export function durationWords(minutes: number): string {
  if (minutes < 60) return `${Math.max(1, Math.round(minutes))} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return hours === 1 ? '1 hour' : `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

export interface ExplainedFeature {
  readonly feature: string;
  /** Feature value in its unit (after the feature module, before scaling). */
  readonly value: number;
  /** Contribution to the margin; positive pushes towards failure. */
  readonly contribution: number;
  /** What the feature is computed from (the model's window spec), when it is a window feature. */
  readonly source?: { readonly tag: string; readonly statistic: string } | null;
  /** Its normal value (training reference median), NaN when unknown. */
  readonly normal?: number;
}

const fixed = (v: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};

/**
 * A template evaluated on a feature value (`normal`: the training reference median, NaN unknown):
 * "bearing temperature 18 °C above normal", "fill pressure 0.4 bar below normal", "torque at
 * 62 Nm", "vibration rising"; null when the change is smaller than the template's minimum.
 */
export function evidencePhrase(t: EvidenceTemplate, value: number, normal: number): string | null {
  if (!Number.isFinite(value)) return null;
  const unit = t.unit === '' ? '' : ` ${t.unit}`;
  switch (t.comparison) {
    case 'above-reference':
    case 'below-reference': {
      if (!Number.isFinite(normal)) return null;
      const d = fixed(t.comparison === 'above-reference' ? value - normal : normal - value, t.decimals);
      return d >= t.minChange && d > 0 ? `${t.words} ${d}${unit} ${t.comparison === 'above-reference' ? 'above' : 'below'} normal` : null;
    }
    case 'value-above':
      return value >= t.minChange ? `${t.words} at ${fixed(value, t.decimals)}${unit}` : null;
    case 'value-below':
      return value <= t.minChange ? `${t.words} down to ${fixed(value, t.decimals)}${unit}` : null;
    case 'rising':
      return value > t.minChange ? `${t.words} rising` : null;
    case 'falling':
      return -value > t.minChange ? `${t.words} falling` : null;
    default:
      return null;
  }
}

/** The evidence phrases, strongest positive contribution first, at most `max`. */
export function evidencePhrases(explained: readonly ExplainedFeature[], templates: readonly EvidenceTemplate[], max = 2): string[] {
  const phrases: string[] = [];
  const ranked = [...explained].filter((e) => e.contribution > 0).sort((a, b) => b.contribution - a.contribution);
  for (const e of ranked) {
    const src = e.source;
    const template = src == null ? undefined : templates.find((t) => t.tag === src.tag && t.statistic === src.statistic);
    const phrase = template === undefined ? null : evidencePhrase(template, e.value, e.normal ?? NaN);
    if (phrase !== null && !phrases.includes(phrase)) phrases.push(phrase);
    if (phrases.length >= max) break;
  }
  return phrases;
}

function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * "Inspect the pump 4 bearing within the next hour." — the action's words with the asset's name
 * and the time left until the prompt's deadline (`minutesLeft`: the whole deadline when raised,
 * what is left of the same deadline on an update, so the text and the countdown agree).
 */
export function actionText(text: string, assetPath: string, minutesLeft: number): string {
  const name = assetDisplayName(assetPath).toLowerCase();
  const withAsset = text.includes('{asset}') ? text.replaceAll('{asset}', name) : text;
  return `${sentence(withAsset)} ${deadlinePhrase(minutesLeft)}.`;
}

export interface ModelPromptInput {
  readonly assetPath: string;
  readonly phrases: readonly string[];
  readonly likelihood: Likelihood;
  /** The failure mode in the plant's words ("bearing failure"). */
  readonly failureWords: string;
  /** The scoring model's horizon, minutes. */
  readonly horizonMinutes: number;
}

const evidenceText = (phrases: readonly string[]) => (phrases.length === 0 ? 'readings are moving away from normal' : phrases.join(' and '));

/** "Pump 4: bearing temperature 18 °C above normal and vibration rising. Bearing failure is very likely within 2 hours." (the action follows) */
export function modelPrompt(p: ModelPromptInput): string {
  return `${assetDisplayName(p.assetPath)}: ${evidenceText(p.phrases)}. ${sentence(p.failureWords)} is ${likelihoodWords(p.likelihood)} within ${durationWords(p.horizonMinutes)}.`;
}

/** "Pump 2: vibration 1.2 mm/s above normal. About 6 hours of running left before bearing failure." (the action follows) */
export function rulPrompt(p: {
  readonly assetPath: string;
  readonly phrases: readonly string[];
  readonly rulHours: number;
  readonly failureWords: string;
}): string {
  const h = Math.max(0, p.rulHours);
  const left = h < 1 ? 'less than an hour' : `about ${durationWords(h * 60)}`;
  return `${assetDisplayName(p.assetPath)}: ${evidenceText(p.phrases)}. ${sentence(left)} of running left before ${p.failureWords}.`;
}

/** "Mill 1: torque 12 Nm above normal. It is running unlike its normal operation (possible tool wear)." (the action follows) */
export function anomalyPrompt(p: { readonly assetPath: string; readonly phrases: readonly string[]; readonly failureWords: string }): string {
  return `${assetDisplayName(p.assetPath)}: ${evidenceText(p.phrases)}. It is running unlike its normal operation (possible ${p.failureWords}).`;
}

export interface RulePromptInput {
  readonly assetPath: string;
  readonly violations: ReadonlyArray<{ readonly rule: RuleLimit }>;
  readonly why: 'model-unavailable' | 'inputs-bad' | 'drift';
}

const WHY: Record<RulePromptInput['why'], string> = {
  'model-unavailable': 'the prediction is not available',
  'inputs-bad': 'some readings are missing',
  drift: 'the prediction is paused while the plant runs differently from its training',
};

const limitWords = (r: RuleLimit) => {
  if (r.says !== undefined) return r.says;
  const unit = r.unit === '' ? '' : ` ${r.unit}`;
  return r.above !== undefined ? `${r.words} above its limit of ${r.above}${unit}` : `${r.words} below its limit of ${r.below}${unit}`;
};

/** "Pump 4 (rule-based check, the prediction is not available): bearing temperature above its limit of 75 °C." (the action follows) */
export function rulePrompt(p: RulePromptInput): string {
  return `${assetDisplayName(p.assetPath)} (rule-based check, ${WHY[p.why]}): ${p.violations.map((v) => limitWords(v.rule)).join(' and ')}.`;
}

const JARGON = /%|probab|\bscore|shap|logit|margin|threshold|confidence|\bp\s*=|\b0\.\d/i;

/** True when the text holds no probability, score or model jargon (the wording rule, also tested). */
export function isPlainLanguage(text: string): boolean {
  return !JARGON.test(text);
}
