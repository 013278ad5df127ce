// ONNX export of every model with its preprocessing inside the graph:
//   input [N × raw inputs] float → Where(IsNaN) imputation → engineered features from
//   standard ops (Gather, Add, Sub, Mul, Div; same order and float32 rounding as the TS
//   expression evaluator) → Concat → scaling (Sub, Div) → the estimator.
// Tree ensembles use ai.onnx.ml opset 3 TreeEnsembleClassifier/Regressor. Binary
// classifier: leaf weights on class id 0, one base value, post_transform LOGISTIC,
// labels [0, 1] → outputs `label` int64 [N] and `probabilities` float [N, 2]; no ZipMap.
// Serialisation is deterministic: no timestamps, attributes and metadata in fixed order.

import { createHash } from 'node:crypto';
import onnxProto from 'onnx-proto';
import type { Expr } from '../features.ts';
import { NotExportableError } from '../errors.ts';
import type { Model } from '../model.ts';
import type { GbdtEstimator } from '../models/gbdt.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
const ML = 'ai.onnx.ml';
export const ONNX_OPSET = 13;
export const ONNX_ML_OPSET = 3;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: AT.INTS, ints: [...ints] }),
  floats: (name: string, floats: readonly number[]): AttributeProto => ({ name, type: AT.FLOATS, floats: [...floats] }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AT.STRING, s: utf8(s) }),
  strings: (name: string, ss: readonly string[]): AttributeProto => ({ name, type: AT.STRINGS, strings: ss.map(utf8) }),
};

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  floatConst(values: readonly number[], dims: readonly number[], prefix = 'c'): string {
    const name = this.fresh(prefix);
    const raw = new Uint8Array(Float32Array.from(values).buffer);
    this.initializers.push({ name, dims: [...dims], dataType: DT.FLOAT, rawData: raw });
    return name;
  }

  int64Const(values: readonly number[], dims: readonly number[], prefix = 'i'): string {
    const name = this.fresh(prefix);
    const raw = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    this.initializers.push({ name, dims: [...dims], dataType: DT.INT64, rawData: raw });
    return name;
  }

  op(opType: string, inputs: readonly string[], opts: { outputs?: readonly string[]; attrs?: AttributeProto[]; domain?: string } = {}): string[] {
    const outputs = opts.outputs ? [...opts.outputs] : [this.fresh(opType.toLowerCase())];
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outputs,
      name: this.fresh(`n_${opType}`),
      attribute: opts.attrs ?? [],
      domain: opts.domain ?? '',
    });
    return outputs;
  }

  op1(opType: string, inputs: readonly string[], attrs?: AttributeProto[]): string {
    return this.op(opType, inputs, attrs ? { attrs } : {})[0]!;
  }
}

function tensorInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Imputation, engineered features, scaling → name of the [N × F] model-feature tensor. */
function emitPreprocessing(g: GraphBuilder, model: Model): string {
  const pl = model.pipeline;
  let x = 'input';
  if (pl.imputer.strategy !== 'none') {
    const isnan = g.op1('IsNaN', [x]);
    const fill = g.floatConst(pl.imputer.values, [1, pl.inputs.length], 'impute_values');
    x = g.op('Where', [isnan, fill, x], { outputs: ['imputed'] })[0]!;
  }
  const columns = new Map<string, string>();
  const columnOf = (name: string): string => {
    let c = columns.get(name);
    if (!c) {
      const j = pl.inputs.indexOf(name);
      if (j < 0) throw new NotExportableError('pipeline.features', `feature input ${name} is not a model input`);
      c = g.op1('Gather', [x, g.int64Const([j], [1], `col_${name}`)], [attr.int('axis', 1)]);
      columns.set(name, c);
    }
    return c;
  };
  const emit = (e: Expr): string => {
    switch (e.op) {
      case 'input':
        return columnOf(e.name);
      case 'const':
        return g.floatConst([e.value], [1]);
      case 'add':
        return g.op1('Add', [emit(e.a), emit(e.b)]);
      case 'sub':
        return g.op1('Sub', [emit(e.a), emit(e.b)]);
      case 'mul':
        return g.op1('Mul', [emit(e.a), emit(e.b)]);
      case 'div':
        return g.op1('Div', [emit(e.a), emit(e.b)]);
      case 'eq':
        return g.op1('Cast', [g.op1('Equal', [emit(e.a), g.floatConst([e.value], [1])])], [attr.int('to', DT.FLOAT)]);
      default: {
        const never: never = e;
        throw new NotExportableError('pipeline.features', `cannot export ${JSON.stringify(never)}`);
      }
    }
  };
  const featureTensors = pl.features.map((f) => emit(f.expr));
  let feats = g.op('Concat', featureTensors, { outputs: ['features'], attrs: [attr.int('axis', 1)] })[0]!;
  if (pl.scaler.kind !== 'none') {
    const F = pl.features.length;
    const centred = g.op1('Sub', [feats, g.floatConst(pl.scaler.center, [1, F], 'scale_center')]);
    feats = g.op('Div', [centred, g.floatConst(pl.scaler.scale, [1, F], 'scale_scale')], { outputs: ['scaled'] })[0]!;
  }
  return feats;
}

