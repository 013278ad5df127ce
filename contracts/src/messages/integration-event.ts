// Integration events on NATS: the recorded event, exactly as committed to the event store, relayed
// on `evt.v1.<service>.<EventType>` with `Nats-Msg-Id` = event id. Consumers validate the envelope and
// the data at its recorded schemaVersion, then read the data at the latest version (upcast).
import { z } from 'zod';
import { type Service, services, type LatestDataOf } from '../contract.ts';
import { ContractViolationError, InvalidSubjectError } from '../errors.ts';
import { allFailures, firstFailure } from '../issues.ts';
import { IsoDateTime, Role, Sha256Hex, Subject, Uuid } from '../primitives.ts';
import { contracts, eventContracts, type EventData, type EventType } from '../registry.ts';

export const EVT_PREFIX = 'evt.v1';

/**
 * The stream the relay publishes recorded events to. Its owner is the relay; every process that
 * ensures it (the relay, dataops' consumer, a launcher provisioning it) uses these limits, so no start
 * rewrites another's config. The duplicate window covers a relay that republishes after a restart.
 */
export const EVENTS_STREAM = { name: 'EVENTS', subjects: [`${EVT_PREFIX}.>`], duplicateWindowMs: 10 * 60_000 } as const;

const pascalCase = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/;

/** `evt.v1.<service>.<EventType>`; the type must be registered and owned by `service`. */
export function eventSubject(service: Service, type: EventType): string {
  if (!services.includes(service)) throw new InvalidSubjectError('service', `unknown service "${String(service)}"; expected one of ${services.join(', ')}`);
  if (!contracts.isEventType(type)) throw new InvalidSubjectError('type', `unknown event type "${String(type)}"`);
  const owner = eventContracts[type].service;
  if (owner !== service) throw new InvalidSubjectError('service', `event type "${type}" is owned by ${owner}, not ${service}`);
  return `${EVT_PREFIX}.${service}.${type}`;
}

/** Subject of an event type from its owner: `eventSubjectOf('ModelPromoted')` → `evt.v1.governance.ModelPromoted`. */
export function eventSubjectOf(type: EventType): string {
  return eventSubject(eventContracts[type].service, type);
}

export function parseEventSubject(subject: string): { service: Service; type: string } {
  const tokens = subject.split('.');
  if (tokens.length !== 4 || `${tokens[0]}.${tokens[1]}` !== EVT_PREFIX) {
    throw new InvalidSubjectError('subject', `event subject "${subject}" must look like "${EVT_PREFIX}.<service>.<EventType>"`);
  }
  const [, , service = '', type = ''] = tokens;
  if (!(services as readonly string[]).includes(service)) throw new InvalidSubjectError('service', `event subject "${subject}": unknown service "${service}"`);
  if (!pascalCase.test(type)) throw new InvalidSubjectError('type', `event subject "${subject}": type "${type}" must be PascalCase`);
  return { service: service as Service, type };
}

/** W3C trace context `traceparent` header value. */
const Traceparent = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent (00-<trace-id>-<span-id>-<flags>)');

export const IntegrationEventSchema = z.strictObject({
  id: Uuid,
  type: z.string().regex(pascalCase, 'must be a PascalCase event type'),
  stream: z.string().min(1).max(400),
  /** 0-based position in the stream. */
  revision: z.int().nonnegative(),
  /** 1-based, gapless global position. */
  position: z.int().min(1),
  data: z.unknown(),
  metadata: z.strictObject({
    actor: Subject,
    role: Role,
    correlationId: z.string().min(1).max(200),
    causationId: z.string().min(1).max(200).nullable(),
    traceparent: Traceparent.nullable(),
    schemaVersion: z.int().min(1),
    recordedAt: IsoDateTime,
  }),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
});

/** The envelope as relayed, `data` not yet checked. */
export type IntegrationEventEnvelope = z.infer<typeof IntegrationEventSchema>;

/**
 * An integration event whose data has been validated and upcast to the latest version of its type.
 * `metadata.schemaVersion` stays the recorded one: the envelope is what was hashed.
 */
export type IntegrationEvent<T extends EventType = EventType> = {
  [K in T]: Omit<IntegrationEventEnvelope, 'type' | 'data'> & { type: K; data: EventData<K> };
}[T];

/**
 * Validates a relayed event: envelope, registered type, stream family, then data at its recorded
 * schemaVersion, and returns it with data at the latest version. Throws `ContractViolationError`
 * whose `field` is the path in the envelope (`metadata.traceparent`, `data.kpis[0].baseline`).
 */
export function parseIntegrationEvent(payload: unknown): IntegrationEvent {
  const result = IntegrationEventSchema.safeParse(payload, { reportInput: true });
  if (!result.success) {
    const failure = firstFailure(result.error);
    throw new ContractViolationError('IntegrationEvent', undefined, failure.path, failure.reason, { details: allFailures(result.error) });
  }
  const envelope = result.data;
  const { type } = envelope;
  if (!contracts.isEventType(type)) throw new ContractViolationError(type, envelope.metadata.schemaVersion, 'type', `unknown event type "${type}"`);
  const family = eventContracts[type].streamFamily;
  if (!envelope.stream.startsWith(family) || envelope.stream.length === family.length) {
    throw new ContractViolationError(type, envelope.metadata.schemaVersion, 'stream', `must be a "${family}<id>" stream (got "${envelope.stream}")`);
  }
  const { schemaVersion } = envelope.metadata;
  if (contracts.getContract(type, schemaVersion) === undefined) {
    throw new ContractViolationError(
      type,
      schemaVersion,
      'metadata.schemaVersion',
      `unsupported schemaVersion ${schemaVersion} of "${type}"; supported versions: 1 to ${contracts.latestVersion(type)}`,
    );
  }
  let data: LatestDataOf<(typeof eventContracts)[typeof type]>;
  try {
    data = contracts.parseEvent(type, schemaVersion, envelope.data);
  } catch (error) {
    if (!(error instanceof ContractViolationError)) throw error;
    const field = error.field === '' ? 'data' : `data${error.field.startsWith('[') ? '' : '.'}${error.field}`;
    throw new ContractViolationError(type, error.schemaVersion, field, error.reason, {
      cause: error,
      details: error.details.map((d) => ({ path: d.path === '' ? 'data' : `data.${d.path}`, reason: d.reason })),
    });
  }
  return { ...envelope, type, data } as IntegrationEvent;
}
