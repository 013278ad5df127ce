// Fresh snapshots for a retraining through dataops' gRPC API (CreateDatasetSnapshot with a
// historian_windows source over the rolling window): dataops reads the historian and the labels
// (operator outcomes and reported misses arrive there as labels), records DatasetSnapshotCreated
// under the retraining's correlation id (x-correlation-id) and writes the snapshot into its
// directory, which training reads by id. dataops' refusal (e.g. no complete window in the range)
// comes back as a TrainingError with dataops' words.
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { CORRELATION_ID_METADATA, createClient, dataopsV1, unaryCall, type GrpcClientTls } from '@industrial/grpc';
import { TrainingError, TrainingErrorCode } from '../../domain/errors.ts';
import type { FreshSnapshots } from '../../ports.ts';

export interface GrpcFreshSnapshotsOptions {
  /** host:port of dataops' gRPC server. */
  readonly address: string;
  /** Bearer token of training's service account (needs `dataset.create`), or a getter. */
  readonly token: string | (() => string);
  readonly deadlineMs?: number;
  readonly tls?: GrpcClientTls | null | undefined;
}

export function createGrpcFreshSnapshots(options: GrpcFreshSnapshotsOptions): FreshSnapshots & { close(): void } {
  const client = createClient(dataopsV1.DataOpsServiceClient, options.address, {
    token: options.token,
    deadlineMs: options.deadlineMs ?? 120_000,
    tls: options.tls,
  });
  return {
    async create(r, cause) {
      const metadata = new Metadata();
      metadata.set(CORRELATION_ID_METADATA, cause.correlationId);
      const stratify = r.split.kind === 'group' && r.target !== null && r.target.kind !== 'time-to' ? r.target.column : '';
      try {
        const res = await unaryCall(
          client,
          client.createDatasetSnapshot,
          {
            datasetId: r.datasetId,
            useCaseId: r.useCaseId,
            importId: undefined,
            historian: undefined,
            ordered: undefined,
            historianWindows: {
              assetPaths: [...r.assetPaths],
              fromMs: Date.parse(r.from),
              toMs: Date.parse(r.to),
              windowSpecJson: JSON.stringify(r.window),
              strideMinutes: r.strideMinutes,
              targetLabel: r.target?.label ?? '',
              targetHorizonMinutes: r.target?.horizonMinutes ?? 0,
              targetColumn: r.target?.column ?? '',
              targetKind: r.target?.kind ?? '',
            },
            splitKind: r.split.kind,
            splitBy: r.split.by,
            splitOrderBy: r.split.orderBy,
            splitStratifyBy: stratify,
            trainFraction: r.split.trainFraction,
            validationFraction: r.split.validationFraction,
            format: 'arrow',
            featureSetVersion: r.featureSetVersion,
            accessLevel: '',
            assetPath: '',
          },
          { metadata },
        );
        const s = res.snapshot;
        if (s === undefined) throw new TrainingError(TrainingErrorCode.Unavailable, '', 'dataops answered CreateDatasetSnapshot without the snapshot');
        return { snapshotId: s.snapshotId, datasetId: s.datasetId, contentHash: s.contentHash, rowCount: s.rowCount };
      } catch (e) {
        if (e instanceof TrainingError) throw e;
        const err = e as Partial<ServiceError>;
        throw new TrainingError(TrainingErrorCode.FailedPrecondition, '', `dataops refused the fresh snapshot: ${err.details ?? String(e)}`, { cause: e });
      }
    },
    close: () => client.close(),
  };
}
