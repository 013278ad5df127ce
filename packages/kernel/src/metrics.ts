// The kernel's metrics (meter `industrial.kernel`), on the global meter provider that runService's
// telemetry registered; a no-op without one. Names and attributes after the OpenTelemetry semantic
// conventions: the store append is a database client operation (`db.client.operation.duration`,
// `db.system.name`, `db.operation.name` = append, `db.collection.name` = the stream family, bounded;
// `error.type` on a failed append). The service is the resource's `service.name` (Prometheus:
// the `service_name` label), not an attribute.
import { streamFamilyOf } from '@industrial/contracts';
import { metrics, ValueType, type Attributes, type Counter, type Histogram } from '@industrial/telemetry/api';

export const KERNEL_METER = 'industrial.kernel';

/** Seconds; the semantic conventions' advice for db.client.operation.duration, with 2.5 ms and 25 ms added. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface KernelMetrics {
  /** One store append: its duration and, when it succeeded, the events it wrote by type. */
  appended(stream: string, types: readonly string[], seconds: number, error: unknown): void;
  /** An append the kernel refused before the store (ownership, unknown type or schema version). */
  refused(stream: string, type: string | null, code: string): void;
  /** The stream moved between read and append: `retried` when the loop runs again, else the conflict surfaced. */
  conflict(stream: string, outcome: 'retried' | 'exhausted' | 'stale_client'): void;
}

interface Instruments {
  readonly duration: Histogram;
  readonly events: Counter;
  readonly refusals: Counter;
  readonly retries: Counter;
  readonly conflicts: Counter;
}

let instruments: Instruments | undefined;
let provider: unknown;

/** The instruments of the current global meter provider (re-created when a test installs another). */
function current(): Instruments {
  const p = metrics.getMeterProvider();
  if (instruments !== undefined && p === provider) return instruments;
  const meter = p.getMeter(KERNEL_METER);
  provider = p;
  instruments = {
    duration: meter.createHistogram('db.client.operation.duration', {
      description: 'Duration of event-store operations issued by the kernel (append)',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    events: meter.createCounter('eventstore.events.appended', {
      description: 'Events appended to the event store through the kernel, by event type',
      unit: '{event}',
      valueType: ValueType.INT,
    }),
    refusals: meter.createCounter('kernel.append.refusals', {
      description: 'Appends refused by the kernel before the store: ownership, unknown type or schema version',
      unit: '{append}',
      valueType: ValueType.INT,
    }),
    retries: meter.createCounter('kernel.concurrency.retries', {
      description: 'Read-fold-decide-append loops run again because the stream moved (optimistic concurrency)',
      unit: '{retry}',
      valueType: ValueType.INT,
    }),
    conflicts: meter.createCounter('kernel.concurrency.conflicts', {
      description: 'Concurrency conflicts surfaced to the caller (retries exhausted, or a stale client revision)',
      unit: '{conflict}',
      valueType: ValueType.INT,
    }),
  };
  return instruments;
}

const familyOf = (stream: string): string => streamFamilyOf(stream) ?? 'other';

export function kernelMetrics(dbSystem: string): KernelMetrics {
  const system = dbSystem === 'postgres' ? 'postgresql' : dbSystem;
  return {
    appended(stream, types, seconds, error) {
      const i = current();
      const attributes: Attributes = { 'db.system.name': system, 'db.operation.name': 'append', 'db.collection.name': familyOf(stream) };
      if (error !== undefined) attributes['error.type'] = error instanceof Error ? error.name : 'unknown';
      i.duration.record(seconds, attributes);
      if (error !== undefined) return;
      const counts = new Map<string, number>();
      for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [type, n] of counts) i.events.add(n, { 'event.type': type, 'db.collection.name': attributes['db.collection.name'] });
    },
    refused(stream, type, code) {
      current().refusals.add(1, { 'db.collection.name': familyOf(stream), 'event.type': type ?? 'unknown', 'error.type': code });
    },
    conflict(stream, outcome) {
      const i = current();
      const attributes = { 'db.collection.name': familyOf(stream) };
      if (outcome === 'retried') i.retries.add(1, attributes);
      else i.conflicts.add(1, { ...attributes, 'kernel.conflict.cause': outcome });
    },
  };
}
