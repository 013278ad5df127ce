// Engineering units: which units the platform knows, their dimension, and conversion to the
// dimension's base unit (value_base = value * factor + offset). Pure; the refined layer and the
// CSV import normalise through here, and an unknown unit is an error, never a guess.

export interface UnitInfo {
  readonly dimension: string;
  readonly factor: number;
  readonly offset: number;
}

const u = (dimension: string, factor = 1, offset = 0): UnitInfo => ({ dimension, factor, offset });

export const UNITS: Readonly<Record<string, UnitInfo>> = Object.freeze({
  K: u('temperature'),
  degC: u('temperature', 1, 273.15),
  degF: u('temperature', 5 / 9, 273.15 - (32 * 5) / 9),
  Pa: u('pressure'),
  kPa: u('pressure', 1e3),
  MPa: u('pressure', 1e6),
  bar: u('pressure', 1e5),
  mbar: u('pressure', 100),
  psi: u('pressure', 6894.757293168),
  rpm: u('rotation', 1),
  '1/min': u('rotation', 1),
  Hz: u('frequency'),
  Nm: u('torque'),
  ms: u('duration', 1e-3),
  s: u('duration'),
  min: u('duration', 60),
  h: u('duration', 3600),
  'L/min': u('flow', 1),
  'L/h': u('flow', 1 / 60),
  'm3/h': u('flow', 1000 / 60),
  'mm/s': u('velocity', 1e-3),
  'm/s': u('velocity'),
  'm/s2': u('acceleration'),
  g0: u('acceleration', 9.80665),
  '%': u('ratio', 0.01),
  ratio: u('ratio'),
  W: u('power'),
  kW: u('power', 1e3),
  A: u('current'),
  V: u('voltage'),
  kg: u('mass'),
  g: u('mass', 1e-3),
  t: u('mass', 1e3),
  mm: u('length', 1e-3),
  m: u('length'),
  um: u('length', 1e-6),
  count: u('count'),
  '1': u('dimensionless'),
});

export function isKnownUnit(unit: string): boolean {
  return Object.hasOwn(UNITS, unit);
}

/** Converts `value` from one unit to another; a reason string when it cannot. */
export function convert(value: number, from: string, to: string): { ok: true; value: number } | { ok: false; reason: string } {
  if (from === to) return { ok: true, value };
  const a = Object.hasOwn(UNITS, from) ? UNITS[from] : undefined;
  const b = Object.hasOwn(UNITS, to) ? UNITS[to] : undefined;
  if (a === undefined) return { ok: false, reason: `unknown unit "${from}"` };
  if (b === undefined) return { ok: false, reason: `unknown unit "${to}"` };
  if (a.dimension !== b.dimension) return { ok: false, reason: `cannot convert ${a.dimension} (${from}) to ${b.dimension} (${to})` };
  const base = value * a.factor + a.offset;
  return { ok: true, value: (base - b.offset) / b.factor };
}
