// The historian write as a database span (issue 20; OpenTelemetry database semantic conventions):
// kind CLIENT, `{db.operation.name} {db.collection.name}`, db.system.name (and the older db.system),
// db.namespace, db.operation.batch.size, server.address/port. A group commit writes the batches of
// many NATS messages — many traces — in one transaction: the span is a child of the first sampled
// message's processing span and links every other message's span (span links: "a batch joins many
// traces"), so each trace sees the write its samples went into.
import {
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  trace,
  type Attributes,
  type Context,
  type Link,
  type SpanContext,
} from '@industrial/telemetry/api';

const LINKS = createContextKey('industrial.dataops.group-commit.links');
/** Span links per span at most (the SDK's default limit is 128). */
const MAX_LINKS = 128;

/** The context a group's write runs in: parented by the first sampled submitter, linking the others. */
export function groupContext(contexts: readonly Context[]): Context {
  const spans = contexts.map((c) => trace.getSpanContext(c)).filter((s): s is SpanContext => s !== undefined && trace.isSpanContextValid(s));
  const parentIndex = Math.max(
    0,
    spans.findIndex((s) => (s.traceFlags & 1) === 1),
  );
  const parent = spans[parentIndex];
  const base = parent === undefined ? context.active() : trace.setSpanContext(context.active(), parent);
  const seen = new Set<string>(parent === undefined ? [] : [parent.spanId]);
  const links: Link[] = [];
  for (const s of spans) {
    if (links.length >= MAX_LINKS || seen.has(s.spanId)) continue;
    seen.add(s.spanId);
    links.push({ context: s });
  }
  return base.setValue(LINKS, links);
}

export interface DbSpanInfo {
  /** `postgresql` or `sqlite` (db.system.name). */
  readonly system: string;
  readonly operation: string;
  readonly collection: string;
  /** The schema (PostgreSQL) or file (SQLite). */
  readonly namespace: string;
  readonly batchSize: number;
  readonly server?: { address: string; port: number };
}

/** Runs `fn` inside the historian write's span (links from groupContext, when the write runs in one). */
export async function withDbSpan<T>(info: DbSpanInfo, fn: () => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'db.system.name': info.system,
    'db.system': info.system,
    'db.operation.name': info.operation,
    'db.collection.name': info.collection,
    'db.namespace': info.namespace,
    'db.operation.batch.size': info.batchSize,
    ...(info.server === undefined ? {} : { 'server.address': info.server.address, 'server.port': info.server.port }),
  };
  const links = (context.active().getValue(LINKS) as Link[] | undefined) ?? [];
  return trace
    .getTracer('dataops.historian')
    .startActiveSpan(`${info.operation} ${info.collection}`, { kind: SpanKind.CLIENT, attributes, links }, async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    });
}
