// Words an operator can trust (issue 14, item 4): the deadline comes from the action and is fixed
// in wall-clock time when the prompt is raised, never extended by an update; the text and the
// countdown agree; the horizon is the scoring model's; priority follows the cost model and the
// likelihood (not everything high); no probabilities, no jargon; evidence templates are data.
import { describe, expect, it } from 'vitest';
import { horizonMinutesOfTarget } from '../../src/domain/deployments.ts';
import { horizonMinutesOf, judge, modelWords } from '../../src/domain/judgement.ts';
import { priorityOf } from '../../src/domain/priority.ts';
import { DEFAULT_TRACK_CONFIG, decideTrack, evolveTrack, initialTrack, type Observation, type TrackState } from '../../src/domain/prompt-track.ts';
import { modelMismatch, type UseCaseSpec } from '../../src/domain/usecase.ts';
import { actionText, deadlinePhrase, evidencePhrase, isPlainLanguage, likelihoodOf, rulePrompt } from '../../src/domain/wording.ts';
import { PUMP_BEARING_USE_CASE } from '../usecases.ts';

const PATH = 'acme.plant-1.utilities.cooling-water.pump-4';
const MIN = 60_000;
const T0 = Date.parse('2026-12-07T08:00:00Z');

describe('the deadline', () => {
  // Plant time runs ×10 (atMs), the operator's wall clock does not (wallMs).
  const obs = (k: number, extra: Partial<Observation> = {}): Observation => ({
    atMs: T0 + k * 10 * MIN,
    wallMs: T0 + k * MIN,
    deadlineMinutes: 60,
    alarm: true,
    clear: false,
    message: `worse ${k}`,
    priority: 'medium',
    standingClosed: false,
    mode: 'production',
    newRecommendationId: `id-${k}`,
    ...extra,
  });
  const run = (n: number) => {
    let s: TrackState = initialTrack;
    const decisions = [];
    for (let k = 0; k < n; k++) {
      const o = obs(k);
      const d = decideTrack(s, o, DEFAULT_TRACK_CONFIG);
      s = evolveTrack(s, o, d);
      decisions.push(d);
    }
    return decisions;
  };

  it('is fixed in wall-clock time when the prompt is raised: now + the action’s minutes, not plant time', () => {
    const raised = run(2).find((d) => d.kind === 'raise')!;
    expect(raised.kind === 'raise' && raised.actByMs).toBe(T0 + 1 * MIN + 60 * MIN);
  });

  it('is never extended by an update (every update keeps the deadline it was raised with)', () => {
    const ds = run(12);
    const raised = ds.find((d) => d.kind === 'raise')!;
    const updates = ds.filter((d) => d.kind === 'update');
    expect(updates.length).toBeGreaterThan(5);
    for (const u of updates) expect(u.kind === 'update' && u.actByMs).toBe(raised.kind === 'raise' && raised.actByMs);
  });

  it('reads the same as the countdown: the time left to the same deadline, to the minute', () => {
    const actBy = T0 + 60 * MIN;
    expect(actionText('inspect the {asset} bearing', PATH, (actBy - T0) / MIN)).toBe('Inspect the pump 4 bearing within the next hour.');
    expect(actionText('inspect the {asset} bearing', PATH, (actBy - (T0 + 25 * MIN)) / MIN)).toBe('Inspect the pump 4 bearing within 35 minutes.');
    expect(deadlinePhrase(95)).toBe('within 1 hour 35 minutes');
    expect(deadlinePhrase(240)).toBe('within the next 4 hours');
    expect(deadlinePhrase(0)).toBe('now: the deadline has passed');
  });
});

describe('the horizon', () => {
  it('is the scoring model’s training horizon, not a constant', () => {
    expect(horizonMinutesOfTarget('bearing_failure_within_2h')).toBe(120);
    expect(horizonMinutesOfTarget('jam_within_30min')).toBe(30);
    expect(horizonMinutesOfTarget('rul_hours')).toBeNull();
    const spec = { ...PUMP_BEARING_USE_CASE, horizonHours: 8 };
    expect(horizonMinutesOf(spec, 120)).toBe(120);
    expect(horizonMinutesOf(spec, null)).toBe(480);
    const text = modelWords(spec, { assetPath: PATH, phrases: [], likelihood: 'high', output: 0.9, horizonMinutes: 120, failureWords: 'bearing failure' });
    expect(text).toBe('Pump 4: readings are moving away from normal. Bearing failure is very likely within 2 hours.');
  });

  it('for remaining useful life says the hours of running left', () => {
    const rul: UseCaseSpec = { ...PUMP_BEARING_USE_CASE, task: { kind: 'regression', failureMode: 'bearing_failure', alertBelowHours: 8 } };
    const j = judge(rul, 6, 0.5, 0.7);
    expect(j.alarm).toBe(true);
    const text = modelWords(rul, { assetPath: PATH, phrases: [], likelihood: j.likelihood, output: 6.2, horizonMinutes: 0, failureWords: 'bearing failure' });
    expect(text).toBe('Pump 4: readings are moving away from normal. About 6 hours of running left before bearing failure.');
    expect(judge(rul, 20, 0.5, 0.7)).toMatchObject({ alarm: false, clear: true });
  });
});

