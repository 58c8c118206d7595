/**
 * Writes the small real artifacts the examples point at: ONNX models (a 4→2 linear layer with
 * softmax, and one with int64, bool, float64 and string inputs for the probe checks), a
 * safetensors LoRA adapter, a JSONL knowledge shard and config/prompt/resource files.
 * Deterministic: running it again writes the same bytes, so the digests pinned in the examples hold.
 * Run: node --import tsx scripts/make-example-assets.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onnx } from 'onnx-proto';

const root = join(__dirname, '..', 'examples');

function write(path: string, bytes: Uint8Array | string): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

function floatTensor(name: string, dims: number[], values: number[]): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

function valueInfo(name: string, dims: (number | string)[], elemType: onnx.TensorProto.DataType = onnx.TensorProto.DataType.FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** An ONNX model (IR 8, opset 17) of one graph, encoded. */
function onnxModel(graph: Record<string, unknown>): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'tracing-reload-examples', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

/** y = softmax(x · W + b) with x: [N, 4], W: [4, 2], b: [2]. */
function linearSoftmax(weights: number[], bias: number[], inputName = 'x'): Uint8Array {
  return onnxModel({
    name: 'linear_softmax',
    initializer: [floatTensor('W', [4, 2], weights), floatTensor('b', [2], bias)],
    node: [
      { opType: 'MatMul', input: [inputName, 'W'], output: ['xw'], name: 'matmul' },
      { opType: 'Add', input: ['xw', 'b'], output: ['logits'], name: 'add' },
      { opType: 'Softmax', input: ['logits'], output: ['y'], name: 'softmax', attribute: [{ name: 'axis', i: -1, type: onnx.AttributeProto.AttributeType.INT }] },
    ],
    input: [valueInfo(inputName, ['N', 4])],
    output: [valueInfo('y', ['N', 2])],
  });
}

write('models/sentiment-2.0.0.onnx', linearSoftmax([0.5, -0.5, 0.25, -0.25, -0.1, 0.1, 0.3, -0.3], [0, 0]));
write('models/sentiment-2.1.0.onnx', linearSoftmax([-1, 1, -0.5, 0.5, 0.2, -0.2, 1, 1], [0.1, -0.1]));
write('models/sentiment-bad-input.onnx', linearSoftmax([-1, 1, -0.5, 0.5, 0.2, -0.2, 1, 1], [0.1, -0.1], 'features'));

/**
 * One input per element type the probe checks care about: `ids` int64 [1, 3] (fixed dims) cast to
 * float, `mask` bool [N, 3] negated, `scores` float64 [N] doubled, `label` string [1] passed through.
 */
function typedInputs(): Uint8Array {
  const { INT64, BOOL, DOUBLE, STRING, FLOAT } = onnx.TensorProto.DataType;
  return onnxModel({
    name: 'typed_inputs',
    node: [
      { opType: 'Cast', input: ['ids'], output: ['ids_float'], name: 'cast', attribute: [{ name: 'to', i: FLOAT, type: onnx.AttributeProto.AttributeType.INT }] },
      { opType: 'Not', input: ['mask'], output: ['mask_not'], name: 'not' },
      { opType: 'Add', input: ['scores', 'scores'], output: ['scores_doubled'], name: 'double' },
      { opType: 'Identity', input: ['label'], output: ['label_out'], name: 'identity' },
    ],
    input: [valueInfo('ids', [1, 3], INT64), valueInfo('mask', ['N', 3], BOOL), valueInfo('scores', ['N'], DOUBLE), valueInfo('label', [1], STRING)],
    output: [valueInfo('ids_float', [1, 3]), valueInfo('mask_not', ['N', 3], BOOL), valueInfo('scores_doubled', ['N'], DOUBLE), valueInfo('label_out', [1], STRING)],
  });
}

write('models/typed-inputs.onnx', typedInputs());

/** A safetensors file: 8-byte little-endian header length, JSON header, then the raw tensor bytes. */
function safetensors(tensors: { name: string; shape: number[] }[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  const chunks: Buffer[] = [];
  tensors.forEach(({ name, shape }, t) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * 4);
    for (let i = 0; i < count; i++) data.writeFloatLE(((i * 7 + t * 3) % 11) / 100 - 0.05, i * 4);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
    chunks.push(data);
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...chunks]);
}

const rank = 8;
const hidden = 4;
write(
  'adapters/support-lora-7.safetensors',
  safetensors(
    ['q_proj', 'v_proj'].flatMap((module) => [
      { name: `base_model.model.layers.0.self_attn.${module}.lora_A.weight`, shape: [rank, hidden] },
      { name: `base_model.model.layers.0.self_attn.${module}.lora_B.weight`, shape: [hidden, rank] },
    ]),
  ),
);

const dim = 8;
const rows = Array.from({ length: 6 }, (_, i) => ({
  id: `kb-2026-11-${i + 1}`,
  text: ['Reset a password', 'Refund policy', 'Shipping times', 'Cancel an order', 'Change the e-mail', 'Contact support'][i],
  vector: Array.from({ length: dim }, (_, j) => Math.round(Math.sin(i * 3 + j) * 1000) / 1000),
}));
write('kb/2026-11.jsonl', rows.map((row) => JSON.stringify(row)).join('\n') + '\n');

write('config/sentiment-preprocess.json', `${JSON.stringify({ lowercase: true, maxTokens: 128, stripPunctuation: true }, null, 2)}\n`);
write('prompts/triage.md', 'Classify the urgency of ticket {{ticket_id}} for the {{team}} team as low, normal or high.\n');
write('docs/style.md', '# Support style guide\n\nBe brief, be kind, name the next step.\n');
