// Stream defaults shared by both adapters, and the fallback logger.

import { BusError, BusErrorCode } from './errors.ts';
import type { BusLogger, StreamSpec } from './types.ts';

/** Longer than JetStream's 2 min default, so a publisher retrying after an outage is still de-duplicated. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;

const NAME = /^[A-Za-z0-9_-]+$/;

/** Validated limits; 0 max age = keep forever. The window never exceeds the max age (JetStream rule). */
export function streamLimits(spec: StreamSpec): { maxAgeMs: number; duplicateWindowMs: number } {
  if (!NAME.test(spec.name)) {
    throw new BusError(BusErrorCode.InvalidArgument, `stream name "${spec.name}" must match [A-Za-z0-9_-]+`);
  }
  if (spec.subjects.length === 0) {
    throw new BusError(BusErrorCode.InvalidArgument, `stream ${spec.name} needs at least one subject`);
  }
  const maxAgeMs = spec.maxAgeMs ?? 0;
  const window = spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  return { maxAgeMs, duplicateWindowMs: maxAgeMs > 0 ? Math.min(window, maxAgeMs) : window };
}

/** A replica count the server refused (NATS_STREAM_*_REPLICAS): one message naming the settings. */
export const replicasRefused = (stream: string, replicas: number, cause: Error): BusError =>
  new BusError(
    BusErrorCode.InvalidArgument,
    `stream ${stream}: ${replicas} replicas (NATS_STREAM_REPLICAS / NATS_STREAM_<NAME>_REPLICAS) cannot be held by this NATS: ${cause.message}`,
    {
      cause,
    },
  );

export const consoleLogger: BusLogger = {
  warn: (fields, msg) => console.warn(msg, fields),
  error: (fields, msg) => console.error(msg, fields),
};
