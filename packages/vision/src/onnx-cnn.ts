// ONNX export of the tile CNN with standard ops only: Conv, Relu, MaxPool, GlobalAveragePool,
// Flatten, Gemm, Sigmoid (opset 13). Input `tiles` float [N, 1, S, S] (grey /255); outputs
// `logit` [N, 1] and `probability` [N, 1]. Deterministic bytes (no timestamps).

import onnxProto from 'onnx-proto';
import { cnnLayout, type Cnn } from './cnn.ts';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;
export const CNN_ONNX_OPSET = 13;

const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: AT.INTS, ints: v });
const int = (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, type: AT.INT, i });

export function exportCnnOnnx(net: Cnn, metadata: Record<string, string> = {}): Uint8Array {
  const L = cnnLayout(net.shape);
  const { size, c1, c2, c3 } = net.shape;
  const p = net.params;
  const init: onnxProto.onnx.ITensorProto[] = [];
  const tensor = (name: string, at: number, dims: number[]): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    init.push({ name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(p.slice(at, at + n).buffer) });
    return name;
  };
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const node = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): string => {
    nodes.push({ opType, input, output: [output], name: `n${nodes.length}_${opType}`, attribute, domain: '' });
    return output;
  };
  const conv = (x: string, k: number, w: number, b: number, co: number, ci: number, stride: number): string =>
    node('Conv', [x, tensor(`conv${k}_w`, w, [co, ci, 3, 3]), tensor(`conv${k}_b`, b, [co])], `conv${k}`, [
      ints('kernel_shape', [3, 3]),
      ints('pads', [1, 1, 1, 1]),
      ints('strides', [stride, stride]),
    ]);
  const pool = (x: string, k: number): string => node('MaxPool', [x], `pool${k}`, [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
  let x = pool(node('Relu', [conv('tiles', 1, L.w1, L.b1, c1, 1, 2)], 'relu1'), 1);
  x = pool(node('Relu', [conv(x, 2, L.w2, L.b2, c2, c1, 1)], 'relu2'), 2);
  x = node('Relu', [conv(x, 3, L.w3, L.b3, c3, c2, 1)], 'relu3');
  x = node('Flatten', [node('GlobalAveragePool', [x], 'gap')], 'flat', [int('axis', 1)]);
  const logit = node('Gemm', [x, tensor('fc_w', L.wf, [c3, 1]), tensor('fc_b', L.bf, [1])], 'logit');
  node('Sigmoid', [logit], 'probability');
  const info = (name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: '@industrial/vision',
    producerVersion: '0.1.0',
    domain: 'industrial.vision',
    modelVersion: 1,
    opsetImport: [{ domain: '', version: CNN_ONNX_OPSET }],
    graph: {
      name: 'tile_cnn',
      node: nodes,
      initializer: init,
      input: [info('tiles', ['N', 1, size, size])],
      output: [info('logit', ['N', 1]), info('probability', ['N', 1])],
      docString: `tiles of ${size}×${size} grey pixels /255; logit > threshold flags a tile`,
    },
    metadataProps: [
      { key: 'shape', value: JSON.stringify(net.shape) },
      ...Object.keys(metadata)
        .sort()
        .map((key) => ({ key, value: metadata[key]! })),
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}
