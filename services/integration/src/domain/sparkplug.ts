// Prompts on the unified namespace as a Sparkplug B edge node: the topics (spBv1.0/<group>/
// <NBIRTH|NDEATH|DBIRTH|DDATA|DDEATH>/<edge node>[/<device>]), the birth/death sequence (bdSeq:
// the NDEATH will carries the same bdSeq as the NBIRTH it ends), the message sequence (0–255,
// NBIRTH is 0) and the metrics of a prompt on its asset's device. Pure: the encoding is an adapter's.
export const SparkplugDataType = { Int64: 4, UInt64: 8, Boolean: 11, String: 12, DateTime: 13 } as const;
export type SparkplugDataType = (typeof SparkplugDataType)[keyof typeof SparkplugDataType];

export interface SpMetric {
  name: string;
  datatype: SparkplugDataType;
  value: bigint | boolean | string;
  timestamp: bigint;
}

export interface SpPayload {
  timestamp: bigint;
  seq: bigint | null;
  metrics: SpMetric[];
}

export type SpMessageType = 'NBIRTH' | 'NDEATH' | 'DBIRTH' | 'DDATA' | 'DDEATH';

export const spTopic = (group: string, type: SpMessageType, edgeNode: string, device?: string): string =>
  `spBv1.0/${group}/${type}/${edgeNode}${device === undefined ? '' : `/${device}`}`;

/** A device id from an asset path: Sparkplug ids may not hold "/", "+" or "#"; the dotted path has none. */
export const deviceOf = (assetPath: string): string => assetPath;

export interface PromptMetricsInput {
  recommendationId: string;
  message: string;
  priority: string;
  actBy: string | null;
  active: boolean;
  acknowledged: boolean;
}

/** The metrics of an asset's current prompt (one prompt per asset device; a newer one replaces it). */
export function promptMetrics(p: PromptMetricsInput, atMs: number): SpMetric[] {
  const ts = BigInt(atMs);
  return [
    { name: 'Prompt/Active', datatype: SparkplugDataType.Boolean, value: p.active, timestamp: ts },
    { name: 'Prompt/Acknowledged', datatype: SparkplugDataType.Boolean, value: p.acknowledged, timestamp: ts },
    { name: 'Prompt/Id', datatype: SparkplugDataType.String, value: p.recommendationId, timestamp: ts },
    { name: 'Prompt/Message', datatype: SparkplugDataType.String, value: p.message, timestamp: ts },
    { name: 'Prompt/Priority', datatype: SparkplugDataType.String, value: p.priority, timestamp: ts },
    { name: 'Prompt/ActBy', datatype: SparkplugDataType.DateTime, value: BigInt(p.actBy === null ? 0 : Date.parse(p.actBy)), timestamp: ts },
  ];
}

/** The edge node's sequence state: bdSeq per session, seq per message. */
export class SpSequence {
  private seq = 0;
  constructor(private bd = 0) {}
  /** Starts a session: the bdSeq for its NBIRTH and NDEATH will; seq restarts at 0. */
  nextSession(): bigint {
    this.seq = 0;
    const b = this.bd;
    this.bd = (this.bd + 1) % 256;
    return BigInt(b);
  }
  next(): bigint {
    const s = this.seq;
    this.seq = (this.seq + 1) % 256;
    return BigInt(s);
  }
}
