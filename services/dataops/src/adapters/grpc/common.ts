// Shared by the DataOpsService method groups: field validators (the proto's names in messages),
// aggregation mapping, how a call's cause is taken from its context, and `edge`, which renames
// the app's camelCase fields in errors to proto field names.
import { dataopsV1, protoFieldName, type CallContext } from '@industrial/grpc';
import { causeOfCall, ConcurrencyConflictError, KernelError, type Cause } from '@industrial/kernel';
import { z } from 'zod';
import type { ReadVia } from '../../features/api.ts';
import { DataopsError, DataopsErrorCode } from '../../domain/errors.ts';
import type { Aggregation } from '../../domain/resample.ts';
import type { ColumnSpec } from '../../domain/table.ts';

export const { Aggregation: ProtoAggregation } = dataopsV1;

export const ASSET_PATH = /^[a-z0-9_-]+(\.[a-z0-9_-]+){4}$/;
export const TAG = /^[a-z0-9_-]{1,64}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_CATALOG_HITS = 1000;

export const assetPath = z.string().regex(ASSET_PATH, 'must be an asset path "enterprise.site.area.line.asset"');
export const uuid = z.string().regex(UUID, 'must be a UUID');
export const optionalUuid = z
  .string()
  .refine((v) => v === '' || UUID.test(v), 'must be a UUID (or empty)')
  .transform((v) => (v === '' ? undefined : v));
export const epochMs = z.number().int('must be an integer (epoch ms)').min(0, 'must be ≥ 0 (epoch ms)');
export const accessLevel = z
  .string()
  .refine((v) => v === '' || v === 'public' || v === 'internal' || v === 'restricted', 'must be public, internal or restricted (or empty)')
  .transform((v) => (v === '' ? undefined : (v as 'public' | 'internal' | 'restricted')));

export const AGG_FROM_PROTO: Record<number, Aggregation | undefined> = {
  [ProtoAggregation.AGGREGATION_MEAN]: 'mean',
  [ProtoAggregation.AGGREGATION_MIN]: 'min',
  [ProtoAggregation.AGGREGATION_MAX]: 'max',
  [ProtoAggregation.AGGREGATION_SUM]: 'sum',
  [ProtoAggregation.AGGREGATION_COUNT]: 'count',
  [ProtoAggregation.AGGREGATION_LAST]: 'last',
};
export const AGG_TO_PROTO: Record<Aggregation, dataopsV1.Aggregation> = {
  mean: ProtoAggregation.AGGREGATION_MEAN,
  min: ProtoAggregation.AGGREGATION_MIN,
  max: ProtoAggregation.AGGREGATION_MAX,
  sum: ProtoAggregation.AGGREGATION_SUM,
  count: ProtoAggregation.AGGREGATION_COUNT,
  last: ProtoAggregation.AGGREGATION_LAST,
};
/** Unspecified → undefined (the tag's declared aggregation); an unknown number is refused. */
export const aggregation = z.number().transform((a, ctx) => {
  if (a === ProtoAggregation.AGGREGATION_UNSPECIFIED) return undefined;
  const agg = AGG_FROM_PROTO[a];
  if (agg === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be one of AGGREGATION_MEAN, _MIN, _MAX, _SUM, _COUNT, _LAST (or unspecified)' });
    return z.NEVER;
  }
  return agg;
});

/** The cause of a call (its principal, correlation id and trace). */
export const causeOfCtx = (ctx: CallContext): Cause => causeOfCall(ctx, { service: 'dataops' });

/** A read's cause and how it came in (recorded with a restricted read). */
export const viaOf = (ctx: CallContext): ReadVia => ({ ...causeOfCtx(ctx), method: ctx.method, transport: 'grpc' });

/**
 * A refused append as the caller sees it: a concurrency conflict is ABORTED (retry); an event the
 * kernel refused (ownership, unknown type or version: a deployment fault, nothing was written) is
 * FAILED_PRECONDITION with the kernel's message naming the stream, the type and the reason.
 */
export function kernelRefusal(error: KernelError): DataopsError {
  const code = error instanceof ConcurrencyConflictError ? DataopsErrorCode.Aborted : DataopsErrorCode.FailedPrecondition;
  return new DataopsError(code, error.message, { cause: error });
}

/**
 * The app names fields in camelCase (`source.importId`); callers see proto names (`source.import_id`).
 * Kernel refusals become typed DataopsErrors (kernelRefusal).
 */
export async function edge<T>(work: () => Promise<T>, fieldMap: Record<string, string> = {}): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof KernelError) throw kernelRefusal(error);
    if (error instanceof DataopsError && error.field !== null) {
      const mapped = fieldMap[error.field] ?? error.field.split('.').map(protoFieldName).join('.');
      if (mapped !== error.field) {
        const renamed = new DataopsError(
          error.code,
          error.message.startsWith(`${error.field}:`) ? `${mapped}:${error.message.slice(error.field.length + 1)}` : error.message,
          { field: mapped, cause: error },
        );
        throw renamed;
      }
    }
    throw error;
  }
}

export const toProtoColumn = (c: ColumnSpec): dataopsV1.ColumnSpec => ({ name: c.name, type: c.type, role: c.role, unit: c.unit ?? '' });
