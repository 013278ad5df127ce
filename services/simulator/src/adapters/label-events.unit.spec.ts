import { eventValidator } from '@industrial/contracts';
import { describe, expect, it } from 'vitest';
import { labelToEvent } from './label-events.ts';

describe('simulator labels as platform events', () => {
  it('maps an injected fault and its failure to valid FaultInjected / FaultLabelled events in one fault stream', () => {
    const injected = labelToEvent({ type: 'FaultInjected', faultId: 'f-1', fault: 'bearing_wear', asset: 'pump-4', path: 'acme/plant-1/utilities/cooling-water/pump-4', severity: 0.8, developMinutes: 20, startAt: '2026-01-01T00:00:00.000Z', plantTime: '2026-01-01T00:00:00.000Z', source: 'http' }, 7);
    const failed = labelToEvent({ type: 'FaultLabelled', faultId: 'f-1', fault: 'bearing_failure', cause: 'injected', asset: 'pump-4', path: 'acme/plant-1/utilities/cooling-water/pump-4', startedAt: '2026-01-01T00:00:00.000Z', failureAt: '2026-01-01T00:20:00.000Z', plantTime: '2026-01-01T00:20:00.000Z' }, 7);
    for (const a of [injected, failed]) expect(eventValidator.validate(a.event.type, 1, a.event.data)).toBeNull();
    expect(failed.stream).toBe(injected.stream);
    expect(injected.event.data.assetPath).toBe('acme.plant-1.utilities.cooling-water.pump-4');
  });

  it('gives an emergent failure a stable id, so a replay appends nothing twice', () => {
    const l = { type: 'FaultLabelled', faultId: null, fault: 'TWF', cause: 'emergent', asset: 'mill-1', path: 'acme/plant-1/machining/cell-1/mill-1', startedAt: '2026-01-01T01:00:00.000Z', failureAt: '2026-01-01T01:00:00.000Z', plantTime: '2026-01-01T01:00:00.000Z' } as const;
    const a = labelToEvent(l, 1);
    expect(labelToEvent(l, 1).event.id).toBe(a.event.id);
    expect(a.event.data.faultType).toBe('twf');
    expect(eventValidator.validate('FaultLabelled', 1, a.event.data)).toBeNull();
  });
});
