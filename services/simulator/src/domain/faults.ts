// Fault catalogue, fault requests and their validation. A fault develops linearly from its
// start over developMinutes to full severity; asset models read its progress at plant time.

import type { AssetKind } from './tags.ts';
import { tagsOf } from './tags.ts';

export const PROCESS_FAULTS = {
  pump: ['bearing_wear', 'cavitation'],
  mill: ['tool_wear_failure', 'heat_dissipation', 'power_failure'],
  packaging: ['jam', 'quality_drift'],
} as const satisfies Record<AssetKind, readonly string[]>;

export const SENSOR_FAULTS = ['sensor_dropout', 'sensor_stuck', 'sensor_spikes', 'sensor_drift'] as const;
export type SensorFaultType = (typeof SENSOR_FAULTS)[number];
export type ProcessFaultType = (typeof PROCESS_FAULTS)[AssetKind][number];
export type FaultType = ProcessFaultType | SensorFaultType;

export const FAULT_LIMITS = {
  severity: { min: 0, max: 1 },
  developMinutes: { min: 0, max: 7 * 24 * 60 },
  startInMinutes: { min: 0, max: 7 * 24 * 60 },
} as const;

export type FaultSource = 'opcua-method' | 'http' | 'scenario' | 'api';

/** what a caller asks for, after validation */
export interface FaultRequest {
  asset: string;
  fault: FaultType;
  /** only for sensor faults: the tag it corrupts */
  tag?: string;
  severity: number;
  startInMinutes: number;
  developMinutes: number;
}

export interface Fault extends FaultRequest {
  id: string;
  source: FaultSource;
  startMs: number;
  developMs: number;
  /** set when the fault has produced its failure label (once per fault) */
  failedAtMs: number | null;
  /** set when the fault no longer acts (e.g. the worn tool was replaced) */
  endedAtMs: number | null;
}

export interface ValidationError {
  field: string;
  error: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

export const isSensorFault = (f: string): f is SensorFaultType => (SENSOR_FAULTS as readonly string[]).includes(f);

/** 0 before the start, rising linearly to 1 over developMs, 0 again after the fault ended */
export function faultProgress(f: Fault, nowMs: number): number {
  if (nowMs < f.startMs) return 0;
  if (f.endedAtMs !== null && nowMs >= f.endedAtMs) return 0;
  if (f.developMs <= 0) return 1;
  return Math.min(1, (nowMs - f.startMs) / f.developMs);
}

/** the effective strength of a fault now: severity × progress */
export const faultLevel = (f: Fault, nowMs: number): number => f.severity * faultProgress(f, nowMs);

const fail = (field: string, error: string): { ok: false; error: ValidationError } => ({ ok: false, error: { field, error } });

function numberField(input: Record<string, unknown>, field: keyof typeof FAULT_LIMITS, fallback: number): Validated<number> {
  const raw = input[field];
  if (raw === undefined) return { ok: true, value: fallback };
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return fail(field, `${field} must be a finite number`);
  const { min, max } = FAULT_LIMITS[field];
  if (raw < min || raw > max) return fail(field, `${field} must be within ${min}..${max}, got ${raw}`);
  return { ok: true, value: raw };
}

/**
 * Validates an untrusted fault request against the plant's assets.
 * Accepts `fault: "sensor_stuck"` with `tag`, or the compact `fault: "sensor_stuck:flow"`
 * (the form the OPC UA method takes, since its signature has no tag argument).
 */
export function validateFaultRequest(input: unknown, assetKindOf: (assetId: string) => AssetKind | undefined): Validated<FaultRequest> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('body', 'expected a JSON object');
  const o = input as Record<string, unknown>;
  if (typeof o.asset !== 'string' || o.asset.length === 0) return fail('asset', 'asset must be a non-empty string');
  const kind = assetKindOf(o.asset);
  if (kind === undefined) return fail('asset', `unknown asset "${o.asset}"`);
  if (typeof o.fault !== 'string' || o.fault.length === 0) return fail('fault', 'fault must be a non-empty string');
  let fault = o.fault;
  let tag: string | undefined;
  const colon = fault.indexOf(':');
  if (colon >= 0) {
    tag = fault.slice(colon + 1);
    fault = fault.slice(0, colon);
  }
  if (o.tag !== undefined) {
    if (typeof o.tag !== 'string') return fail('tag', 'tag must be a string');
    tag = o.tag;
  }
  const processFaults: readonly string[] = PROCESS_FAULTS[kind];
  if (isSensorFault(fault)) {
    if (tag === undefined || tag.length === 0) return fail('tag', `sensor fault "${fault}" needs a tag`);
    const spec = tagsOf(kind).find((t) => t.name === tag);
    if (spec === undefined) return fail('tag', `asset "${o.asset}" has no tag "${tag}"`);
    if (fault !== 'sensor_dropout' && spec.kind !== 'analog') {
      return fail('tag', `"${fault}" applies to analog tags only; "${tag}" is ${spec.kind}`);
    }
  } else if (!processFaults.includes(fault)) {
    const known = [...processFaults, ...SENSOR_FAULTS].join(', ');
    return fail('fault', `unknown fault "${fault}" for a ${kind}; known: ${known}`);
  } else if (tag !== undefined) {
    return fail('tag', `process fault "${fault}" takes no tag`);
  }
  const severity = numberField(o, 'severity', 1);
  if (!severity.ok) return severity;
  const startInMinutes = numberField(o, 'startInMinutes', 0);
  if (!startInMinutes.ok) return startInMinutes;
  const developMinutes = numberField(o, 'developMinutes', 0);
  if (!developMinutes.ok) return developMinutes;
  const value: FaultRequest = {
    asset: o.asset,
    fault: fault as FaultType,
    severity: severity.value,
    startInMinutes: startInMinutes.value,
    developMinutes: developMinutes.value,
  };
  if (tag !== undefined) value.tag = tag;
  return { ok: true, value };
}
