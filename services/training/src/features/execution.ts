// Executing a queued run: progress per stage, the fit on the trainer (a worker thread), the
// artifacts (ONNX, model card, explainer, reference) into the content-addressed store, the
// registration through governance's registry, completion — or the failure (cancelled runs are
// retryable). A run whose model is registered is completed from the registration, never failed.
import { uuidFromKey } from '@industrial/contracts/ids';
import { serviceCause } from '@industrial/kernel';
import { InvalidTrainingRequestError, RunCancelledError } from '../domain/errors.ts';
import type { Stage } from '../domain/run.ts';
import type { Job, RunsContext } from './context.ts';

const token = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64) || 'x';

/** The longest failure text a run records (TrainingRunFailed.error allows 2,000; GetRun shows it to callers). */
const MAX_FAILURE = 500;

/**
 * What a failed run records and callers read back: a typed error's message; for a system error
 * (a file the artifact store could not write, …) its code and the call, never its message (which
 * names server paths: the full error goes to the log only). Bounded, one line.
 */
export function failureText(e: unknown): string {
  if (!(e instanceof Error)) return 'training failed';
  const sys = e as Error & { code?: unknown; syscall?: unknown };
  const text = typeof sys.code === 'string' && typeof sys.syscall === 'string' ? `${e.name}: ${sys.code} (${sys.syscall})` : `${e.name}: ${e.message}`;
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ');
  if (line.length <= MAX_FAILURE) return line;
  const cut = line.slice(0, MAX_FAILURE - 1);
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

export async function executeRun(ctx: RunsContext, job: Job, signal: AbortSignal): Promise<void> {
  const { runId } = job;
  const { artifacts, logger, now } = ctx;
  const svc = serviceCause('training', job.cause.correlationId, { traceparent: job.cause.traceparent });
  let stage: Stage = 'data-loading';
  const progress = async (s: Stage, metrics: Record<string, number> = {}) => {
    stage = s;
    await ctx.command(runId, { type: 'ReportProgress', runId, stage: s, metrics }, svc);
  };
  try {
    await progress('data-loading');
    if (signal.aborted) throw new RunCancelledError();
    await progress('training');
    const out = await ctx.trainer.train({ spec: job.resolved.trainSpec, columns: job.columns }, signal);
    await progress('evaluation', out.metrics);
    if (signal.aborted) throw new RunCancelledError();
    await progress('export');
    const onnx = await artifacts.put(out.onnx);
    if (onnx.sha256 !== out.onnxSha256) throw new Error(`artifact store hashed the ONNX file as ${onnx.sha256}, the trainer as ${out.onnxSha256}`);
    const enc = new TextEncoder();
    const [cardMd, cardJson, explainer, reference] = await Promise.all([
      artifacts.put(enc.encode(out.cardMarkdown)),
      artifacts.put(enc.encode(out.cardJson)),
      artifacts.put(enc.encode(out.modelJson)),
      artifacts.put(enc.encode(out.referenceJson)),
    ]);
    if (signal.aborted) throw new RunCancelledError();
    await progress('registration');
    const s = job.snapshot;
    const outputName = out.task === 'classification' ? 'probability' : out.task === 'regression' ? 'prediction' : 'anomaly_score';
    await ctx.command(
      runId,
      {
        type: 'RegisterModel',
        data: {
          modelVersionId: uuidFromKey(`model:${runId}`),
          useCaseId: job.useCaseId,
          runId,
          version: 1, // governance assigns the number when it records the registration
          stage: 'candidate',
          format: 'onnx',
          artifactUri: onnx.uri,
          artifactHash: onnx.sha256,
          datasetId: s.datasetId,
          snapshotId: s.snapshotId,
          snapshotHash: s.contentHash,
          featureSetVersion: s.featureSetVersion,
          codeVersion: ctx.codeVersion,
          seed: job.resolved.trainSpec.seed,
          spec: job.resolved.record,
          inputs: out.inputs.map((name) => {
            const unit = s.units[name];
            return unit !== undefined && /^\S{1,32}$/.test(unit) ? { name: token(name), unit } : { name: token(name) };
          }),
          windowSeconds: s.windowSeconds,
          outputs: [{ name: token(`${job.resolved.record.target}_${outputName}`) }],
          metrics: out.metrics,
          decisionThreshold: out.threshold,
          modelCard: { markdown: { uri: cardMd.uri, sha256: cardMd.sha256 }, json: { uri: cardJson.uri, sha256: cardJson.sha256 } },
          explainer: { uri: explainer.uri, sha256: explainer.sha256 },
          reference: { uri: reference.uri, sha256: reference.sha256 },
        },
      },
      svc,
    );
    await ctx.command(
      runId,
      { type: 'CompleteRun', runId, now: now().toISOString(), metrics: out.metrics, artifactUri: onnx.uri, artifactHash: onnx.sha256 },
      svc,
    );
    logger.info({ runId, onnxSha256: onnx.sha256 }, 'training run completed; model registered as candidate');
  } catch (e) {
    const cancelled = e instanceof RunCancelledError || signal.aborted;
    const message = cancelled ? 'cancelled: the training service stopped before the run finished' : failureText(e);
    logger[cancelled ? 'warn' : 'error']({ err: e, runId, stage }, cancelled ? 'training run cancelled' : 'training run failed');
    try {
      const reg = ctx.projection.get(runId)?.registered;
      if (reg)
        await ctx.command(
          runId,
          { type: 'CompleteRun', runId, now: now().toISOString(), metrics: reg.metrics, artifactUri: reg.artifactUri, artifactHash: reg.artifactHash },
          svc,
        );
      else
        await ctx.command(
          runId,
          { type: 'FailRun', runId, now: now().toISOString(), stage, error: message, retryable: cancelled || !(e instanceof InvalidTrainingRequestError) },
          svc,
        );
    } catch (recordError) {
      logger.error({ err: recordError, runId }, 'could not record the end of a training run');
    }
  }
}
