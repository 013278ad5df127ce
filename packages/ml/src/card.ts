// Model card (JSON + Markdown): intended use, data and its hash, features, metrics,
// threshold and cost, importance, stress results, limitations.

import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.ts';
import type { FeatureJson } from './features.ts';
import type { ImbalanceReport } from './imbalance.ts';
import type { ClassificationMetrics, RegressionMetrics } from './metrics.ts';
import type { Importance } from './explain.ts';
import type { StressResult } from './stress.ts';
import type { CostReport, ThresholdRule } from './threshold.ts';

/** sha256 over the named columns (names, then float64 little-endian values) in row order. */
export function datasetSha256(ds: Dataset, columns: readonly string[]): string {
  const h = createHash('sha256');
  for (const name of columns) {
    const c = ds.columns[name];
    if (!c) continue;
    h.update(`${name}\n`);
    h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  }
  return h.digest('hex');
}

export interface ModelCard {
  readonly name: string;
  readonly version: string;
  readonly intendedUse: string;
  readonly modelType: string;
  readonly task: string;
  readonly target: string;
  readonly seed: number;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly data: {
    readonly rows: number;
    readonly sha256: string;
    readonly columns: readonly string[];
    readonly split: { readonly kind: string; readonly train: number; readonly validation: number; readonly test: number };
  };
  readonly features: readonly (FeatureJson & { readonly inputs: readonly string[] })[];
  readonly preprocessing: { readonly imputation: string; readonly scaling: string };
  readonly imbalance: ImbalanceReport | null;
  readonly threshold: {
    readonly rule: ThresholdRule | null;
    readonly value: number | null;
    readonly validationCost: CostReport | null;
    readonly testCost: CostReport | null;
  };
  readonly metrics: { readonly validation: ClassificationMetrics | RegressionMetrics; readonly test: ClassificationMetrics | RegressionMetrics };
  readonly importance: readonly Importance[];
  readonly stress: StressResult;
  readonly onnx: { readonly sha256: string; readonly opset: number; readonly mlOpset: number; readonly bytes: number };
  readonly limitations: readonly string[];
}

const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

export function renderCardMarkdown(c: ModelCard): string {
  const L: string[] = [];
  L.push(`# Model card: ${c.name} (${c.version})`, '');
  L.push(`- **Intended use:** ${c.intendedUse}`, `- **Model:** ${c.modelType} (${c.task}), target \`${c.target}\`, seed ${c.seed}`);
  L.push(
    `- **Data:** ${c.data.rows} rows, sha256 \`${c.data.sha256}\`; split ${c.data.split.kind}: train ${c.data.split.train}, validation ${c.data.split.validation}, test ${c.data.split.test}`,
  );
  L.push(`- **Preprocessing:** imputation ${c.preprocessing.imputation}, scaling ${c.preprocessing.scaling}`);
  if (c.imbalance)
    L.push(
      `- **Imbalance:** ${c.imbalance.strategy}; train before ${c.imbalance.before.positives}/${c.imbalance.before.negatives + c.imbalance.before.positives} positive, after ${c.imbalance.after.positives}/${c.imbalance.after.negatives + c.imbalance.after.positives}`,
    );
  L.push(`- **ONNX:** sha256 \`${c.onnx.sha256}\`, opset ${c.onnx.opset} + ai.onnx.ml ${c.onnx.mlOpset}, ${c.onnx.bytes} bytes`, '');
  L.push('## Features', '', '| name | unit | inputs | description |', '|---|---|---|---|');
  for (const f of c.features) L.push(`| ${f.name} | ${f.unit} | ${f.inputs.join(', ')} | ${f.description} |`);
  L.push('', '## Metrics', '', '| part | metric | value |', '|---|---|---|');
  for (const part of ['validation', 'test'] as const) {
    const m = c.metrics[part] as unknown as Record<string, unknown>;
    for (const k of ['rows', 'positives', 'precision', 'recall', 'f1', 'prAuc', 'rocAuc', 'brier', 'rmse', 'mae'])
      if (typeof m[k] === 'number') L.push(`| ${part} | ${k} | ${fmt(m[k])} |`);
  }
  if (c.threshold.value !== null) {
    L.push('', '## Threshold', '', `Rule ${JSON.stringify(c.threshold.rule)}; alarm when score ≥ ${fmt(c.threshold.value)}.`);
    if (c.threshold.testCost)
      L.push(
        `On the test part: cost ${fmt(c.threshold.testCost.cost)} vs ${fmt(c.threshold.testCost.costWithoutModel)} without the model, savings ${fmt(c.threshold.testCost.savings)} (${(c.threshold.testCost.savingsFraction * 100).toFixed(1)} %).`,
      );
  }
  L.push('', '## Permutation importance (test part)', '', '| feature | drop | std |', '|---|---|---|');
  for (const i of c.importance) L.push(`| ${i.feature} | ${fmt(i.drop)} | ${fmt(i.std)} |`);
  L.push('', `## Stress (${c.stress.metric}, baseline ${fmt(c.stress.baseline)})`, '', '| perturbation | value | drop |', '|---|---|---|');
  for (const s of c.stress.noise) L.push(`| Gaussian noise σ = ${s.sigma} × std | ${fmt(s.value)} | ${fmt(s.drop)} |`);
  for (const s of c.stress.dropped) L.push(`| ${s.sensor} dropped (imputed) | ${fmt(s.value)} | ${fmt(s.drop)} |`);
  L.push('', '## Limitations', '');
  for (const l of c.limitations) L.push(`- ${l}`);
  return L.join('\n') + '\n';
}
