// gRPC adapter of industrial.connectivity.v1.ConnectivityService: edge validation of every request
// (zod → INVALID_ARGUMENT naming the proto field), the permission each method needs, the mapping
// between proto messages and the app's types, and connectivity errors → gRPC status. The methods
// map 1:1 onto the use cases (ConnectivityApi in src/ports.ts): registerSource, browse, mapTags,
// listTags, sourceHealth and subscribeUns. A write's cause is the authenticated caller's. Passwords are only ever handed to the app: no response, error
// message or log line carries them.
import { Permission } from '@industrial/access';
import { Service, UNS_PREFIX, lineText, unsLevels, type UnsSampleBatch } from '@industrial/contracts';
import { connectivityV1, defineService, fromSchema, protoFieldName, serverStream, unary, type CallContext } from '@industrial/grpc';
import { causeOfCall, resourceOfAssetPath, type Cause } from '@industrial/kernel';
import { z } from 'zod';
import { ConnectivityErrorCode, isConnectivityError, type ConnectivityError } from '../../domain/errors.ts';
import type { ExplicitMappingInput, TagMapping } from '../../domain/mapping.ts';
import type { ConnectivityApi, MapTagsRequest, SourceHealth } from '../../ports.ts';

const { ConnectivityServiceService, SecurityMode } = connectivityV1;

/**
 * Connectivity error code → the platform's typed code (@industrial/grpc errors.ts turns that into
 * the status). The connectivity code leads the message (`SOURCE_UNREACHABLE: …`) so a client can
 * tell an OPC UA server's refusal from the platform's own access decision.
 */
export const GRPC_CODE_BY_CONNECTIVITY_CODE: Readonly<Record<ConnectivityErrorCode, string>> = Object.freeze({
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  SOURCE_NOT_FOUND: 'NOT_FOUND',
  NODE_NOT_FOUND: 'NOT_FOUND',
  SOURCE_EXISTS: 'ALREADY_EXISTS',
  // Transient: the endpoint may come back, retrying the same request can succeed.
  SOURCE_UNREACHABLE: 'UNAVAILABLE',
  SOURCE_NOT_CONNECTED: 'UNAVAILABLE',
  BUFFER_CLOSED: 'UNAVAILABLE',
  // The system must change first (trust the certificate, offer the endpoint): not retryable as is.
  CERTIFICATE_UNTRUSTED: 'FAILED_PRECONDITION',
  SECURITY_NOT_OFFERED: 'FAILED_PRECONDITION',
  // The OPC UA server refused the credentials in the request. PERMISSION_DENIED, not
  // UNAUTHENTICATED: the caller's own bearer token was valid, and clients treat UNAUTHENTICATED
  // as "refresh your token and retry", which would only repeat the wrong password.
  SOURCE_AUTHENTICATION_FAILED: 'PERMISSION_DENIED',
});

/** A connectivity failure as the gRPC layer maps it (typed `code`, `field` in proto form). */
export class ConnectivityRpcError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly connectivityCode: string;
  constructor(code: string, connectivityCode: string, message: string, field?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ConnectivityRpcError';
    this.code = code;
    this.connectivityCode = connectivityCode;
    this.field = field;
  }
}

/** Spec/app field (`auth.password`, `subscription.samplingIntervalMs`) → request field in proto form. */
export function protoField(field: string | null): string | undefined {
  if (field === null || field === '') return undefined;
  if (field === 'source') return 'request';
  if (field === 'auth' || field === 'auth.kind' || field === 'auth.username') return 'username';
  if (field === 'auth.password') return 'password';
  return field
    .split('.')
    .map((p) => protoFieldName(p))
    .join('.');
}

/** Maps a thrown connectivity error; anything else passes through (INTERNAL, logged with its cause). */
export function toRpcError(error: unknown, fieldFor: (e: ConnectivityError) => string | undefined = (e) => protoField(e.field)): unknown {
  if (!isConnectivityError(error)) return error;
  const code = GRPC_CODE_BY_CONNECTIVITY_CODE[error.code] ?? 'INTERNAL';
  const message = error.code === 'INVALID_ARGUMENT' ? error.message : `${error.code}: ${error.message}`;
  return new ConnectivityRpcError(code, error.code, message, fieldFor(error), error);
}

async function mapped<T>(work: () => Promise<T> | T, fieldFor?: (e: ConnectivityError) => string | undefined): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRpcError(error, fieldFor);
  }
}

const causeOf = (ctx: CallContext): Cause => causeOfCall(ctx, { service: Service.Connectivity });

// ── edge validation ──────────────────────────────────────────────────────────────────────────

const sourceId = z.uuid('must be a UUID');
const optionalSourceId = z.union([z.literal(''), sourceId]);
const nodeId = z.string().max(500, 'must be at most 500 characters');
const positiveOrUnset = (max: number) => z.number().int('must be an integer').min(0, 'must be ≥ 0').max(max, `must be at most ${max}`);

