// The model registry over gRPC: governance's ModelRegistryService (RegisterModelVersion,
// ListModelVersions, RequestApproval for the shadow stage) with training's service-account token
// (role `service`: `model.register`, `model.read`, `model.propose_shadow`). Cluster mode. The
// registration travels as the contract's JSON and comes back as recorded (with the version number
// governance assigned). Each call carries the cause's correlation id.
import { Metadata } from '@grpc/grpc-js';
import { CORRELATION_ID_METADATA, createClient, governanceRegistryV1 as pb, unaryCall, type GrpcClientTls } from '@industrial/grpc';
import { TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
import type { ModelRegistry, RegisteredModel } from '../../ports.ts';

export interface GrpcModelRegistryOptions {
  /** host:port of governance's gRPC server. */
  readonly address: string;
  /** Bearer token of training's service account (or a getter, for rotation). */
  readonly token: string | (() => string);
  readonly deadlineMs?: number;
  /** The CA governance's certificate is checked against (and training's client certificate); absent: plaintext. */
  readonly tls?: GrpcClientTls | null | undefined;
}

const parse = (json: string, what: string): RegisteredModel => {
  try {
    return JSON.parse(json) as RegisteredModel;
  } catch (error) {
    throw new TrainingError(TrainingErrorCode.Unavailable, '', `governance answered ${what} without a readable registration`, { cause: error });
  }
};

const correlated = (correlationId: string): Metadata => {
  const metadata = new Metadata();
  metadata.set(CORRELATION_ID_METADATA, correlationId);
  return metadata;
};

export function createGrpcModelRegistry(options: GrpcModelRegistryOptions): ModelRegistry & { close(): void } {
  const client = createClient(pb.ModelRegistryServiceClient, options.address, {
    token: options.token,
    deadlineMs: options.deadlineMs ?? 30_000,
    tls: options.tls,
  });
  // The token names the actor; the platform interceptor carries the trace context of the call.
  const list = async (useCaseId: string): Promise<RegisteredModel[]> =>
    (await unaryCall(client, client.listModelVersions, { useCaseId })).versions.map((v) => parse(v.registrationJson, 'ListModelVersions'));
  return {
    async register(registration, cause) {
      // The run's correlation id (a retraining's id when it retrains), so the registration joins its trail.
      const r = await unaryCall(
        client,
        client.registerModelVersion,
        { registrationJson: JSON.stringify(registration) },
        { metadata: correlated(cause.correlationId) },
      );
      if (r.version === undefined) throw new TrainingError(TrainingErrorCode.Unavailable, '', 'governance answered RegisterModelVersion without the version');
      return { registered: parse(r.version.registrationJson, 'RegisterModelVersion'), alreadyRegistered: r.alreadyRegistered };
    },
    async registrationOf(useCaseId, runId) {
      return (await list(useCaseId)).find((v) => v.runId === runId) ?? null;
    },
    registrations: (useCaseId) => list(useCaseId),
    async requestShadow(r, cause) {
      // Training's service account holds `model.propose_shadow`: governance accepts the shadow stage of a
      // candidate this account registered, never production (its refusal names why).
      const res = await unaryCall(
        client,
        client.requestApproval,
        { useCaseId: r.useCaseId, modelVersionId: r.modelVersionId, targetStage: pb.ModelStage.MODEL_STAGE_SHADOW, justification: r.justification, scope: '' },
        { metadata: correlated(cause.correlationId) },
      );
      if (res.request === undefined) throw new TrainingError(TrainingErrorCode.Unavailable, '', 'governance answered RequestApproval without the request');
      return res.request.requestId;
    },
    close: () => client.close(),
  };
}
