// Use case: reacting to other services' integration events (relayed from the event store to the
// bus). The labelling events become labels by the label policy (labels.ts); connectivity's
// TagMapped fills the catalog in. Every other type is ignored. The work is caused by the event:
// actor `svc:dataops`, the event's correlation id and trace, causation = the event's id.
import type { IntegrationEvent } from '@industrial/contracts';
import { serviceCause } from '@industrial/kernel';
import type { Catalog } from './catalog.ts';
import { labelOfEvent, type RecordLabel } from './labels.ts';

export type HandleIntegrationEvent = (event: IntegrationEvent) => Promise<void>;

export function createIntegrationEvents(deps: { recordLabel: RecordLabel; catalog: Catalog }): HandleIntegrationEvent {
  const { recordLabel, catalog } = deps;
  return async function handleIntegrationEvent(event) {
    const cause = serviceCause('dataops', event.metadata.correlationId, { causationId: event.id, traceparent: event.metadata.traceparent });
    switch (event.type) {
      case 'FaultLabelled':
      case 'OutcomeRecorded':
      case 'ProblemReported': {
        const label = labelOfEvent(event);
        if (label !== null) await recordLabel(label, cause);
        return;
      }
      case 'TagMapped':
        await catalog.applyTagMapped(event.data, cause);
        return;
      default:
        return;
    }
  };
}
