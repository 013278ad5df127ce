// gRPC adapter of the audit API (industrial.governance.v1.AuditService): edge validation of each
// request, the permission each method needs, and the mapping between the store's RecordedEvent
// and the proto Event. Reading and replay rules live in domain/audit.ts.
import { Permission } from '@industrial/access';
import { IsoDateTime } from '@industrial/contracts';
import { STREAM_NAME, canonicalJson, type RecordedEvent } from '@industrial/eventstore';
import { type commonV1, defineService, fromSchema, governanceV1, serverStream, unary } from '@industrial/grpc';
import { z } from 'zod';
import { MAX_PAGE_SIZE, pageSize, type Direction, type ReplayQuery } from '../../domain/audit.ts';
import type { AuditFeatures } from '../../features/audit.ts';

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

/** The AuditService methods: reads need `audit.read`, verify `audit.verify`, replay `audit.replay`. */
export function auditService(audit: AuditFeatures) {
  return defineService(AuditServiceService, {
    readStream: unary({
      permission: Permission.AuditRead,
      input: readStreamInput,
      async handle(q) {
        const page = await audit.readStream(q);
        return { events: page.events.map(toProtoEvent), nextRevision: page.nextRevision ?? undefined };
      },
    }),
    readAll: unary({
      permission: Permission.AuditRead,
      input: readAllInput,
      async handle(q) {
        const page = await audit.readAll(q);
        return { events: page.events.map(toProtoEvent), nextPosition: page.nextPosition ?? undefined, headPosition: page.headPosition };
      },
    }),
    verifyIntegrity: unary({
      permission: Permission.AuditVerify,
      input: verifyInput,
      async handle(q) {
        const report = await audit.verify(q);
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
      async *handle(q, ctx) {
        for await (const event of audit.replay(q, ctx.signal)) yield { event: toProtoEvent(event) };
      },
    }),
  });
}