function treeAttributes(e: GbdtEstimator, leafPrefix: 'class' | 'target'): AttributeProto[] {
  const treeIds: number[] = [],
    nodeIds: number[] = [],
    featureIds: number[] = [],
    modes: string[] = [],
    values: number[] = [];
  const trueIds: number[] = [],
    falseIds: number[] = [],
    missing: number[] = [];
  const leafTree: number[] = [],
    leafNode: number[] = [],
    leafId: number[] = [],
    leafWeight: number[] = [];
  e.trees.forEach((t, ti) => {
    for (let k = 0; k < t.feature.length; k++) {
      const leaf = t.left[k] === -1;
      treeIds.push(ti);
      nodeIds.push(k);
      featureIds.push(leaf ? 0 : t.feature[k]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      values.push(leaf ? 0 : t.threshold[k]!);
      trueIds.push(leaf ? 0 : t.left[k]!);
      falseIds.push(leaf ? 0 : t.right[k]!);
      missing.push(0);
      if (leaf) {
        leafTree.push(ti);
        leafNode.push(k);
        leafId.push(0);
        leafWeight.push(t.value[k]!);
      }
    }
  });
  return [
    attr.floats('base_values', [e.baseScore]),
    attr.ints(`${leafPrefix}_ids`, leafId),
    attr.ints(`${leafPrefix}_nodeids`, leafNode),
    attr.ints(`${leafPrefix}_treeids`, leafTree),
    attr.floats(`${leafPrefix}_weights`, leafWeight),
    attr.ints('nodes_falsenodeids', falseIds),
    attr.ints('nodes_featureids', featureIds),
    attr.ints('nodes_missing_value_tracks_true', missing),
    attr.strings('nodes_modes', modes),
    attr.ints('nodes_nodeids', nodeIds),
    attr.ints('nodes_treeids', treeIds),
    attr.ints('nodes_truenodeids', trueIds),
    attr.floats('nodes_values', values),
  ];
}

/** ONNX output names per model kind. */
export const ONNX_OUTPUTS = {
  classification: ['label', 'probabilities'], // logistic regression also outputs `margin` [N, 1]
  regression: ['prediction'],
  anomaly: ['score'],
} as const;

export function exportOnnx(model: Model): Uint8Array {
  const g = new GraphBuilder();
  const feats = emitPreprocessing(g, model);
  const est = model.estimator;
  const R = model.pipeline.inputs.length;
  const F = model.pipeline.features.length;
  let outputs: ValueInfoProto[];
  switch (est.kind) {
    case 'logistic': {
      const z = g.op1('MatMul', [feats, g.floatConst(est.coefficients, [F, 1], 'coefficients')]);
      const margin = g.op('Add', [z, g.floatConst([est.intercept], [1], 'intercept')], { outputs: ['margin'] })[0]!;
      const p = g.op1('Sigmoid', [margin]);
      const q = g.op1('Sub', [g.floatConst([1], [1], 'one'), p]);
      g.op('Concat', [q, p], { outputs: ['probabilities'], attrs: [attr.int('axis', 1)] });
      const positive = g.op1('Greater', [p, g.floatConst([0.5], [1], 'half')]);
      const asInt = g.op1('Cast', [positive], [attr.int('to', DT.INT64)]);
      g.op('Reshape', [asInt, g.int64Const([-1], [1], 'flat')], { outputs: ['label'] });
      outputs = [tensorInfo('label', DT.INT64, ['N']), tensorInfo('probabilities', DT.FLOAT, ['N', 2]), tensorInfo('margin', DT.FLOAT, ['N', 1])];
      break;
    }
    case 'gbdt': {
      if (est.task === 'classification') {
        g.op('TreeEnsembleClassifier', [feats], {
          outputs: ['label', 'probabilities'],
          domain: ML,
          attrs: [attr.ints('classlabels_int64s', [0, 1]), ...treeAttributes(est, 'class'), attr.string('post_transform', 'LOGISTIC')],
        });
        outputs = [tensorInfo('label', DT.INT64, ['N']), tensorInfo('probabilities', DT.FLOAT, ['N', 2])];
      } else {
        g.op('TreeEnsembleRegressor', [feats], {
          outputs: ['prediction'],
          domain: ML,
          attrs: [attr.string('aggregate_function', 'SUM'), attr.int('n_targets', 1), ...treeAttributes(est, 'target'), attr.string('post_transform', 'NONE')],
        });
        outputs = [tensorInfo('prediction', DT.FLOAT, ['N', 1])];
      }
      break;
    }
    case 'autoencoder': {
      const h = est.hidden;
      const z1 = g.op1('Add', [g.op1('MatMul', [feats, g.floatConst(est.w1, [F, h], 'enc_w')]), g.floatConst(est.b1, [h], 'enc_b')]);
      const a1 = g.op1('Tanh', [z1]);
      const recon = g.op('Add', [g.op1('MatMul', [a1, g.floatConst(est.w2, [h, F], 'dec_w')]), g.floatConst(est.b2, [F], 'dec_b')], {
        outputs: ['reconstruction'],
      })[0]!;
      const d = g.op1('Sub', [recon, feats]);
      const sq = g.op1('Mul', [d, d]);
      g.op('ReduceMean', [sq], { outputs: ['score'], attrs: [attr.ints('axes', [1]), attr.int('keepdims', 0)] });
      outputs = [tensorInfo('score', DT.FLOAT, ['N'])];
      break;
    }
    case 'robust-z': {
      g.op('ReduceMax', [g.op1('Abs', [feats])], { outputs: ['score'], attrs: [attr.ints('axes', [1]), attr.int('keepdims', 0)] });
      outputs = [tensorInfo('score', DT.FLOAT, ['N'])];
      break;
    }
    default: {
      const never: never = est;
      throw new NotExportableError('model.type', `cannot export ${JSON.stringify(never)}`);
    }
  }
  const graph = {
    name: `${est.kind}_${model.target}`.replace(/[^A-Za-z0-9_]/g, '_'),
    node: g.nodes,
    initializer: g.initializers,
    input: [tensorInfo('input', DT.FLOAT, ['N', R])],
    output: outputs,
    docString: `inputs (columns of "input"): ${model.pipeline.inputs.join(', ')}`,
  };
  const metadataProps = [
    { key: 'features', value: JSON.stringify(model.pipeline.features.map((f) => ({ name: f.name, unit: f.unit }))) },
    { key: 'inputs', value: JSON.stringify(model.pipeline.inputs) },
    { key: 'target', value: model.target },
    { key: 'task', value: model.task },
    { key: 'threshold', value: model.threshold === null ? '' : String(model.threshold) },
  ];
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@industrial/ml',
    producerVersion: '0.1.0',
    domain: 'industrial.ml',
    modelVersion: 1,
    opsetImport: [
      { domain: '', version: ONNX_OPSET },
      { domain: ML, version: ONNX_ML_OPSET },
    ],
    graph,
    metadataProps,
  });
  return onnx.ModelProto.encode(proto).finish();
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
