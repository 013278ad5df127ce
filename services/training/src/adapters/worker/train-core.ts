// One training job → plain data: runs @industrial/ml's train() and flattens what the service
// records. Used inside the worker thread and by the inline trainer. No I/O.
// Must stay erasable TypeScript (no enums, no parameter properties): the worker thread loads it
// with Node's own type stripping.
import {
  buildReferenceProfile,
  createDataset,
  reviveFeature,
  serialiseModel,
  train,
  type ClassificationMetrics,
  type RegressionMetrics,
  type TrainSpec,
} from '@industrial/ml';
import type { TrainJob, TrainOutput } from '../../ports.ts';

export function flatMetrics(m: ClassificationMetrics | RegressionMetrics): Record<string, number> {
  if ('rmse' in m) return { rows: m.rows, rmse: m.rmse, mae: m.mae };
  const out: Record<string, number> = {
    rows: m.rows,
    positives: m.positives,
    threshold: m.threshold,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    pr_auc: m.prAuc,
    roc_auc: m.rocAuc,
    tp: m.confusion.tp,
    fp: m.confusion.fp,
    tn: m.confusion.tn,
    fn: m.confusion.fn,
  };
  if (m.brier !== undefined) out.brier = m.brier;
  // NaN (e.g. ROC-AUC of a test part without positives) is not a number the contracts accept.
  for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k];
  return out;
}

export function runTrain(job: TrainJob): TrainOutput {
  const spec: TrainSpec = { ...job.spec, features: job.spec.features.map(reviveFeature) };
  const dataset = createDataset(job.columns);
  const r = train(spec, dataset);
  const trainRows = spec.split.kind === 'indices' ? { rows: spec.split.train } : {};
  return {
    onnx: r.onnx,
    onnxSha256: r.onnxSha256,
    modelJson: serialiseModel(r.model),
    referenceJson: JSON.stringify(buildReferenceProfile(r.model, dataset, trainRows)),
    cardJson: JSON.stringify(r.card.json, null, 2),
    cardMarkdown: r.card.markdown,
    task: r.model.task,
    threshold: r.threshold,
    metrics: flatMetrics(r.metrics.test),
    validationMetrics: flatMetrics(r.metrics.validation),
    importance: r.importance.map((i) => ({ feature: i.feature, drop: i.drop, std: i.std })),
    inputs: [...r.model.pipeline.inputs],
  };
}
