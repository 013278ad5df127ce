// Use cases behind the gRPC and HTTP adapters: operator decisions (read the recommendation's
// stream, decide, append with the expected revision), problem reports, manual mode, Predict and
// the drift report. Callers pass who acts and the trace; errors are InferenceError with a code.
import type { EventStore } from '@industrial/eventstore';
import { explain } from '@industrial/ml';
import { appendEvent, readStreamOrEmpty, uuidv7, type Actor } from '../adapters/eventstore/append.ts';
import { InferenceError } from '../domain/errors.ts';
import { currentMode, type AssetMode } from '../domain/mode.ts';
import { decideRecommendation, foldRecommendation, statusAt, type RecommendationCommand } from '../domain/recommendation.ts';
import type { UseCaseSpec } from '../domain/usecase.ts';
import type { ModelHost } from './models.ts';
import type { DriftReport, Monitor } from './monitor.ts';
import type { Projection, RecommendationView } from './projection.ts';

export interface CommandDeps {
  store: EventStore;
  projection: Projection;
  models: ModelHost;
  monitor: Monitor;
  useCases: readonly UseCaseSpec[];
  now: () => number;
}

export interface RecommendationDto {
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  message: string;
  status: string;
  priority: string;
  urgency: string;
  source: string;
  modelVersionId: string | null;
  raisedAt: string;
  actBy: string;
  expiresAt: string;
  mode: string;
  update: number;
  score: number;
  threshold: number;
  record: Record<string, unknown>;
}

export function toDto(v: RecommendationView, nowMs: number): RecommendationDto {
  const r = v.state.raised;
  return {
    recommendationId: v.state.recommendationId,
    useCaseId: v.state.context.useCaseId,
    assetPath: v.state.context.assetPath,
    message: r.message as string,
    status: statusAt(v.state, nowMs),
    priority: r.priority as string,
    urgency: r.urgency as string,
    source: v.state.context.source,
    modelVersionId: v.state.context.modelVersionId,
    raisedAt: v.raisedAt,
    actBy: r.actBy as string,
    expiresAt: r.expiresAt as string,
    mode: v.state.mode,
    update: r.update as number,
    score: r.score as number,
    threshold: r.threshold as number,
    record: r,
  };
}

export type DecideInput =
  | { decision: 'done'; note?: string }
  | { decision: 'not-done'; reason: 'false-alarm' | 'already-handled' | 'not-safe-now' | 'no-capacity' | 'other'; note?: string }
  | { decision: 'overridden'; actionTaken: string; reason: string };

