// Domain rules: operator wording, priority, hysteresis, lifecycle, drift statistics against
// hand-computed values, windows, consistent hashing.
import { describe, expect, it } from 'vitest';
import { binFractions, evolvePersistence, kolmogorovQ, ksTwoSample, livePrecisionRecall, psi, psiBand, quantileEdges } from '../../src/domain/drift.ts';
import { HashRing, takenOver } from '../../src/domain/hashring.ts';
import { deploymentFor, deploymentKey, emptyDeployments, evolveDeployments } from '../../src/domain/deployments.ts';
import { isSuppressed } from '../../src/domain/mode.ts';
import { consequenceOf, priorityOf } from '../../src/domain/priority.ts';
import { decideTrack, evolveTrack, initialTrack, type Observation, type TrackState } from '../../src/domain/prompt-track.ts';
import { decideRecommendation, evolveRecommendation } from '../../src/domain/recommendation.ts';
import { defineWindowSpec } from '@industrial/ml';
import { AssetWindow, windowValues } from '../../src/domain/window.ts';
import { actionText, assetDisplayName, evidencePhrases, isPlainLanguage, modelPrompt, rulePrompt } from '../../src/domain/wording.ts';
import { PUMP_BEARING_USE_CASE } from '../usecases.ts';

const PATH = 'acme.plant-1.utilities.cooling-water.pump-4';

