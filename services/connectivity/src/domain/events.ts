// The decisions connectivity records, as event data of the contracts in @industrial/contracts
// (`source-<id>` streams, named by the contracts' streamFor). Builders only: the clock and ids
// arrive as arguments.
import type { EventData } from '@industrial/contracts';
import type { TagMapping } from './mapping.ts';
import { payloadFormatOf, type SourceSpec } from './source.ts';

export type ConnectivityEvent =
  | { type: 'SourceRegistered'; data: EventData<'SourceRegistered'> }
  | { type: 'TagMapped'; data: EventData<'TagMapped'> }
  | { type: 'SourceConnected'; data: EventData<'SourceConnected'> }
  | { type: 'SourceLost'; data: EventData<'SourceLost'> }
  | { type: 'BufferOverflowed'; data: EventData<'BufferOverflowed'> }
  | { type: 'SparkplugRebirthRequested'; data: EventData<'SparkplugRebirthRequested'> };

export function sourceRegistered(spec: SourceSpec): ConnectivityEvent {
  return {
    type: 'SourceRegistered',
    data: {
      sourceId: spec.sourceId,
      name: spec.name,
      // Sparkplug B is MQTT underneath, but a different contract with the plant: tell it apart.
      protocol: spec.protocol === 'mqtt' && payloadFormatOf(spec) === 'sparkplug-b' ? 'sparkplug' : spec.protocol,
      endpoint: spec.endpoint,
      securityMode: spec.securityMode,
      securityPolicy: spec.protocol === 'opcua' ? spec.securityPolicy : null,
      publishingIntervalMs: spec.subscription.publishingIntervalMs,
      bufferCapacity: spec.bufferCapacity,
    },
  };
}

export function tagMapped(m: TagMapping): ConnectivityEvent {
  const numeric = m.dataType === 'number';
  return {
    type: 'TagMapped',
    data: {
      sourceId: m.sourceId,
      address: m.address,
      assetPath: m.assetPath,
      tag: m.tag,
      dataType: m.dataType,
      ...(numeric && m.unit !== undefined ? { unit: m.unit } : {}),
      ...(numeric && m.range !== undefined ? { range: m.range } : {}),
      samplingIntervalMs: m.samplingIntervalMs,
    },
  };
}

export function sourceConnected(spec: SourceSpec, connectedAt: string, serverCertificateThumbprint: string | null, bufferedSamples: number): ConnectivityEvent {
  return {
    type: 'SourceConnected',
    data: { sourceId: spec.sourceId, endpoint: spec.endpoint, securityMode: spec.securityMode, connectedAt, serverCertificateThumbprint, bufferedSamples },
  };
}

export function sourceLost(sourceId: string, lostAt: string, reason: string, statusCode: number | null, retryInMs: number): ConnectivityEvent {
  const text = reason.trim() === '' ? 'connection lost' : reason.slice(0, 500);
  return {
    type: 'SourceLost',
    data: { sourceId, lostAt, reason: text, statusCode: statusCode === null ? null : statusCode >>> 0, retryInMs: Math.max(0, Math.round(retryInMs)) },
  };
}

/** NCMD Node Control/Rebirth sent to a Sparkplug B edge node, and why (a decision: recorded, not only logged). */
export function sparkplugRebirthRequested(
  sourceId: string,
  r: {
    groupId: string;
    edgeNode: string;
    kind: 'sequence-gap' | 'data-before-birth' | 'unknown-alias';
    expectedSeq: number | null;
    receivedSeq: number | null;
  },
  requestedAt: string,
): ConnectivityEvent {
  return {
    type: 'SparkplugRebirthRequested',
    data: {
      sourceId,
      groupId: r.groupId.slice(0, 128),
      edgeNode: r.edgeNode.slice(0, 128),
      reason: r.kind,
      expectedSeq: r.expectedSeq,
      receivedSeq: r.receivedSeq,
      requestedAt,
    },
  };
}

export function bufferOverflowed(
  sourceId: string,
  droppedSamples: number,
  bufferCapacity: number,
  policy: 'drop-oldest' | 'drop-newest',
  oldestDroppedAt: string,
  newestDroppedAt: string,
): ConnectivityEvent {
  return { type: 'BufferOverflowed', data: { sourceId, droppedSamples, bufferCapacity, policy, oldestDroppedAt, newestDroppedAt } };
}

/** A TagMapped already recorded with the same content needs no new event (idempotent MapTags). */
export function sameMapping(a: EventData<'TagMapped'>, b: EventData<'TagMapped'>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
