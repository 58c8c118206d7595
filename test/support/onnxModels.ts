/** Small ONNX models built in tests (onnx-proto), for names and failures the example models lack. */
import { onnx } from 'onnx-proto';

const { FLOAT } = onnx.TensorProto.DataType;

function valueInfo(name: string, dims: (number | string)[], elemType: onnx.TensorProto.DataType = FLOAT): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function encode(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'tracing-reload-tests', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

/** y = x + x for each named input (float32 [N, 4]), one output per input, named as given. */
export function doublingModel(inputs: string[], outputs: string[] = inputs.map((name) => `${name}_out`)): Uint8Array {
  return encode({
    name: 'doubling',
    node: inputs.map((input, i) => ({ opType: 'Add', input: [input, input], output: [outputs[i]], name: `add_${i}` })),
    input: inputs.map((name) => valueInfo(name, ['N', 4])),
    output: outputs.map((name) => valueInfo(name, ['N', 4])),
  });
}

/** x (float32 [N, M]) plus a [3] bias: loads, and fails at run time in the node named `nodeName` unless M is 3 or 1. */
export function failingBroadcastModel(nodeName: string): Uint8Array {
  return encode({
    name: 'failing_broadcast',
    initializer: [{ name: 'bias', dims: [3], dataType: FLOAT, floatData: [1, 2, 3] }],
    node: [{ opType: 'Add', input: ['x', 'bias'], output: ['y'], name: nodeName }],
    input: [valueInfo('x', ['N', 'M'])],
    output: [valueInfo('y', ['N', 'M'])],
  });
}

/** A graph whose node reads a tensor nothing defines, named `name`: onnxruntime refuses to load it. */
export function danglingInputModel(name: string): Uint8Array {
  return encode({
    name: 'dangling',
    node: [{ opType: 'Add', input: ['x', name], output: ['y'], name: 'add' }],
    input: [valueInfo('x', ['N', 4])],
    output: [valueInfo('y', ['N', 4])],
  });
}
