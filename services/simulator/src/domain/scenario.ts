// Scenario files: a JSON list of timed faults, validated as a whole before any is injected.

import type { FaultRequest, ValidationError, Validated } from './faults.ts';
import { validateFaultRequest } from './faults.ts';
import type { AssetKind } from './tags.ts';

/**
 * `[{ "asset": "pump-4", "fault": "bearing_wear", "startInMinutes": 30, "developMinutes": 120, "severity": 1 }, …]`
 * Also accepts `{ "faults": [ … ] }`. Errors name the entry: `faults[2].severity`.
 */
export function validateScenario(input: unknown, assetKindOf: (assetId: string) => AssetKind | undefined): Validated<FaultRequest[]> {
  const list = Array.isArray(input)
    ? input
    : typeof input === 'object' && input !== null && Array.isArray((input as { faults?: unknown }).faults)
      ? (input as { faults: unknown[] }).faults
      : null;
  if (list === null) return { ok: false, error: { field: 'faults', error: 'scenario must be a JSON list of faults' } };
  const out: FaultRequest[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = validateFaultRequest(list[i], assetKindOf);
    if (!r.ok) {
      const error: ValidationError = { field: `faults[${i}].${r.error.field}`, error: r.error.error };
      return { ok: false, error };
    }
    out.push(r.value);
  }
  return { ok: true, value: out };
}