describe('operator wording', () => {
  const phrases = evidencePhrases(
    [
      // matched by what the model's window spec computes them from, whatever the model calls them
      { feature: 'bearing_temp_mean', value: 70.3, normal: 52, source: { tag: 'bearing_temperature', statistic: 'mean' }, contribution: 2.1 },
      { feature: 'vibration_rms', value: 4.1, normal: 2.3, source: { tag: 'vibration_rms', statistic: 'rms' }, contribution: 0.9 },
      { feature: 'motor_current_mean', value: 38, source: { tag: 'motor_current', statistic: 'mean' }, contribution: -0.2 },
    ],
    PUMP_BEARING_USE_CASE.evidence,
  );
  const text = `${modelPrompt({ assetPath: PATH, phrases, likelihood: 'high', failureWords: 'bearing failure', horizonMinutes: 120 })} ${actionText('inspect the {asset} bearing', PATH, 60)}`;

  it('reads like the example and has no probabilities or jargon', () => {
    expect(text).toBe(
      'Pump 4: bearing temperature 18 °C above normal and vibration 1.8 mm/s above normal. Bearing failure is very likely within 2 hours. Inspect the pump 4 bearing within the next hour.',
    );
    expect(isPlainLanguage(text)).toBe(true);
  });
  it('flags probabilities, scores and thresholds as not plain', () => {
    for (const bad of ['Failure probability 0.93', 'score above threshold', '93 % likely', 'SHAP says so']) expect(isPlainLanguage(bad)).toBe(false);
  });
  it('says a rule-based prompt is rule-based', () => {
    const r = rulePrompt({
      assetPath: PATH,
      violations: [{ rule: PUMP_BEARING_USE_CASE.rules[0]! }],
      why: 'model-unavailable',
    });
    expect(r).toMatch(/^Pump 4 \(rule-based check/);
    expect(r).toContain('bearing temperature above its limit of 75 °C');
    expect(isPlainLanguage(r)).toBe(true);
  });
  it('names assets plainly', () => expect(assetDisplayName('a.b.c.d.packer-12')).toBe('Packer 12'));
});

describe('priority = likelihood × consequence (the cost model)', () => {
  const pump = PUMP_BEARING_USE_CASE.costModel;
  it('is high only for a very likely, severe failure', () => expect(priorityOf('high', pump)).toBe('high'));
  it('is medium when the same failure is only likely', () => expect(priorityOf('medium', pump)).toBe('medium'));
  it('is low when acting costs about as much as the failure', () =>
    expect(priorityOf('high', { currency: 'EUR', failure: 300, inspection: 150, falseAlarm: 150, downtimeHour: 0 })).toBe('low'));
  it('weighs the failure and its downtime against acting', () => expect(consequenceOf(pump)).toBe('severe'));
});

describe('hysteresis: one developing fault = one prompt', () => {
  const obs = (atMs: number, alarm: boolean, extra: Partial<Observation> = {}): Observation => ({
    atMs,
    wallMs: atMs,
    deadlineMinutes: 60,
    alarm,
    clear: !alarm,
    message: 'm',
    priority: 'high',
    standingClosed: false,
    mode: 'production',
    newRecommendationId: `id-${atMs}`,
    ...extra,
  });
  const run = (seq: Observation[]) => {
    let s: TrackState = initialTrack;
    const out: string[] = [];
    for (const o of seq) {
      const d = decideTrack(s, o);
      s = evolveTrack(s, o, d);
      out.push(d.kind);
    }
    return { out, s };
  };
  it('raises after two windows above, then stays silent while the message is the same', () => {
    expect(run([obs(0, true), obs(1, true), obs(2, true), obs(3, true)]).out).toEqual(['none', 'raise', 'none', 'none']);
  });
  it('updates in place when the wording changes, keeping the id', () => {
    const { out, s } = run([obs(0, true), obs(1, true), obs(2, true, { message: 'worse' })]);
    expect(out).toEqual(['none', 'raise', 'update']);
    expect(s.recommendationId).toBe('id-1');
    expect(s.update).toBe(1);
  });
  it('does not flap on one window below the threshold', () => {
    expect(run([obs(0, true), obs(1, true), obs(2, false), obs(3, true)]).out).toEqual(['none', 'raise', 'none', 'none']);
  });
  it('clears after three windows well below, and a new fault is a new prompt', () => {
    const { out } = run([obs(0, true), obs(1, true), obs(2, false), obs(3, false), obs(4, false), obs(5, true), obs(6, true)]);
    expect(out).toEqual(['none', 'raise', 'none', 'none', 'clear', 'none', 'raise']);
  });
  it('does not ask again after a decision until the prompt expires', () => {
    const h = 3_600_000;
    const { out } = run([obs(0, true), obs(1, true), obs(2, true, { standingClosed: true }), obs(3 * h, true, { standingClosed: true })]);
    expect(out).toEqual(['none', 'raise', 'none', 'raise']);
  });
  it('records again under the new mode when manual mode ends', () => {
    const { out } = run([obs(0, true, { mode: 'suppressed' }), obs(1, true, { mode: 'suppressed' }), obs(2, true)]);
    expect(out).toEqual(['none', 'raise', 'raise']);
  });
});

describe('recommendation lifecycle', () => {
  const raised = evolveRecommendation(null, {
    type: 'RecommendationRaised',
    data: {
      recommendationId: 'r',
      useCaseId: 'u',
      assetPath: PATH,
      modelVersionId: 'm',
      source: 'model',
      featureWindow: { from: 'a', to: 'b' },
      explanation: [],
      traceId: null,
      mode: 'production',
      actionId: 'x',
      expiresAt: '2030-01-01T00:00:00Z',
    },
  });
  it('acknowledges an open one, carrying the model version', () => {
    const d = decideRecommendation({ kind: 'acknowledge', atMs: 0 }, raised, 'r');
    expect(d.type).toBe('RecommendationAcknowledged');
    expect((d.data.context as { modelVersionId: string }).modelVersionId).toBe('m');
  });
  it('refuses a decision on a closed one with FAILED_PRECONDITION and its state', () => {
    const done = evolveRecommendation(raised, { type: 'RecommendationAccepted', data: {} });
    expect(() => decideRecommendation({ kind: 'reject', atMs: 0, reason: 'false-alarm' }, done, 'r')).toThrow(
      expect.objectContaining({ code: 'FAILED_PRECONDITION', detail: { state: 'accepted' } }),
    );
  });
  it('treats a prompt past its expiry as expired', () => {
    expect(() => decideRecommendation({ kind: 'accept', atMs: Date.parse('2031-01-01T00:00:00Z') }, raised, 'r')).toThrow(/is expired/);
  });
});

describe('drift statistics', () => {
  it('PSI matches a hand computation', () => {
    // e = [0.5, 0.5], a = [0.8, 0.2]: 0.3·ln(1.6) + (−0.3)·ln(0.4) = 0.1410 + 0.2749 = 0.4159
    expect(psi(Float64Array.from([0.5, 0.5]), Float64Array.from([0.8, 0.2]))).toBeCloseTo(0.3 * Math.log(1.6) - 0.3 * Math.log(0.4), 6);
    expect(psi(Float64Array.from([0.5, 0.5]), Float64Array.from([0.8, 0.2]))).toBeCloseTo(0.41589, 4);
  });
  it('bands at 0.1 and 0.25', () => {
    expect([psiBand(0.05), psiBand(0.1), psiBand(0.2), psiBand(0.3)]).toEqual(['stable', 'moderate', 'moderate', 'major']);
  });
  it('bins by reference deciles', () => {
    const ref = Float64Array.from({ length: 100 }, (_, i) => i);
    const edges = quantileEdges(ref);
    expect(Array.from(edges)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(Array.from(binFractions(ref, edges))).toEqual(new Array(10).fill(0.1));
  });
  it('KS D and p match a hand computation', () => {
    // a = 1..5, b = 4..8: F_a − F_b peaks at x = 3: 3/5 − 0 = 0.6
    const r = ksTwoSample(Float64Array.from([1, 2, 3, 4, 5]), Float64Array.from([4, 5, 6, 7, 8]));
    expect(r.d).toBeCloseTo(0.6, 12);
    // nₑ = 2.5, λ = (√2.5 + 0.12 + 0.11/√2.5)·0.6 = 1.0624; Q(λ) = 2(e^{−2λ²} − e^{−8λ²} + …) = 2(0.10465 − 0.00012) = 0.2091
    const lambda = (Math.sqrt(2.5) + 0.12 + 0.11 / Math.sqrt(2.5)) * 0.6;
    expect(r.p).toBeCloseTo(kolmogorovQ(lambda), 12);
    expect(kolmogorovQ(lambda)).toBeCloseTo(0.2091, 3);
  });
  it('precision and recall from outcomes and reported misses', () => {
    expect(livePrecisionRecall({ truePositives: 3, falsePositives: 1, falseNegatives: 1 })).toEqual({ precision: 0.75, recall: 0.75 });
  });
  it('requests retraining once when critical drift persists', () => {
    let s = { consecutive: 0, requested: false };
    const asks: boolean[] = [];
    for (const c of [true, true, true, true]) {
      const r = evolvePersistence(s, c, 2);
      s = r.state;
      asks.push(r.requestRetraining);
    }
    expect(asks).toEqual([false, true, false, false]);
  });
});

describe('windows', () => {
  const spec = defineWindowSpec({
    version: '1.0.0',
    windowMinutes: 30,
    gridMinutes: 1,
    features: [
      { name: 'vib_mean', unit: 'mm/s', tag: 'vibration_rms', statistic: 'mean' },
      { name: 'vib_slope', unit: 'mm/s/h', tag: 'vibration_rms', statistic: 'slope' },
      { name: 'temp_mean', unit: 'Cel', tag: 'bearing_temperature', statistic: 'mean' },
      { name: 'flow_mean', unit: 'm3/h', tag: 'flow', statistic: 'mean' },
    ],
  });
  it('computes the model window spec with the ml function, excludes Bad samples and reports stale tags instead of filling silently', () => {
    const w = new AssetWindow(30 * 60_000);
    for (let m = 0; m <= 30; m++) {
      w.add('vibration_rms', m * 60_000, 2 + m * 0.1, true);
      w.add('bearing_temperature', m * 60_000, 999, m > 20 ? false : true);
    }
    const agg = windowValues(w, spec, 30 * 60_000, 5 * 60_000);
    expect(agg.values[0]).toBeCloseTo(3.55, 9); // grid minutes 1..30
    expect(agg.values[1]).toBeCloseTo(6, 9); // 0.1 per minute = 6 per hour
    expect(agg.missing).toEqual([
      { input: 'temp_mean', reason: 'stale' },
      { input: 'flow_mean', reason: 'absent' },
    ]);
  });
  it('keeps the last Good sample before the kept history, so its value is held into the window', () => {
    const w = new AssetWindow(10 * 60_000);
    w.add('flow', 0, 100, true);
    w.add('flow', 30 * 60_000, 100, false);
    w.add('vibration_rms', 30 * 60_000, 1, true);
    w.prune();
    const agg = windowValues(w, spec, 30 * 60_000, Infinity);
    expect(agg.values[3]).toBe(100);
  });
  it('ignores a repeated or older sample (a redelivered batch, a replay meeting the live stream)', () => {
    const once = new AssetWindow(30 * 60_000),
      twice = new AssetWindow(30 * 60_000);
    for (let m = 0; m <= 30; m++) {
      once.add('vibration_rms', m * 60_000, 2 + (m % 3), true);
      twice.add('vibration_rms', m * 60_000, 2 + (m % 3), true);
      twice.add('vibration_rms', m * 60_000, 50, true);
      if (m > 0) twice.add('vibration_rms', (m - 1) * 60_000, 50, true);
    }
    expect(twice.sampleCount()).toBe(once.sampleCount());
    expect(windowValues(twice, spec, 30 * 60_000, Infinity).values).toEqual(windowValues(once, spec, 30 * 60_000, Infinity).values);
  });
});

describe('manual mode and partitioning', () => {
  it('a line in manual suppresses its assets unless the asset says auto', () => {
    const modes = new Map<string, { mode: 'auto' | 'manual'; actor: string; reason: string; changedAt: string }>([
      ['acme.plant-1.utilities.cooling-water', { mode: 'manual', actor: 'o', reason: 'r', changedAt: 't' }],
    ]);
    expect(isSuppressed(modes, PATH)).toBe(true);
    modes.set(PATH, { mode: 'auto', actor: 'o', reason: 'r', changedAt: 't' });
    expect(isSuppressed(modes, PATH)).toBe(false);
  });
  it('moves only part of the assets when a replica joins', () => {
    const assets = Array.from({ length: 1000 }, (_, i) => `a.b.c.d.pump-${i}`);
    const before = new HashRing(['r1', 'r2']);
    const after = new HashRing(['r1', 'r2', 'r3']);
    const moved = takenOver(assets, before, after, 'r3');
    expect(moved.length).toBeGreaterThan(200);
    expect(moved.length).toBeLessThan(480);
    expect(assets.filter((a) => before.ownerOf(a) === 'r1' && after.ownerOf(a) === 'r2')).toHaveLength(0);
  });
});

describe('deployments per scope (a pilot line first, then more lines)', () => {
  const U = '0193a1b2-7c00-7a10-8b00-0000000000b1';
  const promoted = (modelVersionId: string, scope?: string) => ({
    id: modelVersionId,
    type: 'ModelPromoted',
    data: { useCaseId: U, modelVersionId, stage: 'production', approvalRequestId: U, previousModelVersionId: null, ...(scope === undefined ? {} : { scope }) },
  });
  const s = [promoted('wide'), promoted('pilot', 'acme.plant-1.utilities.line-a'), promoted('site', 'acme.plant-2')].reduce(
    evolveDeployments,
    emptyDeployments(),
  );

  it('serves each asset from the narrowest scope that covers it, else the use-case-wide deployment', () => {
    expect(deploymentFor(s, U, 'acme.plant-1.utilities.line-a.pump-4')).toBe(deploymentKey(U, 'acme.plant-1.utilities.line-a'));
    expect(deploymentFor(s, U, 'acme.plant-1.utilities.line-ab.pump-4')).toBe(U); // a prefix of tokens, not of characters
    expect(deploymentFor(s, U, 'acme.plant-2.utilities.line-a.pump-1')).toBe(deploymentKey(U, 'acme.plant-2'));
    expect(deploymentFor(s, 'another-use-case', 'acme.plant-1.utilities.line-a.pump-4')).toBe('another-use-case');
    expect(s.production.get(deploymentKey(U, 'acme.plant-1.utilities.line-a'))).toBe('pilot');
    expect(s.production.get(U)).toBe('wide');
  });

  it('keeps a scope rolled back to the rules as the deployment of its assets', () => {
    const r = evolveDeployments(s, {
      type: 'ModelRolledBack',
      data: { useCaseId: U, fromModelVersionId: 'pilot', toModelVersionId: null, trigger: 'manual', reason: 'x', scope: 'acme.plant-1.utilities.line-a' },
    });
    expect(deploymentFor(r, U, 'acme.plant-1.utilities.line-a.pump-4')).toBe(deploymentKey(U, 'acme.plant-1.utilities.line-a'));
    expect(r.production.get(deploymentKey(U, 'acme.plant-1.utilities.line-a'))).toBeNull();
    expect(r.production.get(U)).toBe('wide');
  });
});
