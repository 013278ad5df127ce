// Turns the simulator's ground-truth labels into platform events (contracts: FaultInjected /
// FaultLabelled, stream `fault-<faultId>`). Emergent failures have no injected fault behind them,
// so they get a deterministic id from (asset, mode, failure time): a replayed run appends nothing twice.
import { uuidFromKey } from '@industrial/contracts/ids';
import type { LabelEvent } from '../domain/labels.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name-based UUID (version 8 layout, sha256) of the parts — the same input always gives the same id. */
export const stableUuid = (...parts: string[]): string => uuidFromKey(parts.join('\u0000'));

const token = (s: string): string => s.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'unknown';

export interface LabelAppend {
  stream: string;
  event: { id: string; type: 'FaultInjected' | 'FaultLabelled'; data: Record<string, unknown> };
}

export function labelToEvent(label: LabelEvent, seed: number): LabelAppend {
  const assetPath = label.path.split('/').map(token).join('.');
  if (label.type === 'FaultInjected') {
    const faultId = UUID.test(label.faultId) ? label.faultId.toLowerCase() : stableUuid('fault', label.faultId, String(seed));
    return {
      stream: `fault-${faultId}`,
      event: {
        id: stableUuid('FaultInjected', faultId),
        type: 'FaultInjected',
        data: {
          faultId, assetPath, faultType: token(label.fault), severity: label.severity,
          affectedTags: label.tag ? [token(label.tag)] : [], developMinutes: label.developMinutes,
          startedAt: label.startAt, plantTime: label.plantTime, source: label.source, seed,
        },
      },
    };
  }
  const faultId = label.faultId === null
    ? stableUuid('emergent', assetPath, label.fault, label.failureAt, String(seed))
    : UUID.test(label.faultId) ? label.faultId.toLowerCase() : stableUuid('fault', label.faultId, String(seed));
  return {
    stream: `fault-${faultId}`,
    event: {
      id: stableUuid('FaultLabelled', faultId, label.failureAt),
      type: 'FaultLabelled',
      data: { faultId, assetPath, faultType: token(label.fault), cause: label.cause, startedAt: label.startedAt, failureAt: label.failureAt, plantTime: label.plantTime },
    },
  };
}
