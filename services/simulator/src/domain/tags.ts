// Tag catalogue per asset type: name, data kind, engineering unit and range. The OPC UA
// adapter turns these into AnalogItems (EUInformation + EURange) and plain variables.

export const ASSET_KINDS = ['pump', 'mill', 'packaging'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** unit keys; the OPC UA adapter maps them to UNECE codes */
export const UNITS = ['m3/h', 'bar', 'degC', 'mm/s', 'A', 'rpm', 'K', 'Nm', 'min', 'W', 's', 'ppm'] as const;
export type Unit = (typeof UNITS)[number];

export type TagSpec =
  | { name: string; kind: 'analog'; unit: Unit; range: { low: number; high: number }; description: string }
  | { name: string; kind: 'counter' | 'flag' | 'text'; description: string }
  | { name: string; kind: 'state'; states: Record<string, number>; description: string };

export type TagValue = number | boolean | string;

const analog = (name: string, unit: Unit, low: number, high: number, description: string): TagSpec => ({
  name,
  kind: 'analog',
  unit,
  range: { low, high },
  description,
});

export const PUMP_TAGS: readonly TagSpec[] = [
  analog('flow', 'm3/h', 0, 200, 'volumetric flow'),
  analog('discharge_pressure', 'bar', 0, 16, 'discharge pressure (gauge)'),
  analog('bearing_temperature', 'degC', 0, 120, 'drive-end bearing temperature'),
  analog('vibration_rms', 'mm/s', 0, 50, 'bearing housing vibration velocity RMS (10–1000 Hz)'),
  analog('motor_current', 'A', 0, 100, 'motor phase current'),
  analog('speed', 'rpm', 0, 3600, 'shaft speed'),
];

export const MILL_FAILURE_FLAGS = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;
export type MillFailureMode = (typeof MILL_FAILURE_FLAGS)[number];

export const MILL_TAGS: readonly TagSpec[] = [
  analog('air_temperature', 'K', 290, 310, 'air temperature (AI4I)'),
  analog('process_temperature', 'K', 300, 320, 'process temperature (AI4I)'),
  analog('rotational_speed', 'rpm', 0, 3000, 'spindle speed (AI4I)'),
  analog('torque', 'Nm', 0, 100, 'spindle torque (AI4I)'),
  analog('tool_wear', 'min', 0, 300, 'tool wear (AI4I)'),
  analog('power', 'W', 0, 15000, 'mechanical power = torque × angular speed'),
  { name: 'product_type', kind: 'text', description: 'quality variant of the current product: L, M or H' },
  { name: 'product_id', kind: 'text', description: 'current product id, e.g. M14860' },
  { name: 'parts_produced', kind: 'counter', description: 'products completed' },
  { name: 'machine_failure', kind: 'flag', description: 'any failure mode on the current product' },
  ...MILL_FAILURE_FLAGS.map((f): TagSpec => ({ name: f.toLowerCase(), kind: 'flag', description: `${f} failure mode on the current product` })),
];

export const PACKAGING_STATES = { Running: 1, Idle: 2, PlannedStop: 3, Fault: 4 } as const;
export type PackagingState = keyof typeof PACKAGING_STATES;

export const PACKAGING_TAGS: readonly TagSpec[] = [
  { name: 'good_count', kind: 'counter', description: 'good packs since start' },
  { name: 'bad_count', kind: 'counter', description: 'rejected packs since start' },
  { name: 'machine_state', kind: 'state', states: PACKAGING_STATES, description: 'Running/Idle/PlannedStop/Fault' },
  { name: 'machine_state_text', kind: 'text', description: 'machine state as text' },
  analog('ideal_cycle_time', 's', 0, 10, 'ideal cycle time per pack'),
  { name: 'run_time', kind: 'counter', description: 'seconds in Running since start (OEE availability)' },
  { name: 'planned_production_time', kind: 'counter', description: 'seconds not in PlannedStop since start' },
];

export function tagsOf(kind: AssetKind): readonly TagSpec[] {
  switch (kind) {
    case 'pump':
      return PUMP_TAGS;
    case 'mill':
      return MILL_TAGS;
    case 'packaging':
      return PACKAGING_TAGS;
    default: {
      const never: never = kind;
      throw new Error(`unknown asset kind ${String(never)}`);
    }
  }
}

export const round = (v: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
};
