import { describe, expect, it } from 'vitest';
import { InvalidSubjectError } from '../src/errors.ts';
import { eventExamples, integrationEventExample, legacyEventExamples } from '../src/examples.ts';
import { eventSubject, eventSubjectOf, parseEventSubject, parseIntegrationEvent } from '../src/messages/integration-event.ts';
import { eventContracts, type EventType } from '../src/registry.ts';

describe('event subjects', () => {
  it('is evt.v1.<service>.<EventType>', () => {
    expect(eventSubject('governance', 'ModelPromoted')).toBe('evt.v1.governance.ModelPromoted');
    expect(eventSubjectOf('RecommendationRaised')).toBe('evt.v1.inference.RecommendationRaised');
  });

  it('round-trips for every registered type', () => {
    for (const type of Object.keys(eventContracts) as EventType[]) {
      expect(parseEventSubject(eventSubjectOf(type))).toEqual({ service: eventContracts[type].service, type });
    }
  });

  it('refuses a service that does not own the type', () => {
    expect(() => eventSubject('inference', 'ModelPromoted')).toThrow(/owned by governance, not inference/);
  });

  it('refuses unknown types and services', () => {
    expect(() => eventSubject('governance', 'PumpExploded' as EventType)).toThrow(InvalidSubjectError);
    expect(() => parseEventSubject('evt.v1.billing.InvoiceSent')).toThrow(/unknown service "billing"/);
    expect(() => parseEventSubject('evt.v1.governance.model_promoted')).toThrow(/PascalCase/);
    expect(() => parseEventSubject('evt.v2.governance.ModelPromoted')).toThrow(InvalidSubjectError);
  });
});

describe('relayed integration events', () => {
  it('accepts the example and types its data', () => {
    const event = parseIntegrationEvent(integrationEventExample);
    expect(event.type).toBe('ModelPromoted');
    if (event.type === 'ModelPromoted') expect(event.data.stage).toBe('production');
    expect(event).toEqual(integrationEventExample);
  });

  it('upcasts old data and keeps the recorded schemaVersion', () => {
    const old = {
      ...integrationEventExample,
      type: 'AccessDenied',
      stream: 'access-2025-03-05',
      data: legacyEventExamples.AccessDenied[1],
      metadata: { ...integrationEventExample.metadata, schemaVersion: 1 },
    };
    const event = parseIntegrationEvent(old);
    expect(event.data).toEqual({ ...legacyEventExamples.AccessDenied[1], transport: 'unknown', detail: 'missing-permission', roles: ['operator'] });
    expect(event.metadata.schemaVersion).toBe(1);
  });

  it('points into data with a data. prefix', () => {
    const bad = { ...integrationEventExample, data: { ...eventExamples.ModelPromoted, stage: 'canary' } };
    expect(() => parseIntegrationEvent(bad)).toThrow(expect.objectContaining({ code: 'CONTRACT_VIOLATION', field: 'data.stage' }));
  });

  it('points at the envelope field when the envelope is bad', () => {
    const badTrace = { ...integrationEventExample, metadata: { ...integrationEventExample.metadata, traceparent: 'abc' } };
    expect(() => parseIntegrationEvent(badTrace)).toThrow(expect.objectContaining({ field: 'metadata.traceparent' }));
    expect(() => parseIntegrationEvent({ ...integrationEventExample, position: 0 })).toThrow(expect.objectContaining({ field: 'position' }));
  });

  it('refuses an unsupported version, an unknown type or a stream of another family', () => {
    const future = { ...integrationEventExample, metadata: { ...integrationEventExample.metadata, schemaVersion: 2 } };
    expect(() => parseIntegrationEvent(future)).toThrow(expect.objectContaining({ field: 'metadata.schemaVersion' }));
    expect(() => parseIntegrationEvent({ ...integrationEventExample, type: 'PumpExploded' })).toThrow(expect.objectContaining({ field: 'type' }));
    expect(() => parseIntegrationEvent({ ...integrationEventExample, stream: 'usecase-1' })).toThrow(expect.objectContaining({ field: 'stream' }));
  });
});
