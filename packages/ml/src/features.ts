// The feature module: ONE definition of every engineered feature, shared by training and
// inference. A feature is an arithmetic expression over named raw inputs, so the same
// declaration is evaluated in TypeScript (here) and emitted as standard ONNX ops (onnx/).
// Evaluation rounds to float32 after every operation, exactly as an ONNX float graph does,
// so a live window scored in TS and in onnxruntime sees the same feature values.

export type Expr =
  | { readonly op: 'input'; readonly name: string }
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: 'add' | 'sub' | 'mul' | 'div'; readonly a: Expr; readonly b: Expr }
  /** 1 when `a` equals the category code `value`, else 0 (missing → 0): one-hot encoding inside the graph. */
  | { readonly op: 'eq'; readonly a: Expr; readonly value: number };

export const input = (name: string): Expr => ({ op: 'input', name });
export const constant = (value: number): Expr => ({ op: 'const', value });
export const add = (a: Expr, b: Expr): Expr => ({ op: 'add', a, b });
export const sub = (a: Expr, b: Expr): Expr => ({ op: 'sub', a, b });
export const mul = (a: Expr, b: Expr): Expr => ({ op: 'mul', a, b });
export const div = (a: Expr, b: Expr): Expr => ({ op: 'div', a, b });
export const eq = (a: Expr, value: number): Expr => ({ op: 'eq', a, value });

/** JSON form of a feature, stored inside every model. */
export interface FeatureJson {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly expr: Expr;
}

export interface FeatureDef extends FeatureJson {
  /** Raw input columns this feature reads, in first-use order. */
  readonly inputs: readonly string[];
  /** Value from the raw inputs, in the order of `inputs`. Float32 arithmetic. */
  compute(values: readonly number[]): number;
}

function collectInputs(e: Expr, out: string[]): void {
  if (e.op === 'input') {
    if (!out.includes(e.name)) out.push(e.name);
  } else if (e.op === 'eq') collectInputs(e.a, out);
  else if (e.op !== 'const') {
    collectInputs(e.a, out);
    collectInputs(e.b, out);
  }
}

type Compiled = (row: Float64Array, offset: number) => number;
const f32 = Math.fround;

/** Compiles an expression against a column layout (`index[name]` = column in the row). */
export function compileExpr(e: Expr, index: ReadonlyMap<string, number>): Compiled {
  switch (e.op) {
    case 'input': {
      const j = index.get(e.name);
      if (j === undefined) throw new Error(`feature input ${e.name} is not in the layout`);
      return (row, o) => f32(row[o + j]!);
    }
    case 'const': {
      const v = f32(e.value);
      return () => v;
    }
    case 'add': {
      const a = compileExpr(e.a, index),
        b = compileExpr(e.b, index);
      return (r, o) => f32(a(r, o) + b(r, o));
    }
    case 'sub': {
      const a = compileExpr(e.a, index),
        b = compileExpr(e.b, index);
      return (r, o) => f32(a(r, o) - b(r, o));
    }
    case 'mul': {
      const a = compileExpr(e.a, index),
        b = compileExpr(e.b, index);
      return (r, o) => f32(a(r, o) * b(r, o));
    }
    case 'div': {
      const a = compileExpr(e.a, index),
        b = compileExpr(e.b, index);
      return (r, o) => f32(a(r, o) / b(r, o));
    }
    case 'eq': {
      const a = compileExpr(e.a, index),
        v = f32(e.value);
      return (r, o) => (a(r, o) === v ? 1 : 0);
    }
    default: {
      const never: never = e;
      throw new Error(`unknown expression ${JSON.stringify(never)}`);
    }
  }
}

export function defineFeature(d: { name: string; unit: string; description?: string; expr: Expr }): FeatureDef {
  const inputs: string[] = [];
  collectInputs(d.expr, inputs);
  const index = new Map(inputs.map((n, i) => [n, i] as const));
  const fn = compileExpr(d.expr, index);
  return {
    name: d.name,
    unit: d.unit,
    description: d.description ?? '',
    expr: d.expr,
    inputs,
    compute: (values) => fn(Float64Array.from(values), 0),
  };
}

/** A raw column used as-is. */
export function rawFeature(name: string, unit = '', description = ''): FeatureDef {
  return defineFeature({ name, unit, description, expr: input(name) });
}

export function reviveFeature(j: FeatureJson): FeatureDef {
  return defineFeature(j);
}

export function featureJson(f: FeatureDef): FeatureJson {
  return { name: f.name, unit: f.unit, description: f.description, expr: f.expr };
}

