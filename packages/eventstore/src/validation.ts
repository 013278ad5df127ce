// Edge validation of append input. Everything is checked before anything is written.
import { canonicalJson } from './canonical.ts';
import { InvalidArgumentError } from './errors.ts';
import type { EventMetadata, EventValidator, ExpectedRevision, NewEvent } from './types.ts';

/** `<category>` or `<category>-<id>`; category lowercase, id may hold ISA-95 paths and uuids. */
export const STREAM_NAME = /^[a-z][a-z0-9]*(?:-[A-Za-z0-9._:@/+-]+)?$/;
export const EVENT_TYPE = /^[A-Z][A-Za-z0-9]{1,127}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
export const MAX_EVENTS_PER_APPEND = 10_000;

export interface PreparedEvent {
  id: string;
  type: string;
  /** Canonical JSON of data. */
  data: string;
  metadata: EventMetadata;
  /** Canonical JSON of the recorded metadata is `metaHead + "recordedAt":"…" + metaTail` (JCS key order). */
  metaHead: string;
  metaTail: string;
}

/**
 * Canonical text of validated metadata around the store-set recordedAt, computed once at the edge
 * (not under the write lock). Keys in JCS order: actor, causationId, correlationId, recordedAt, role,
 * schemaVersion, traceparent — `recordedMetadataJson` joins the parts; a unit test pins it to canonicalJson.
 */
export function metadataParts(m: EventMetadata, field: string): { metaHead: string; metaTail: string } {
  return {
    metaHead: `{"actor":${canonicalJson(m.actor, `${field}.actor`)},"causationId":${canonicalJson(m.causationId, `${field}.causationId`)},"correlationId":${canonicalJson(m.correlationId, `${field}.correlationId`)},`,
    metaTail: `,"role":${canonicalJson(m.role, `${field}.role`)},"schemaVersion":${canonicalJson(m.schemaVersion, `${field}.schemaVersion`)},"traceparent":${canonicalJson(m.traceparent, `${field}.traceparent`)}}`,
  };
}

/** Canonical JSON of `{ ...metadata, recordedAt }` from the parts of `metadataParts`. */
export function recordedMetadataJson(e: Pick<PreparedEvent, 'metaHead' | 'metaTail'>, recordedAt: string): string {
  return `${e.metaHead}"recordedAt":${JSON.stringify(recordedAt)}${e.metaTail}`;
}

export function validateStreamName(stream: unknown, field = 'stream'): string {
  if (typeof stream !== 'string') throw new InvalidArgumentError(field, 'must be a string');
  if (stream.length === 0 || stream.length > 256) throw new InvalidArgumentError(field, 'must be 1 to 256 characters');
  if (!STREAM_NAME.test(stream))
    throw new InvalidArgumentError(
      field,
      `"${stream}" is not a legal stream name: use <category> or <category>-<id>, category in lowercase letters/digits (e.g. "usecase-42", "asset-acme.plant1.line2.pump-4")`,
    );
  return stream;
}

export function validateExpectedRevision(expected: unknown): ExpectedRevision {
  if (expected === undefined || expected === 'any' || expected === 'no-stream') return expected ?? 'any';
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidArgumentError('expectedRevision', `must be "any", "no-stream" or a revision ≥ 0, got ${JSON.stringify(expected) ?? String(expected)}`);
}

function str(v: unknown, field: string, opts: { nullable?: boolean; max?: number } = {}): string | null {
  if (v === null && opts.nullable) return null;
  if (typeof v !== 'string' || v.length === 0)
    throw new InvalidArgumentError(field, opts.nullable ? 'must be a non-empty string or null' : 'is required (a non-empty string)');
  if (v.length > (opts.max ?? 256)) throw new InvalidArgumentError(field, `must be at most ${opts.max ?? 256} characters`);
  return v;
}

export function validateMetadata(m: unknown, field: string): EventMetadata {
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new InvalidArgumentError(field, 'is required (an object with actor, role, correlationId, causationId, traceparent, schemaVersion)');
  const r = m as Record<string, unknown>;
  const traceparent = str(r.traceparent ?? null, `${field}.traceparent`, { nullable: true });
  if (traceparent !== null && !TRACEPARENT.test(traceparent))
    throw new InvalidArgumentError(`${field}.traceparent`, 'is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');
  const schemaVersion = r.schemaVersion;
  if (typeof schemaVersion !== 'number' || !Number.isSafeInteger(schemaVersion) || schemaVersion < 1)
    throw new InvalidArgumentError(`${field}.schemaVersion`, 'must be an integer ≥ 1');
  for (const k of Object.keys(r)) {
    if (!['actor', 'role', 'correlationId', 'causationId', 'traceparent', 'schemaVersion'].includes(k))
      throw new InvalidArgumentError(`${field}.${k}`, 'is not a metadata field (recordedAt is set by the store)');
  }
  return {
    actor: str(r.actor, `${field}.actor`) as string,
    role: str(r.role, `${field}.role`, { max: 64 }) as string,
    correlationId: str(r.correlationId, `${field}.correlationId`) as string,
    causationId: str(r.causationId ?? null, `${field}.causationId`, { nullable: true }),
    traceparent,
    schemaVersion,
  };
}

export function prepareEvents(events: unknown, validator: EventValidator | undefined): PreparedEvent[] {
  if (!Array.isArray(events) || events.length === 0) throw new InvalidArgumentError('events', 'must be a non-empty array');
  if (events.length > MAX_EVENTS_PER_APPEND) throw new InvalidArgumentError('events', `at most ${MAX_EVENTS_PER_APPEND} events per append`);
  const ids = new Set<string>();
  // Events of one append usually share one metadata object: validate and canonicalise it once.
  let lastInput: unknown = undefined;
  let last: { metadata: EventMetadata; metaHead: string; metaTail: string } | null = null;
  return events.map((e: unknown, i): PreparedEvent => {
    const f = `events[${i}]`;
    if (typeof e !== 'object' || e === null) throw new InvalidArgumentError(f, 'must be an object {id, type, data, metadata}');
    const ev = e as Partial<NewEvent>;
    if (typeof ev.id !== 'string' || !UUID.test(ev.id))
      throw new InvalidArgumentError(`${f}.id`, 'must be a UUID chosen by the client (v7 preferred) so that retries are idempotent');
    const id = ev.id.toLowerCase();
    if (ids.has(id)) throw new InvalidArgumentError(`${f}.id`, `duplicate event id ${id} in one append`);
    ids.add(id);
    if (typeof ev.type !== 'string' || !EVENT_TYPE.test(ev.type))
      throw new InvalidArgumentError(`${f}.type`, 'must be a PascalCase event type such as "ModelPromoted"');
    if (last === null || ev.metadata !== lastInput || typeof ev.metadata !== 'object' || ev.metadata === null) {
      const metadata = validateMetadata(ev.metadata, `${f}.metadata`);
      last = { metadata, ...metadataParts(metadata, `${f}.metadata`) };
      lastInput = ev.metadata;
    }
    const { metadata, metaHead, metaTail } = last;
    if (!('data' in ev)) throw new InvalidArgumentError(`${f}.data`, 'is required');
    const data = canonicalJson(ev.data, `${f}.data`);
    if (validator) {
      const problem = validator.validate(ev.type, metadata.schemaVersion, ev.data);
      if (problem) throw new InvalidArgumentError(problem.path ? `${f}.data.${problem.path}` : `${f}.data`, problem.reason);
    }
    return { id, type: ev.type, data, metadata, metaHead, metaTail };
  });
}