const securityModeOf: Record<number, 'None' | 'Sign' | 'SignAndEncrypt' | undefined> = {
  [SecurityMode.SECURITY_MODE_NONE]: 'None',
  [SecurityMode.SECURITY_MODE_SIGN]: 'Sign',
  [SecurityMode.SECURITY_MODE_SIGN_AND_ENCRYPT]: 'SignAndEncrypt',
};

const Subscription = z.object({
  samplingIntervalMs: positiveOrUnset(3_600_000),
  publishingIntervalMs: positiveOrUnset(3_600_000),
  queueSize: positiveOrUnset(10_000),
  deadband: z
    .object({
      type: z.enum(['', 'none', 'absolute', 'percent'], { message: 'must be "none", "absolute" or "percent"' }),
      value: z.number().min(0, 'must be ≥ 0'),
    })
    .optional(),
});

const RegisterSource = z
  .object({
    sourceId,
    name: z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters').superRefine(lineText),
    protocol: z.enum(['opcua', 'mqtt'], { message: 'must be "opcua" or "mqtt"' }),
    endpoint: z.string().min(1, 'is required').max(500, 'must be at most 500 characters'),
    securityMode: z
      .number()
      .refine((m) => m === SecurityMode.SECURITY_MODE_UNSPECIFIED || securityModeOf[m] !== undefined, 'must be SECURITY_MODE_NONE, _SIGN or _SIGN_AND_ENCRYPT'),
    securityPolicy: z.string().max(64, 'must be at most 64 characters'),
    username: z.string().max(200, 'must be at most 200 characters').superRefine(lineText),
    // The value never appears in a message: only its presence and length are checked here.
    password: z.string().max(500, 'must be at most 500 characters'),
    subscription: Subscription.optional(),
    bufferCapacity: positiveOrUnset(100_000_000),
    autoMapRoot: nodeId,
    sparkplug: z
      .object({
        groupId: z.string(),
        enterprise: z.string(),
        site: z.string(),
        area: z.string(),
        nodeAsset: z.string(),
        assets: z.array(z.object({ edgeNode: z.string(), device: z.string(), assetPath: z.string() })),
        rebirthIntervalMs: z.number(),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.sparkplug !== undefined && r.protocol !== 'mqtt') ctx.addIssue({ code: 'custom', path: ['sparkplug'], message: 'applies to mqtt sources only' });
    if (r.username !== '' && r.password === '') ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required with a username' });
    if (r.username === '' && r.password !== '') ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required with a password' });
  })
  .transform((r) => {
    const sub = r.subscription;
    const subscription: Record<string, unknown> = {};
    if (sub?.samplingIntervalMs) subscription.samplingIntervalMs = sub.samplingIntervalMs;
    if (sub?.publishingIntervalMs) subscription.publishingIntervalMs = sub.publishingIntervalMs;
    if (sub?.queueSize) subscription.queueSize = sub.queueSize;
    if (sub?.deadband && sub.deadband.type !== '') {
      subscription.deadband = sub.deadband.type === 'none' ? { type: 'none' } : { type: sub.deadband.type, value: sub.deadband.value };
    }
    const mode = securityModeOf[r.securityMode];
    return {
      sourceId: r.sourceId,
      name: r.name,
      protocol: r.protocol,
      endpoint: r.endpoint,
      ...(mode === undefined ? {} : { securityMode: mode }),
      ...(r.securityPolicy === '' ? {} : { securityPolicy: r.securityPolicy }),
      auth: r.username === '' ? { kind: 'anonymous' } : { kind: 'userPassword', username: r.username, password: r.password },
      ...(Object.keys(subscription).length === 0 ? {} : { subscription }),
      ...(r.bufferCapacity === 0 ? {} : { bufferCapacity: r.bufferCapacity }),
      ...(r.autoMapRoot === '' ? {} : { autoMapRoot: r.autoMapRoot }),
      // The app validates the Sparkplug settings (errors name sparkplug.<field>, mapped to the proto names).
      ...(r.sparkplug === undefined
        ? {}
        : {
            payloadFormat: 'sparkplug-b',
            sparkplug: {
              groupId: r.sparkplug.groupId,
              enterprise: r.sparkplug.enterprise,
              site: r.sparkplug.site,
              ...(r.sparkplug.area === '' ? {} : { area: r.sparkplug.area }),
              ...(r.sparkplug.nodeAsset === '' ? {} : { nodeAsset: r.sparkplug.nodeAsset }),
              assets: r.sparkplug.assets.map((a) => ({ edgeNode: a.edgeNode, device: a.device === '' ? null : a.device, assetPath: a.assetPath })),
              ...(r.sparkplug.rebirthIntervalMs === 0 ? {} : { rebirthIntervalMs: r.sparkplug.rebirthIntervalMs }),
            },
          }),
    };
  });

const MappingInput = z
  .object({
    address: z.string().trim().min(1, 'is required').max(500, 'must be at most 500 characters'),
    unsPath: z.string().min(1, 'is required (enterprise.site.area.line.asset.tag)').max(400, 'must be at most 400 characters'),
    dataType: z.enum(['', 'number', 'boolean', 'string'], { message: 'must be "number", "boolean" or "string" (or empty)' }),
    unit: z.string().max(32, 'must be at most 32 characters'),
    range: z.object({ low: z.number(), high: z.number() }).optional(),
    samplingIntervalMs: positiveOrUnset(3_600_000),
    valueField: z.string().max(200, 'must be at most 200 characters'),
    timestampField: z.string().max(200, 'must be at most 200 characters'),
  })
  .transform((m): ExplicitMappingInput => ({
    address: m.address,
    unsPath: m.unsPath,
    ...(m.dataType === '' ? {} : { dataType: m.dataType }),
    ...(m.unit === '' ? {} : { unit: m.unit }),
    ...(m.range === undefined || (m.range.low === 0 && m.range.high === 0) ? {} : { range: m.range }),
    ...(m.samplingIntervalMs === 0 ? {} : { samplingIntervalMs: m.samplingIntervalMs }),
    ...(m.valueField === '' ? {} : { valueField: m.valueField }),
    ...(m.timestampField === '' ? {} : { timestampField: m.timestampField }),
  }));

const MapTags = z
  .object({
    sourceId,
    autoMapRoot: nodeId,
    mappings: z.array(MappingInput).max(10_000, 'at most 10000 mappings per call'),
  })
  .superRefine((r, ctx) => {
    if (r.autoMapRoot === '' && r.mappings.length === 0)
      ctx.addIssue({ code: 'custom', path: ['mappings'], message: 'give auto_map_root or at least one mapping' });
  })
  .transform((r): MapTagsRequest => ({
    sourceId: r.sourceId,
    ...(r.autoMapRoot === '' ? {} : { autoMapRoot: r.autoMapRoot }),
    ...(r.mappings.length === 0 ? {} : { mappings: r.mappings }),
  }));

const UNS_TOKEN = /^[a-z0-9_-]{1,64}$/;

/** `enterprise[.site[.area[.line[.asset]]]]`, every token legal; the error names the level and the token. */
export const AssetPathPrefix = z.string().superRefine((prefix, ctx) => {
  if (prefix === '') return;
  const tokens = prefix.split('.');
  if (tokens.length > unsLevels.length) {
    ctx.addIssue({
      code: 'custom',
      message: `"${prefix}" has ${tokens.length} levels; an asset path has at most ${unsLevels.length} (${unsLevels.join('.')})`,
    });
    return;
  }
  tokens.forEach((token, i) => {
    const level = unsLevels[i]!;
    if (token === '') ctx.addIssue({ code: 'custom', message: `UNS ${level} is empty in "${prefix}"` });
    else if (!UNS_TOKEN.test(token))
      ctx.addIssue({ code: 'custom', message: `UNS ${level} "${token.slice(0, 80)}" is invalid: use 1–64 lowercase letters, digits, "_" and "-"` });
  });
});

// ── proto mapping ─────────────────────────────────────────────────────────────────────────────

export function toProtoTag(m: TagMapping): connectivityV1.Tag {
  return {
    sourceId: m.sourceId,
    address: m.address,
    assetPath: m.assetPath,
    tag: m.tag,
    dataType: m.dataType,
    unit: m.unit ?? '',
    range: m.range === undefined ? undefined : { low: m.range.low, high: m.range.high },
    samplingIntervalMs: m.samplingIntervalMs,
  };
}

export function toProtoHealth(h: SourceHealth): connectivityV1.GetSourceHealthResponse {
  return {
    sourceId: h.sourceId,
    state: h.state,
    lastError: h.lastError ?? '',
    lastChangeAt: h.lastChangeAt ?? '',
    mappedTags: h.mappedTags,
    samplesReceived: h.samplesReceived,
    malformedPayloads: h.malformedPayloads,
    bufferedSamples: h.bufferedSamples,
    droppedSamples: h.droppedSamples,
    bufferCapacity: h.bufferCapacity,
    sparkplug:
      h.sparkplug === null
        ? undefined
        : {
            onlineEdgeNodes: h.sparkplug.onlineEdgeNodes,
            births: h.sparkplug.births,
            deaths: h.sparkplug.deaths,
            sequenceGaps: h.sparkplug.sequenceGaps,
            rebirthRequests: h.sparkplug.rebirthRequests,
          },
  };
}

/** NODE_NOT_FOUND names the node in its message: point at the request field that carried it. */
function mapTagsField(request: MapTagsRequest) {
  return (e: ConnectivityError): string | undefined => {
    if (e.code === ConnectivityErrorCode.NodeNotFound) {
      const i = (request.mappings ?? []).findIndex((m) => e.message.includes(`node ${m.address} `));
      if (i >= 0) return `mappings[${i}].address`;
      if (request.autoMapRoot !== undefined && e.message.includes(`node ${request.autoMapRoot} `)) return 'auto_map_root';
    }
    return protoField(e.field);
  };
}

// ── live UNS ──────────────────────────────────────────────────────────────────────────────────

export interface LiveOptions {
  /** Batches a slow subscriber may have queued before its stream ends with UNAVAILABLE. */
  maxQueuedBatches: number;
  /** Fires when the server stops: open streams end with UNAVAILABLE. */
  closing: AbortSignal;
}

async function* liveBatches(app: ConnectivityApi, prefix: string, signal: AbortSignal, o: LiveOptions): AsyncGenerator<connectivityV1.SubscribeUnsResponse> {
  const queue: UnsSampleBatch[] = [];
  let head = 0;
  let overflowed = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const unsubscribe = app.subscribeUns(prefix, (b) => {
    if (queue.length - head >= o.maxQueuedBatches) overflowed = true;
    else queue.push(b);
    poke();
  });
  signal.addEventListener('abort', poke, { once: true });
  o.closing.addEventListener('abort', poke, { once: true });
  try {
    for (;;) {
      if (signal.aborted) return;
      if (o.closing.aborted) throw new ConnectivityRpcError('UNAVAILABLE', 'SHUTTING_DOWN', 'connectivity is shutting down: subscribe again');
      if (overflowed) {
        throw new ConnectivityRpcError(
          'UNAVAILABLE',
          'SUBSCRIBER_TOO_SLOW',
          `the subscriber fell ${o.maxQueuedBatches} batches behind and was dropped: subscribe again (the data itself is on NATS stream UNS)`,
        );
      }
      if (head < queue.length) {
        const b = queue[head++]!;
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        yield { subject: `${UNS_PREFIX}.${b.assetPath}`, batchJson: JSON.stringify(b) };
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', poke);
    o.closing.removeEventListener('abort', poke);
  }
}

// ── the service ───────────────────────────────────────────────────────────────────────────────

/** ConnectivityService: writes need `source.write`, reads `source.read`, live UNS `telemetry.subscribe`. */
export function connectivityService(app: ConnectivityApi, live: LiveOptions) {
  return defineService(ConnectivityServiceService, {
    registerSource: unary({
      permission: Permission.SourceWrite,
      input: fromSchema(RegisterSource),
      async handle(spec, ctx) {
        const r = await mapped(() => app.registerSource(spec, causeOf(ctx)));
        return { sourceId: r.sourceId, tags: r.mappings.map(toProtoTag), skipped: r.skipped };
      },
    }),
    browse: unary({
      permission: Permission.SourceRead,
      input: fromSchema(z.object({ sourceId, nodeId })),
      async handle(q) {
        const nodes = await mapped(
          () => app.browse(q.sourceId, q.nodeId === '' ? undefined : q.nodeId),
          (e) => (e.code === ConnectivityErrorCode.NodeNotFound || e.field === 'node_id' ? 'node_id' : protoField(e.field)),
        );
        return { nodes };
      },
    }),
    mapTags: unary({
      permission: Permission.SourceWrite,
      input: fromSchema(MapTags),
      async handle(request, ctx) {
        const r = await mapped(() => app.mapTags(request, causeOf(ctx)), mapTagsField(request));
        return { tags: r.mappings.map(toProtoTag), skipped: r.skipped };
      },
    }),
    listTags: unary({
      permission: Permission.SourceRead,
      input: fromSchema(z.object({ sourceId: optionalSourceId })),
      async handle(q) {
        const tags = await mapped(() => app.listTags(q.sourceId === '' ? undefined : q.sourceId));
        return { tags: tags.map(toProtoTag) };
      },
    }),
    getSourceHealth: unary({
      permission: Permission.SourceRead,
      input: fromSchema(z.object({ sourceId })),
      async handle(q) {
        return toProtoHealth(await mapped(() => app.sourceHealth(q.sourceId)));
      },
    }),
    subscribeUns: serverStream({
      permission: Permission.TelemetrySubscribe,
      // Validated before the access check, so the scope is checked on the location the prefix names.
      input: fromSchema(z.object({ assetPathPrefix: AssetPathPrefix })),
      resource: (q) => resourceOfAssetPath(q.assetPathPrefix),
      handle: (q, ctx) => liveBatches(app, q.assetPathPrefix, ctx.signal, live),
    }),
  });
}