export function isRawFeature(f: FeatureJson): boolean {
  return f.expr.op === 'input' && f.expr.name === f.name;
}

/** Raw inputs needed by a list of features, in first-use order. */
export function inputsOf(features: readonly FeatureJson[]): string[] {
  const out: string[] = [];
  for (const f of features) collectInputs(f.expr, out);
  return out;
}

/** Spec-level shorthand: a string is a raw column. */
export function normaliseFeatures(features: readonly (string | FeatureDef)[]): FeatureDef[] {
  return features.map((f) => (typeof f === 'string' ? rawFeature(f) : f));
}

/**
 * A categorical column (product type, shift) as one-hot features encoded inside the graph: the raw
 * input holds the level's code (its index in `levels`, see `encodeCategory`); each feature is
 * `<column>_is_<level>` = 1 when the code matches. An unknown or missing level gives all zeros.
 */
export function oneHotFeatures(column: string, levels: readonly string[]): FeatureDef[] {
  return levels.map((level, code) =>
    defineFeature({
      name: `${column}_is_${level.replace(/[^A-Za-z0-9]+/g, '_')}`,
      unit: '1',
      description: `${column} = ${level}`,
      expr: eq(input(column), code),
    }),
  );
}

/** Category text → codes for `oneHotFeatures` (index in `levels`; NaN when empty or unknown). Levels default to the sorted distinct values. */
export function encodeCategory(values: readonly string[], levels?: readonly string[]): { codes: Float64Array; levels: readonly string[] } {
  const lv = levels ?? [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))].sort();
  const index = new Map(lv.map((l, i) => [l, i] as const));
  return { codes: Float64Array.from(values, (v) => index.get(v.trim()) ?? NaN), levels: lv };
}

// ---------------------------------------------------------------------------------------
// AI4I 2020 milling process (Matzka 2020). Column names used by the platform's dataops
// snapshots and by inference's live windows.

export const AI4I_COLUMNS = {
  type: 'type', // product quality L/M/H as ordinal 0/1/2
  airTemperature: 'air_temperature_k',
  processTemperature: 'process_temperature_k',
  rotationalSpeed: 'rotational_speed_rpm',
  torque: 'torque_nm',
  toolWear: 'tool_wear_min',
  machineFailure: 'machine_failure',
} as const;

/** Product quality variant as an ordinal (low < medium < high). */
export const AI4I_TYPE_ORDINAL: Readonly<Record<string, number>> = { L: 0, M: 1, H: 2 };

const C = AI4I_COLUMNS;
export const ai4iFeatures = {
  type: rawFeature(C.type, '1', 'product quality variant, L=0 M=1 H=2'),
  airTemperature: rawFeature(C.airTemperature, 'K', 'air temperature'),
  processTemperature: rawFeature(C.processTemperature, 'K', 'process temperature'),
  rotationalSpeed: rawFeature(C.rotationalSpeed, 'rpm', 'spindle rotational speed'),
  torque: rawFeature(C.torque, 'N·m', 'spindle torque'),
  toolWear: rawFeature(C.toolWear, 'min', 'tool wear (minutes in use)'),
  /** Mechanical power P = τ·ω, ω = n·2π/60. Power failures occur outside 3500–9000 W. */
  power: defineFeature({
    name: 'power_w',
    unit: 'W',
    description: 'mechanical power = torque × speed × 2π/60',
    expr: mul(mul(input(C.torque), input(C.rotationalSpeed)), constant((2 * Math.PI) / 60)),
  }),
  /** Heat dissipation failures occur when this is below 8.6 K at low speed. */
  temperatureDifference: defineFeature({
    name: 'temperature_difference_k',
    unit: 'K',
    description: 'process temperature − air temperature',
    expr: sub(input(C.processTemperature), input(C.airTemperature)),
  }),
  /** Overstrain failures occur above a type-dependent wear × torque product. */
  wearTorque: defineFeature({
    name: 'wear_torque_min_nm',
    unit: 'min·N·m',
    description: 'tool wear × torque',
    expr: mul(input(C.toolWear), input(C.torque)),
  }),
} as const;

/** The six raw columns plus the three documented engineered features. */
export const AI4I_FEATURES: readonly FeatureDef[] = [
  ai4iFeatures.type,
  ai4iFeatures.airTemperature,
  ai4iFeatures.processTemperature,
  ai4iFeatures.rotationalSpeed,
  ai4iFeatures.torque,
  ai4iFeatures.toolWear,
  ai4iFeatures.power,
  ai4iFeatures.temperatureDifference,
  ai4iFeatures.wearTorque,
];