export interface Commands {
  acknowledge(id: string, actor: Actor): Promise<RecommendationDto>;
  decide(id: string, input: DecideInput, actor: Actor): Promise<RecommendationDto>;
  recordOutcome(id: string, input: { outcome: 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown'; observedAtMs?: number; note?: string; costImpact: { amount: number; currency: string } | null }, actor: Actor): Promise<RecommendationDto>;
  reportProblem(input: { assetPath: string; description: string; severity: 'minor' | 'major' | 'stop'; observedAtMs?: number; missedFailure: boolean; relatedRecommendationId: string | null; useCaseId: string | null }, actor: Actor): Promise<{ problemId: string }>;
  setMode(input: { path: string; mode: AssetMode; reason: string }, actor: Actor): Promise<{ path: string; mode: AssetMode; previousMode: AssetMode }>;
  predict(input: { useCaseId: string; features: Record<string, unknown>; stage: 'production' | 'shadow' }): Promise<{ modelVersionId: string; score: number; threshold: number; alarm: boolean; baseValue: number; contributions: { feature: string; value: number; contribution: number }[] }>;
  list(filter: { openOnly?: boolean; assetPath?: string; includeUnshown?: boolean; max?: number }): RecommendationDto[];
  driftReport(useCaseId: string): DriftReport;
}

export function createCommands(deps: CommandDeps): Commands {
  const specOf = (useCaseId: string, field = 'use_case_id'): UseCaseSpec => {
    const s = deps.useCases.find((u) => u.useCaseId === useCaseId);
    if (s === undefined) throw new InferenceError('INVALID_ARGUMENT', `unknown use case ${useCaseId}`, field);
    return s;
  };

  async function run(id: string, cmd: RecommendationCommand, actor: Actor): Promise<RecommendationDto> {
    const stream = `recommendation-${id}`;
    const events = await readStreamOrEmpty(deps.store, stream);
    const state = foldRecommendation(events);
    const decision = decideRecommendation(cmd, state, id);
    const result = await appendEvent(deps.store, decision.type as never, id, decision.data, actor, { expectedRevision: events.length - 1 }).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'WRONG_EXPECTED_REVISION') throw new InferenceError('ABORTED', `recommendation ${id} changed meanwhile; read it again`, 'recommendation_id', undefined, { cause: e });
      throw e;
    });
    await deps.projection.waitFor(result.position);
    const view = deps.projection.get(id);
    if (view === undefined) throw new InferenceError('NOT_FOUND', `recommendation ${id} does not exist`, 'recommendation_id');
    return toDto(view, deps.now());
  }

  return {
    acknowledge: (id, actor) => run(id, { kind: 'acknowledge', atMs: deps.now() }, actor),
    decide(id, input, actor) {
      const atMs = deps.now();
      switch (input.decision) {
        case 'done': return run(id, { kind: 'accept', atMs, ...(input.note ? { note: input.note } : {}) }, actor);
        case 'not-done': return run(id, { kind: 'reject', atMs, reason: input.reason, ...(input.note ? { note: input.note } : {}) }, actor);
        case 'overridden': return run(id, { kind: 'override', atMs, actionId: null, actionTaken: input.actionTaken, reason: input.reason }, actor);
        default: {
          const never: never = input;
          throw new InferenceError('INVALID_ARGUMENT', `unknown decision ${JSON.stringify(never)}`, 'decision');
        }
      }
    },
    recordOutcome(id, input, actor) {
      const view = deps.projection.get(id);
      const label = view ? (deps.useCases.find((u) => u.useCaseId === view.state.context.useCaseId)?.label ?? 'failure') : 'failure';
      return run(id, { kind: 'record-outcome', atMs: input.observedAtMs ?? deps.now(), outcome: input.outcome, costImpact: input.costImpact, failureLabel: label, ...(input.note ? { note: input.note } : {}) }, actor);
    },
    async reportProblem(input, actor) {
      const spec = input.useCaseId === null ? null : specOf(input.useCaseId);
      const problemId = uuidv7(deps.now());
      const observedAtMs = input.observedAtMs ?? deps.now();
      const label = input.missedFailure && spec ? spec.label : null;
      await appendEvent(deps.store, 'ProblemReported', input.assetPath, {
        problemId,
        assetPath: input.assetPath,
        description: input.description,
        severity: input.severity,
        observedAt: new Date(observedAtMs).toISOString(),
        relatedRecommendationId: input.relatedRecommendationId,
        useCaseId: input.useCaseId,
        missedFailure: input.missedFailure,
        label,
        // The failure developed over the horizon before it was seen: that window is the positive label.
        labelWindow: label === null || spec === null ? null : { from: new Date(observedAtMs - spec.horizonHours * 3_600_000).toISOString(), to: new Date(observedAtMs).toISOString() },
      }, actor);
      return { problemId };
    },
    async setMode(input, actor) {
      const tokens = input.path.split('.').length;
      if (tokens !== 4 && tokens !== 5) throw new InferenceError('INVALID_ARGUMENT', 'must be a line path (4 tokens) or an asset path (5 tokens)', 'path');
      const previousMode = currentMode(deps.projection.modes(), input.path);
      if (previousMode === input.mode) throw new InferenceError('FAILED_PRECONDITION', `${input.path} is already in ${input.mode} mode`, 'mode', { state: previousMode });
      const r = await appendEvent(deps.store, 'AssetModeChanged', input.path, {
        scope: tokens === 5 ? 'asset' : 'line', path: input.path, from: previousMode, to: input.mode, reason: input.reason, changedAt: new Date(deps.now()).toISOString(),
      }, actor);
      await deps.projection.waitFor(r.position);
      return { path: input.path, mode: input.mode, previousMode };
    },
    async predict(input) {
      specOf(input.useCaseId);
      const slot = deps.models.slots(input.useCaseId)[input.stage];
      if (slot === null) throw new InferenceError('FAILED_PRECONDITION', `no ${input.stage} model is serving use case ${input.useCaseId}`, 'use_case_id');
      const row = new Float32Array(slot.inputs.length);
      const named: Record<string, number> = {};
      for (const [name, v] of Object.entries(input.features)) {
        if (!slot.inputs.includes(name)) throw new InferenceError('INVALID_ARGUMENT', `unknown feature "${name}" (the model takes ${slot.inputs.join(', ')})`, `features.${name}`);
        if (typeof v !== 'number') throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" must be a number (got ${typeof v})`, `features.${name}`);
        if (!Number.isFinite(v)) throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" must be a finite number (got ${String(v)})`, `features.${name}`);
      }
      slot.inputs.forEach((name, j) => {
        const v = input.features[name];
        if (v === undefined) throw new InferenceError('INVALID_ARGUMENT', `feature "${name}" is missing`, `features.${name}`);
        row[j] = v as number;
        named[name] = v as number;
      });
      const score = (await slot.scorer.score(row, 1))[0]!;
      const ex = explain(slot.model, named);
      return {
        modelVersionId: slot.registered.modelVersionId,
        score,
        threshold: slot.threshold,
        alarm: score >= slot.threshold,
        baseValue: ex.baseValue,
        contributions: ex.contributions.map((c) => ({ feature: c.feature, value: c.value, contribution: c.contribution })),
      };
    },
    list(filter) {
      const now = deps.now();
      return deps.projection.list(filter, now).map((v) => toDto(v, now));
    },
    driftReport(useCaseId) {
      specOf(useCaseId);
      const model = deps.models.slots(useCaseId).production;
      return deps.monitor.report(useCaseId, model, deps.projection.outcomes(useCaseId), deps.now(), (assets) => deps.projection.outcomesOnAssets(useCaseId, assets));
    },
  };
}
