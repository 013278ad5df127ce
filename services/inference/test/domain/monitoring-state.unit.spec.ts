// Monitoring states (issue 14, item 6): an asset is only `monitored` when fresh readings fill its
// window and the model scored it; every other state says why in plain words.
import { describe, expect, it } from 'vitest';
import { evolveSince, monitoringState, type MonitoringFacts } from '../../src/domain/monitoring-state.ts';

const NOW = Date.UTC(2026, 0, 5, 8, 0);
const MIN = 60_000;
const base: MonitoringFacts = {
  nowMs: NOW,
  startedAtMs: NOW - 30 * MIN,
  owned: true,
  mode: null,
  lastReceivedMs: NOW - 5_000,
  windowFromMs: NOW - 90 * MIN,
  windowToMs: NOW,
  windowSpanMs: 60 * MIN,
  staleMs: 5 * MIN,
  lastScore: { source: 'model', atMs: NOW },
  hasModel: true,
  paused: null,
  limitsWords: 'bearing temperature above 75 °C',
};

describe('monitoring state', () => {
  it('is monitored with fresh readings, a full window and a model score', () => {
    expect(monitoringState(base).state).toBe('monitored');
  });

  it('is warming up while the window fills, saying how long is left', () => {
    const s = monitoringState({ ...base, windowFromMs: NOW - 20 * MIN, lastScore: null });
    expect(s.state).toBe('warming_up');
    expect(s.reason).toBe('Collecting readings: watching starts in about 40 plant min.');
    expect(monitoringState({ ...base, lastReceivedMs: null, startedAtMs: NOW - MIN }).state).toBe('warming_up');
  });

  it('is stale when readings stop, and when none ever came', () => {
    const s = monitoringState({ ...base, lastReceivedMs: NOW - 12 * MIN });
    expect(s).toEqual({ state: 'stale_data', reason: 'No fresh readings for 12 min: it is not being watched until data returns.' });
    expect(monitoringState({ ...base, lastReceivedMs: null }).state).toBe('stale_data');
  });

  it('is manual when an operator set the asset out of auto, before anything else', () => {
    const s = monitoringState({ ...base, lastReceivedMs: null, mode: { mode: 'maintenance', actor: 'olga', reason: 'bearing change', changedAt: '' } });
    expect(s).toEqual({ state: 'manual', reason: 'Set to maintenance by olga (bearing change): prompts for this asset are held until it is back in auto.' });
  });

  it('is rules when the model is paused, missing or lacks inputs, with the reason and the limits', () => {
    const paused = monitoringState({
      ...base,
      paused: { explanation: 'The model is paused: the motor current readings of 4 of 4 assets no longer look like the data it learned from.' },
    });
    expect(paused.state).toBe('rules');
    expect(paused.reason).toMatch(/^The model is paused: .* Only the fixed limits are checked \(bearing temperature above 75 °C\)\.$/);
    expect(monitoringState({ ...base, hasModel: false, lastScore: { source: 'rules', atMs: NOW } }).reason).toMatch(/^No approved model/);
    expect(monitoringState({ ...base, lastScore: { source: 'rules', atMs: NOW } }).reason).toMatch(/^Some readings the model needs are missing/);
  });

  it('is not served by a replica that does not own the asset', () => {
    expect(monitoringState({ ...base, owned: false }).state).toBe('not_served');
  });

  it('keeps the time a state began until it changes', () => {
    expect(evolveSince(undefined, 'monitored', 5)).toBe(5);
    expect(evolveSince({ state: 'monitored', sinceMs: 5 }, 'monitored', 9)).toBe(5);
    expect(evolveSince({ state: 'monitored', sinceMs: 5 }, 'rules', 9)).toBe(9);
  });
});
