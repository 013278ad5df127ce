// Operator wording: a plain-language prompt from the explanation, the evidence templates and the
// action catalogue. Rules (README): name the asset, say what is wrong in the plant's units, how
// likely and how soon in words, and one action with a deadline. Never a probability, a score, a
// threshold or model jargon; those numbers stay in the event. Rule-based prompts say so. Pure.
import type { EvidenceTemplate, RuleLimit } from './usecase.ts';

/** "acme.plant-1.utilities.cooling-water.pump-4" or "pump-4" → "Pump 4". */
export function assetDisplayName(assetPath: string): string {
  const asset = assetPath.slice(assetPath.lastIndexOf('.') + 1);
  const words = asset.split(/[-_]+/).filter((w) => w !== '');
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** 60 → "within the next hour", 30 → "within 30 minutes", 120 → "within the next 2 hours". */
export function deadlinePhrase(minutes: number): string {
  if (minutes < 60) return `within ${Math.max(1, Math.round(minutes))} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours === 1) return 'within the next hour';
  if (hours < 48) return `within the next ${hours} hours`;
  return `within the next ${Math.round(hours / 24)} days`;
}

/** Likelihood in words from the score's distance above the threshold. */
export function likelihoodWords(score: number, threshold: number): 'likely' | 'very likely' {
  return score >= Math.max(0.9, threshold + (1 - threshold) * 0.6) ? 'very likely' : 'likely';
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

/** The evidence phrases, strongest positive contribution first, at most `max`. */
export function evidencePhrases(explained: readonly ExplainedFeature[], templates: readonly EvidenceTemplate[], max = 2): string[] {
  const phrases: string[] = [];
  const ranked = [...explained].filter((e) => e.contribution > 0).sort((a, b) => b.contribution - a.contribution);
  for (const e of ranked) {
    const src = e.source;
    const template = src == null ? undefined : templates.find((t) => t.tag === src.tag && t.statistic === src.statistic);
    const phrase = template?.phrase(e.value, e.normal ?? NaN) ?? null;
    if (phrase !== null && !phrases.includes(phrase)) phrases.push(phrase);
    if (phrases.length >= max) break;
  }
  return phrases;
}

function sentence(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "Inspect the {asset} bearing" with the asset's display name in lower case. */
export function actionText(label: string, assetPath: string, maxResponseMinutes: number): string {
  const name = assetDisplayName(assetPath).toLowerCase();
  const withAsset = label.includes('{asset}') ? label.replaceAll('{asset}', name) : label;
  return `${sentence(withAsset)} ${deadlinePhrase(maxResponseMinutes)}.`;
}

export interface ModelPromptInput {
  readonly assetPath: string;
  readonly phrases: readonly string[];
  readonly likelihood: 'likely' | 'very likely';
  readonly failureWords: string;
  readonly horizonHours: number;
  readonly action: string;
}

/** "Pump 4: bearing temperature 18 °C above normal and vibration rising. Failure is very likely within 8 hours. Inspect … within the next hour." */
export function modelPrompt(p: ModelPromptInput): string {
  const evidence = p.phrases.length === 0 ? 'readings are moving away from normal' : p.phrases.join(' and ');
  return `${assetDisplayName(p.assetPath)}: ${evidence}. ${sentence(p.failureWords)} is ${p.likelihood} within ${p.horizonHours} hours. ${p.action}`;
}

export interface RulePromptInput {
  readonly assetPath: string;
  readonly violations: ReadonlyArray<{ readonly rule: RuleLimit }>;
  readonly why: 'model-unavailable' | 'inputs-bad' | 'drift';
  readonly action: string;
}

const WHY: Record<RulePromptInput['why'], string> = {
  'model-unavailable': 'the prediction is not available',
  'inputs-bad': 'some readings are missing',
  drift: 'the prediction is paused while the plant runs differently from its training',
};

/** "Pump 4 (rule-based check, because …): bearing temperature above its limit of 75 °C. Inspect …" */
export function rulePrompt(p: RulePromptInput): string {
  const what = p.violations.map((v) => `${v.rule.what} above its limit of ${v.rule.above} ${v.rule.unit}`).join(' and ');
  return `${assetDisplayName(p.assetPath)} (rule-based check, ${WHY[p.why]}): ${what}. ${p.action}`;
}

const JARGON = /%|probab|\bscore|shap|logit|margin|threshold|confidence|\bp\s*=|\b0\.\d/i;

/** True when the text holds no probability, score or model jargon (the wording rule, also tested). */
export function isPlainLanguage(text: string): boolean {
  return !JARGON.test(text);
}
