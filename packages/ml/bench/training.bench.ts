// Training benchmark on AI4I 2020 (target "Machine failure"): expanding windows ordered by
// UDI, fold k trains on the first 50 % + 10k %, validates on the next 5 %, tests on the
// following 5 %. Ours (histogram GBDT) and, when /usr/bin/python3 has them, scikit-learn
// HistGradientBoosting and XGBoost on the same folds and features. One threshold rule for
// every model: max F1 on the validation part. Last stdout line is the JSON summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AI4I_COLUMNS as C,
  AI4I_FEATURES,
  averagePrecision,
  classificationMetrics,
  expandingWindows,
  fitGbdt,
  fitPipeline,
  gbdtPredict,
  inputsOf,
  featureJson,
  pick,
  pickThreshold,
  rowMajor,
  transform,
  type GbdtParams,
} from '../src/index.ts';
import { loadAi4i } from './ai4i.ts';
import { runRulBench } from './rul.ts';
import { runAnomalyBench } from './anomaly.ts';

const SEED = 42;
const PYTHON = '/usr/bin/python3';

/** Ours, tuned on the validation parts only (see README). */
export const BENCH_GBDT: Partial<GbdtParams> = {
  learningRate: 0.1,
  maxIter: 300,
  maxLeafNodes: 15,
  minSamplesLeaf: 10,
  l2: 1,
  earlyStopping: { patience: 30, tol: 0 },
};

interface FoldScores {
  fit_s: number;
  validation: number[] | Float64Array;
  test: number[] | Float64Array;
}

const ds = loadAi4i();
const y = ds.columns[C.machineFailure]!;
const inputs = inputsOf(AI4I_FEATURES.map(featureJson));
const folds = [...expandingWindows(ds.nRows, { folds: 5, initialTrain: 0.5, step: 0.1, validation: 0.05, test: 0.05 }, ds.columns.udi)];

// Trees need no fitted preprocessing here (no missing values, no scaling), so every
// model sees identical feature values; the pipeline is still fitted per fold on train.
const ours: FoldScores[] = [];
let featureMatrix: Float64Array | null = null;
for (const f of folds) {
  const raw = rowMajor(ds, inputs);
  const pl = fitPipeline(AI4I_FEATURES, rowMajor(ds, inputs, f.train), f.train.length, { imputation: 'none', scaling: 'none' });
  const x = transform(pl, raw, ds.nRows);
  featureMatrix ??= x;
  const p = pl.features.length;
  const part = (rows: Int32Array): Float64Array => {
    const out = new Float64Array(rows.length * p);
    rows.forEach((r, i) => out.set(x.subarray(r * p, r * p + p), i * p));
    return out;
  };
  const xTr = part(f.train),
    xVa = part(f.validation),
    xTe = part(f.test);
  const yTr = pick(y, f.train),
    yVa = pick(y, f.validation);
  const t0 = performance.now();
  const m = fitGbdt({ x: xTr, n: f.train.length, p, y: yTr, validation: { x: xVa, n: f.validation.length, y: yVa } }, BENCH_GBDT);
  const fit_s = (performance.now() - t0) / 1000;
  ours.push({ fit_s, validation: gbdtPredict(m, xVa, f.validation.length), test: gbdtPredict(m, xTe, f.test.length) });
  process.stderr.write(`ours fold ${f.fold}: ${m.trees.length} trees, ${fit_s.toFixed(3)} s\n`);
}

const results: Record<string, FoldScores[]> = { 'ours-gbdt': ours };
const probe = spawnSync(PYTHON, ['-c', 'import sklearn, xgboost']);
if (probe.status === 0) {
  const dir = mkdtempSync(join(tmpdir(), 'ml-bench-'));
  try {
    const job = join(dir, 'job.json'),
      out = join(dir, 'out.json');
    const p = AI4I_FEATURES.length;
    writeFileSync(
      job,
      JSON.stringify({
        n: ds.nRows,
        p,
        seed: SEED,
        x: Array.from(featureMatrix!),
        y: Array.from(y),
        folds: folds.map((f) => ({ train: Array.from(f.train), validation: Array.from(f.validation), test: Array.from(f.test) })),
      }),
    );
    const script = fileURLToPath(new URL('./baselines.py', import.meta.url));
    // one thread each, like ours: OpenMP threads fighting over 2 shared cores made sklearn's times meaningless
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
    const run = spawnSync(PYTHON, [script, job, out], { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (run.status !== 0) throw new Error(`baselines.py exited with ${run.status}`);
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as { models: Record<string, FoldScores[]> };
    Object.assign(results, parsed.models);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else process.stderr.write('scikit-learn/xgboost not importable from /usr/bin/python3: baselines skipped\n');

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: number[]): number => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
const round = (v: number): number => Math.round(v * 10000) / 10000;
const summary = Object.entries(results).map(([model, fs]) => {
  const per = fs.map((s, k) => {
    const f = folds[k]!;
    const yVa = pick(y, f.validation),
      yTe = pick(y, f.test);
    const t = pickThreshold(yVa, s.validation, { kind: 'max-f1' });
    const m = classificationMetrics(yTe, s.test, t);
    return { pr: averagePrecision(yTe, s.test), f1: m.f1, roc: m.rocAuc, fit: s.fit_s, pos: m.positives };
  });
  process.stderr.write(
    `${model.padEnd(12)} PR-AUC per fold ${per.map((p) => p.pr.toFixed(3)).join(' ')}  F1 ${per.map((p) => p.f1.toFixed(3)).join(' ')}  positives ${per.map((p) => p.pos).join(' ')}\n`,
  );
  const pr = per.map((p) => p.pr);
  return {
    model,
    fit_s: round(per.reduce((s, p) => s + p.fit, 0)),
    pr_auc: round(mean(pr)),
    pr_auc_std: round(std(pr)),
    f1: round(mean(per.map((p) => p.f1))),
    roc_auc: round(mean(per.map((p) => p.roc))),
  };
});

// #15 in the same run: RUL on simulator run-to-failure pumps (whole units held out, last-row
// protocol) vs scikit-learn HistGradientBoostingRegressor; the anomaly task on a simulated
// single-sensor stream vs a rolling z-score (1 day, 4σ). Seed 42; settings were chosen on seeds 7–9.
const rul = runRulBench({ plants: 12, seed: SEED, testShare: 0.4, python: PYTHON });
process.stderr.write(`rul: ${rul.rows} rows, ${rul.features} features, units ${rul.units.train} train / ${rul.units.test} test, ${rul.trees} trees\n`);
const anomaly = runAnomalyBench(SEED);
console.log(
  JSON.stringify({
    bench: 'training',
    dataset: 'ai4i2020',
    results: summary,
    rul: { ours_rmse: round(rul.ours_rmse), sklearn_rmse: rul.sklearn_rmse === null ? null : round(rul.sklearn_rmse) },
    anomaly,
  }),
);
