// The services' gRPC APIs as the HMI server calls them, always with the signed-in user's token
// (the services authenticate and authorize every call; the HMI only hides what a role cannot do).
// Addresses come from the configuration (HMI_GOVERNANCE_GRPC, HMI_CHARTER_GRPC, HMI_TRAINING_GRPC,
// HMI_DATAOPS_GRPC); a service not configured is `null` and its pages say so.
import { status, type ServiceError } from '@grpc/grpc-js';
import { charterV1, createClient, dataopsV1, governanceRegistryV1, governanceV1, trainingV1, unaryCall, type commonV1 } from '@industrial/grpc';
import { config } from './config.ts';

export type GrpcService = 'governance' | 'charter' | 'training' | 'dataops';

/** A refused or failed call in plain words (never a stack trace); `code` is the gRPC status. */
export class PlatformError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const isServiceError = (e: unknown): e is ServiceError => typeof e === 'object' && e !== null && 'code' in e && 'details' in e;

/** What the user reads for a gRPC failure: the service's own reason for refusals, plain words otherwise. */
export function platformWords(error: unknown): string {
  if (error instanceof PlatformError) return error.message;
  if (!isServiceError(error)) return 'Something went wrong on the HMI server. Try again.';
  const why = error.details || error.message;
  switch (error.code) {
    case status.PERMISSION_DENIED:
      return `Refused: ${why}`;
    case status.FAILED_PRECONDITION:
      return `Not possible now: ${why}`;
    case status.INVALID_ARGUMENT:
      return `Please check what you entered: ${why}`;
    case status.NOT_FOUND:
      return `Not found: ${why}`;
    case status.UNAUTHENTICATED:
      return 'Your sign-in has run out. Sign in again.';
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return 'The service is not reachable right now. Try again in a moment.';
    default:
      return `The service answered with an error: ${why}`;
  }
}

function address(service: GrpcService): string | null {
  return config().grpc[service];
}

const tls = () => (config().grpcCaFile ? { caFile: config().grpcCaFile! } : null);

function client<C extends import('@grpc/grpc-js').Client>(
  service: GrpcService,
  ctor: import('@industrial/grpc').ClientConstructor<C>,
  token: string,
): C | null {
  const a = address(service);
  return a === null ? null : createClient(ctor, a, { token, deadlineMs: config().gatewayTimeoutMs, tls: tls() });
}

function need<C>(c: C | null, service: GrpcService): C {
  if (c === null) throw new PlatformError(status.UNAVAILABLE, `The ${service} service is not configured for this HMI (HMI_${service.toUpperCase()}_GRPC).`);
  return c;
}

/** A plain JSON event (the gRPC Event with its payload parsed). */
export interface AuditEvent {
  position: number;
  stream: string;
  revision: number;
  type: string;
  actor: string;
  role: string;
  recordedAt: string;
  data: Record<string, unknown>;
}

export function toAuditEvent(e: commonV1.Event): AuditEvent {
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(e.dataJson) as Record<string, unknown>;
  } catch {
    data = {};
  }
  return {
    position: Number(e.position),
    stream: e.stream,
    revision: Number(e.revision),
    type: e.type,
    actor: e.metadata?.actor ?? '',
    role: e.metadata?.role ?? '',
    recordedAt: e.metadata?.recordedAt ?? '',
    data,
  };
}