describe('priority follows the cost model and the likelihood', () => {
  const cost = PUMP_BEARING_USE_CASE.costModel;
  it('is not everything high: over scores spread evenly above the threshold, high is a minority', () => {
    const threshold = 0.3;
    const scores = Array.from({ length: 100 }, (_, i) => threshold + ((1 - threshold) * i) / 100);
    const priorities = scores.map((s) => priorityOf(likelihoodOf(s, threshold), cost));
    const share = (p: string) => priorities.filter((x) => x === p).length / priorities.length;
    expect(share('high')).toBeLessThanOrEqual(0.4);
    expect(share('medium')).toBeGreaterThan(0);
    expect(new Set(priorities)).toEqual(new Set(['high', 'medium']));
  });
  it('is low for any likelihood when acting costs as much as the failure', () => {
    const cheap = { currency: 'EUR', failure: 200, inspection: 100, falseAlarm: 100, downtimeHour: 0 };
    for (const l of ['low', 'medium', 'high'] as const) expect(priorityOf(l, cheap)).toBe('low');
  });
  it('takes the action’s priority hint as a floor', () => expect(priorityOf('low', cost, 'high')).toBe('high'));
});

describe('evidence templates are data', () => {
  const t = (comparison: string, extra = {}) => ({
    tag: 'x',
    statistic: 'mean' as const,
    comparison: comparison as 'above-reference',
    unit: '°C',
    minChange: 3,
    decimals: 0,
    words: 'bearing temperature',
    ...extra,
  });
  it('says the change from the training reference in the plant’s unit, and nothing below the minimum', () => {
    expect(evidencePhrase(t('above-reference'), 70.3, 52)).toBe('bearing temperature 18 °C above normal');
    expect(evidencePhrase(t('above-reference'), 53, 52)).toBeNull();
    expect(evidencePhrase(t('below-reference', { unit: 'bar', decimals: 1, minChange: 0.2, words: 'fill pressure' }), 2.1, 2.5)).toBe(
      'fill pressure 0.4 bar below normal',
    );
    expect(evidencePhrase(t('rising', { unit: '' }), 5, NaN)).toBe('bearing temperature rising');
    expect(evidencePhrase(t('value-above', { unit: 'Nm', minChange: 60, words: 'torque' }), 62.4, NaN)).toBe('torque at 62 Nm');
  });
});

describe('no probabilities, no jargon', () => {
  it('in model, remaining-life and rule prompts; a rule prompt says why in plain words', () => {
    const texts = [
      modelWords(PUMP_BEARING_USE_CASE, {
        assetPath: PATH,
        phrases: ['vibration 1.2 mm/s above normal'],
        likelihood: 'medium',
        output: 0.61,
        horizonMinutes: 120,
        failureWords: 'bearing failure',
      }),
      rulePrompt({ assetPath: PATH, violations: [{ rule: PUMP_BEARING_USE_CASE.rules[0]! }], why: 'drift' }),
      actionText('inspect the {asset} bearing', PATH, 60),
    ];
    for (const text of texts) expect(isPlainLanguage(text), text).toBe(true);
    expect(texts[1]).toContain('the prediction is paused while the plant runs differently from its training');
  });
});

describe('a model whose inputs do not match its use case', () => {
  it('is refused with the reason: the wrong task, or evidence the model does not compute', () => {
    const features = [
      { tag: 'bearing_temperature', statistic: 'mean' },
      { tag: 'bearing_temperature', statistic: 'slope' },
      { tag: 'vibration_rms', statistic: 'rms' },
    ];
    expect(modelMismatch(PUMP_BEARING_USE_CASE, { task: 'classification', features })).toBeNull();
    expect(modelMismatch(PUMP_BEARING_USE_CASE, { task: 'regression', features })).toMatch(/regression model but the use case .* needs a classification model/);
    expect(modelMismatch(PUMP_BEARING_USE_CASE, { task: 'classification', features: features.slice(0, 2) })).toMatch(
      /words evidence from vibration_rms \(rms\), which the model does not compute/,
    );
  });
});
