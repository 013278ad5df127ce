// Turns the simulator's ground-truth labels into platform events (contracts: FaultInjected /
// FaultLabelled, stream `fault-<faultId>`). Emergent failures have no injected fault behind them,
// so they get a deterministic id from (asset, mode, failure time): a replayed run appends nothing twice.
import { createHash } from 'node:crypto';
import type { LabelEvent } from '../domain/labels.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name-based UUID (version 8 layout, sha256) — the same input always gives the same id. */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

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
