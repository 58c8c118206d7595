/**
 * The manifests and models bench/agent applies: the sentiment example's two model versions with
 * a golden probe each, and a ≈1 MB ONNX model generated at bench time (a 4 → H → 2 MLP whose
 * weights make up the megabyte), each written into the bench's temporary folder with its digest,
 * size and a probe whose expected values are computed here from the model's own weights.
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';

const { FLOAT } = onnx.TensorProto.DataType;
const EXAMPLE_MODELS = join(__dirname, '..', 'examples', 'models');
/** The probe's input, as in examples/sentiment.reload.json. */
const PROBE_INPUT = [0.1, 0.2, 0.3, 0.4];

/** A model file in the bench folder, with what a manifest pins and what its probe expects for PROBE_INPUT. */
export interface BenchModel {
  id: string;
  version: string;
  /** Relative to the bench folder, where the manifests are written. */
  uri: string;
  path: string;
  digest: string;
  size: number;
  expected: number[];
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function softmax(logits: number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function floatsOf(tensor: onnx.ITensorProto): Float32Array {
  if (tensor.floatData && tensor.floatData.length > 0) return Float32Array.from(tensor.floatData);
  const raw = tensor.rawData!;
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/** Copies an example sentiment model (softmax(x·W + b), W [4, 2]) into `folder` and computes its probe's expected output. */
export function sentimentModel(folder: string, version: string): BenchModel {
  const file = `sentiment-${version}.onnx`;
  const path = join(folder, 'models', file);
  mkdirSync(join(folder, 'models'), { recursive: true });
  copyFileSync(join(EXAMPLE_MODELS, file), path);
  const bytes = readFileSync(path);
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const w = floatsOf(graph.initializer!.find((t) => t.name === 'W')!);
  const b = floatsOf(graph.initializer!.find((t) => t.name === 'b')!);
  const logits = [0, 1].map((j) => PROBE_INPUT.reduce((sum, x, i) => sum + x * w[i * 2 + j], b[j]));
  return { id: 'sentiment', version, uri: `models/${file}`, path, digest: sha256(bytes), size: bytes.length, expected: softmax(logits) };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function rawFloats(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

/**
 * y = softmax(relu(x · W1) · W2), x [N, 4], W1 [4, H], W2 [H, 2]: 24·H bytes of float32 weights,
 * so H = 43,690 makes ≈1 MiB. Deterministic weights, small enough that the logits stay near 1.
 */
export function megabyteModel(folder: string, hidden = 43_690): BenchModel {
  const w1 = new Float32Array(4 * hidden);
  const w2 = new Float32Array(hidden * 2);
  for (let i = 0; i < w1.length; i++) w1[i] = Math.sin(i * 0.7) * 0.5;
  for (let i = 0; i < w2.length; i++) w2[i] = Math.cos(i * 1.3) / Math.sqrt(hidden);
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'tracing-reload-bench',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'mlp_1mb',
        initializer: [rawFloats('W1', [4, hidden], w1), rawFloats('W2', [hidden, 2], w2)],
        node: [
          { opType: 'MatMul', input: ['x', 'W1'], output: ['h'], name: 'matmul_1' },
          { opType: 'Relu', input: ['h'], output: ['h_relu'], name: 'relu' },
          { opType: 'MatMul', input: ['h_relu', 'W2'], output: ['logits'], name: 'matmul_2' },
          { opType: 'Softmax', input: ['logits'], output: ['y'], name: 'softmax', attribute: [{ name: 'axis', i: -1, type: onnx.AttributeProto.AttributeType.INT }] },
        ],
        input: [valueInfo('x', ['N', 4])],
        output: [valueInfo('y', ['N', 2])],
      },
    }),
  ).finish();
  const logits = [0, 0];
  for (let k = 0; k < hidden; k++) {
    const h = Math.max(0, PROBE_INPUT.reduce((sum, x, i) => sum + x * w1[i * hidden + k], 0));
    logits[0] += h * w2[k * 2];
    logits[1] += h * w2[k * 2 + 1];
  }
  mkdirSync(join(folder, 'models'), { recursive: true });
  const path = join(folder, 'models', 'mlp-1mb.onnx');
  writeFileSync(path, bytes);
  return { id: 'mlp', version: '1.0.0', uri: 'models/mlp-1mb.onnx', path, digest: sha256(bytes), size: bytes.length, expected: softmax(logits) };
}

/** A manifest that activates `model` with a golden probe, as manifest text and the path it is written to. */
export function modelManifest(folder: string, model: BenchModel, serial: number, rollout?: unknown[]): { path: string; text: string } {
  const text = JSON.stringify({
    apiVersion: 'reload/v2',
    kind: 'ReloadManifest',
    metadata: { name: `bench-${model.id}`, uid: randomUUID(), serial, initiator: 'bench@tracing-reload.dev' },
    spec: {
      changes: [
        {
          kind: 'Model',
          id: model.id,
          version: model.version,
          artifact: { uri: model.uri, digest: model.digest, size: model.size },
          format: 'onnx',
          io: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 2] }] },
        },
      ],
      healthChecks: [{ id: 'golden', kind: 'probe', change: `model:${model.id}`, input: { x: { dims: [1, 4], data: PROBE_INPUT } }, expect: { output: 'y', values: model.expected, tolerance: 0.001 } }],
      ...(rollout ? { rollout: { steps: rollout } } : {}),
    },
  });
  const path = join(folder, `${model.id}-${serial}.reload.json`);
  writeFileSync(path, text);
  return { path, text };
}

/** An Open Inference Protocol request for the probe's input. */
export const INFER_BODY = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: PROBE_INPUT }] });