/** The platform's gRPC APIs bound to one user's token. Each client is closed after the request. */
export function platform(token: string) {
  const opened: { close(): void }[] = [];
  const open = <C extends { close(): void }>(c: C | null): C | null => {
    if (c !== null) opened.push(c);
    return c;
  };
  const registry = () => need(open(client('governance', governanceRegistryV1.ModelRegistryServiceClient, token)), 'governance');
  const audit = () => need(open(client('governance', governanceV1.AuditServiceClient, token)), 'governance');
  const charter = () => need(open(client('charter', charterV1.CharterServiceClient, token)), 'charter');
  const training = () => need(open(client('training', trainingV1.TrainingServiceClient, token)), 'training');
  const dataops = () => need(open(client('dataops', dataopsV1.DataOpsServiceClient, token)), 'dataops');
  return {
    configured: (s: GrpcService) => address(s) !== null,
    close: () => opened.splice(0).forEach((c) => c.close()),
    async listModelVersions(useCaseId: string) {
      const c = registry();
      return unaryCall(c, c.listModelVersions, { useCaseId });
    },
    async requestApproval(r: governanceRegistryV1.RequestApprovalRequest) {
      const c = registry();
      return unaryCall(c, c.requestApproval, r);
    },
    async approve(useCaseId: string, requestId: string, comment: string) {
      const c = registry();
      return unaryCall(c, c.approve, { useCaseId, requestId, conditions: [], comment });
    },
    async reject(useCaseId: string, requestId: string, reason: string) {
      const c = registry();
      return unaryCall(c, c.reject, { useCaseId, requestId, reason });
    },
    async promote(useCaseId: string, requestId: string) {
      const c = registry();
      return unaryCall(c, c.promote, { useCaseId, requestId });
    },
    async rollback(r: governanceRegistryV1.RollbackRequest) {
      const c = registry();
      return unaryCall(c, c.rollback, r);
    },
    /** The gates of an approval request to production as they stand now (nothing recorded). */
    async checkGates(useCaseId: string, requestId: string) {
      const c = registry();
      return unaryCall(c, c.checkGates, { useCaseId, requestId });
    },
    async readAll(fromPosition: number, maxCount: number) {
      const c = audit();
      const r = await unaryCall(c, c.readAll, { fromPosition, maxCount });
      return { events: r.events.map(toAuditEvent), next: r.nextPosition === undefined ? null : Number(r.nextPosition), head: Number(r.headPosition) };
    },
    /** A stream's events, oldest first; a stream that does not exist is empty. */
    async readStream(stream: string, maxCount = 1000) {
      const c = audit();
      try {
        const r = await unaryCall(c, c.readStream, { stream, direction: governanceV1.Direction.DIRECTION_FORWARDS, maxCount });
        return r.events.map(toAuditEvent);
      } catch (error) {
        if (isServiceError(error) && error.code === status.NOT_FOUND) return [];
        throw error;
      }
    },
    async verifyIntegrity() {
      const c = audit();
      return unaryCall(c, c.verifyIntegrity, { fromPosition: 0, toPosition: 0 });
    },
    /** Every event recorded at or before `toTime` (at most `max`), optionally only some streams. */
    async replayTo(toTime: string, streamPrefixes: string[], max: number): Promise<{ events: AuditEvent[]; truncated: boolean }> {
      const c = audit();
      const call = c.replayTo({ toTime, streamPrefixes, afterPosition: 0 });
      const events: AuditEvent[] = [];
      let truncated = false;
      try {
        for await (const m of call as AsyncIterable<governanceV1.ReplayToResponse>) {
          if (m.event) events.push(toAuditEvent(m.event));
          if (events.length >= max) {
            truncated = true;
            call.cancel();
            break;
          }
        }
      } catch (error) {
        if (!(truncated && isServiceError(error) && error.code === status.CANCELLED)) throw error;
      }
      return { events, truncated };
    },
    async listUseCases() {
      const c = charter();
      return unaryCall(c, c.listUseCases, { pageSize: 200 });
    },
    async getUseCase(useCaseId: string) {
      const c = charter();
      return unaryCall(c, c.getUseCase, { useCaseId });
    },
    /** Data health per asset and tag (scores 0–1, bad-quality share, active issues such as stale tags). */
    async qualityReport(assetPath = '') {
      const c = dataops();
      return unaryCall(c, c.getQualityReport, { assetPath });
    },
    async listRuns(useCaseId: string) {
      const c = training();
      return unaryCall(c, c.listRuns, trainingV1.ListRunsRequest.fromPartial({ useCaseId, pageSize: 20 }));
    },
  };
}

export type Platform = ReturnType<typeof platform>;

/** Runs `fn` with a platform bound to the token and closes its channels afterwards. */
export async function withPlatform<T>(token: string, fn: (p: Platform) => Promise<T>): Promise<T> {
  const p = platform(token);
  try {
    return await fn(p);
  } finally {
    p.close();
  }
}
