// gRPC adapter of the audit API (industrial.governance.v1.AuditService): edge validation of each
// request, the permission each method needs, and the mapping between the store's RecordedEvent
// and the proto Event. Reading and replay rules live in domain/audit.ts.
import { Permission } from '@industrial/access';
import { IsoDateTime } from '@industrial/contracts';
import { STREAM_NAME, canonicalJson, type EventStore, type RecordedEvent } from '@industrial/eventstore';
import { commonV1, defineService, fromSchema, governanceV1, serverStream, unary } from '@industrial/grpc';
import { z } from 'zod';
import {
  MAX_PAGE_SIZE,
  REPLAY_BATCH,
  initialReplayState,
  nextPosition,
  nextRevision,
  pageSize,
  replayBatch,
  type Direction,
  type ReplayQuery,
} from '../../domain/audit.ts';

const { AuditServiceService, Direction: ProtoDirection } = governanceV1;

const position = (what: string) => z.number().int(`${what} must be an integer`).min(0, `${what} must be ≥ 0`);
const maxCount = z.number().int().min(0).max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE} (0 = default)`);
const streamName = z
  .string()
  .min(1, 'is required')
  .max(256, 'must be at most 256 characters')
  .regex(STREAM_NAME, 'is not a legal stream name: use <category> or <category>-<id>, category in lowercase letters/digits (e.g. "model-scrap-rate")');
const streamPrefix = z
  .string()
  .min(1, 'must not be empty')
  .max(256)
  .regex(/^[a-z][A-Za-z0-9._:@/+-]*$/, 'must be the start of a stream name (lowercase category first, e.g. "access-" or "model")');

const directionOf: Record<number, Direction | undefined> = {
  [ProtoDirection.DIRECTION_UNSPECIFIED]: 'forwards',
  [ProtoDirection.DIRECTION_FORWARDS]: 'forwards',
  [ProtoDirection.DIRECTION_BACKWARDS]: 'backwards',
};

const readStreamInput = fromSchema(
  z.object({
    stream: streamName,
    direction: z.number().transform((d, ctx) => {
      const dir = directionOf[d];
      if (dir === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be DIRECTION_FORWARDS or DIRECTION_BACKWARDS' });
        return z.NEVER;
      }
      return dir;
    }),
    fromRevision: position('revision').optional(),
    maxCount: maxCount.transform(pageSize),
  }),
);

const readAllInput = fromSchema(
  z.object({
    fromPosition: position('position').transform((p) => (p === 0 ? 1 : p)),
    maxCount: maxCount.transform(pageSize),
  }),
);

const verifyInput = fromSchema(
  z
    .object({ fromPosition: position('position'), toPosition: position('position') })
    .refine((r) => r.toPosition === 0 || r.fromPosition <= r.toPosition, { message: 'must be ≥ from_position (or 0 = the last event)', path: ['toPosition'] }),
);

const replayInput = fromSchema(
  z.object({
    toTime: IsoDateTime,
    streamPrefixes: z.array(streamPrefix).max(50, 'at most 50 prefixes'),
    afterPosition: position('position'),
  }),
);

/** Store event → proto Event; the payload as the canonical JSON the hash covers. */
export function toProtoEvent(e: RecordedEvent): commonV1.Event {
  return {
    id: e.id,
    type: e.type,
    stream: e.stream,
    revision: e.revision,
    position: e.position,
    dataJson: canonicalJson(e.data, 'data'),
    metadata: {
      actor: e.metadata.actor,
      role: e.metadata.role,
      correlationId: e.metadata.correlationId,
      causationId: e.metadata.causationId ?? '',
      traceparent: e.metadata.traceparent ?? '',
      schemaVersion: e.metadata.schemaVersion,
      recordedAt: e.metadata.recordedAt,
    },
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

async function* replay(store: EventStore, query: ReplayQuery, signal: AbortSignal): AsyncGenerator<governanceV1.ReplayToResponse> {
  let state = initialReplayState(query);
  const head = await store.headPosition();
  // Resuming beyond the head has nothing to replay (and readAll would refuse the position).
  if (state.lastPosition >= head) return;
  while (!state.done) {
    signal.throwIfAborted();
    const batch = await store.readAll({ fromPosition: state.lastPosition + 1, maxCount: REPLAY_BATCH });
    const step = replayBatch(state, batch, REPLAY_BATCH, query);
    state = step.state;
    for (const event of step.emit) yield { event: toProtoEvent(event) };
  }
}

/** The AuditService methods: reads need `audit.read`, verify `audit.verify`, replay `audit.replay`. */
export function auditService(store: EventStore) {
  return defineService(AuditServiceService, {
    readStream: unary({
      permission: Permission.AuditRead,
      input: readStreamInput,
      async handle(q) {
        const events = await store.readStream(q.stream, {
          direction: q.direction,
          maxCount: q.maxCount,
          ...(q.fromRevision === undefined ? {} : { fromRevision: q.fromRevision }),
        });
        return { events: events.map(toProtoEvent), nextRevision: nextRevision(events, q.direction, q.maxCount) ?? undefined };
      },
    }),
    readAll: unary({
      permission: Permission.AuditRead,
      input: readAllInput,
      async handle(q) {
        const head = await store.headPosition();
        const events = await store.readAll({ fromPosition: q.fromPosition, maxCount: q.maxCount });
        const last = events.at(-1)?.position ?? 0;
        const headPosition = Math.max(head, last);
        return { events: events.map(toProtoEvent), nextPosition: nextPosition(events, q.maxCount, headPosition) ?? undefined, headPosition };
      },
    }),
    verifyIntegrity: unary({
      permission: Permission.AuditVerify,
      input: verifyInput,
      async handle(q) {
        const report = await store.verify({
          ...(q.fromPosition === 0 ? {} : { fromPosition: q.fromPosition }),
          ...(q.toPosition === 0 ? {} : { toPosition: q.toPosition }),
        });
        return {
          ok: report.ok,
          checked: report.checked,
          lastPosition: report.lastPosition,
          anchorsChecked: report.anchorsChecked,
          sealsChecked: report.sealsChecked,
          firstBadPosition: report.firstBadPosition ?? undefined,
          problem: report.problem ?? '',
          detail: report.detail ?? '',
        };
      },
    }),
    replayTo: serverStream({
      permission: Permission.AuditReplay,
      input: (request: governanceV1.ReplayToRequest): ReplayQuery => {
        const r = replayInput(request);
        return { toTimeMs: Date.parse(r.toTime), streamPrefixes: r.streamPrefixes, afterPosition: r.afterPosition };
      },
      handle: (q, ctx) => replay(store, q, ctx.signal),
    }),
  });
}
