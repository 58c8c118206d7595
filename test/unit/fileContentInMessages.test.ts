/**
 * The agent runs manifests from the network that name files inside its artifact roots: a message
 * that quoted a file would leak it through the apply's result and trace. Each artifact here holds
 * MARKER wherever a message could pick it up; each run fails through one path, and neither the
 * outcome nor any span (attributes, events, status) may contain it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReloadOutcome } from '../../core/runtime/pipeline';
import { danglingInputModel, doublingModel, failingBroadcastModel } from '../support/onnxModels';
import { newRuntime, runFile } from '../support/runtime';

const MARKER = 'SECRET-7f3a';
const IDENTIFIER_MARKER = 'SECRET_7f3a';

type Files = Record<string, string | Uint8Array>;
interface Manifest {
  apiVersion: string;
  spec: object;
}

/** Runs `manifest` (with `files` beside it) and checks that nothing recorded holds the marker. */
async function failingRun(files: Files, manifest: Manifest): Promise<ReloadOutcome['error']> {
  const dir = mkdtempSync(join(tmpdir(), 'no-echo-'));
  const runtime = newRuntime();
  try {
    for (const [name, content] of Object.entries(files)) {
      assert.ok(Buffer.from(content).includes('SECRET'), `${name} holds the marker`);
      writeFileSync(join(dir, name), content);
    }
    const context = manifest.apiVersion.startsWith('mcp-context');
    const file = join(dir, context ? 'm.mcp-context.json' : 'm.reload.json');
    writeFileSync(file, JSON.stringify({ ...manifest, kind: context ? 'ContextManifest' : 'ReloadManifest', metadata: { name: 'no-echo' } }));
    const { outcome, trace } = await runFile(runtime, file);
    assert.equal(outcome.outcome, 'Failed');
    assert.ok(!JSON.stringify(outcome).includes('SECRET'), `the outcome quotes the file: ${JSON.stringify(outcome.error)}`);
    const recorded = JSON.stringify(trace, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    assert.ok(!recorded.includes('SECRET'), `the trace quotes the file: ${recorded}`);
    assert.ok(trace.spans.some((s) => s.events.some((e) => e.name === 'exception')), 'the failure is recorded in the trace');
    return outcome.error;
  } finally {
    await runtime.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const reload = (changes: object[], healthChecks: object[] = []): Manifest => ({ apiVersion: 'reload/v2', spec: { changes, healthChecks } });
const context = (spec: object): Manifest => ({ apiVersion: 'mcp-context/v2', spec });
const model = (io?: object): object => ({ kind: 'Model', id: 'm', version: '1', artifact: { uri: 'm.onnx' }, ...(io ? { io } : {}) });
const probe = (input: object, output = 'y'): object => ({ id: 'p', kind: 'probe', change: 'model:m', input, expect: { output, argmax: 0 } });
const X = { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 0.4] } };

test('knowledge rows: duplicate ids and broken rows are named by line', async () => {
  const shard = context({ knowledge: [{ index: 'kb', shard: 's', op: 'upsert', artifact: { uri: 'kb.jsonl' }, embeddingDim: 2 }] });
  const row = `{"id":"${MARKER}","vector":[1,0]}`;
  assert.deepEqual(await failingRun({ 'kb.jsonl': `${row}\n${row}\n` }, shard), {
    step: 'reload.load',
    type: 'KnowledgeInvalid',
    message: 'kb/s line 2: its id is already the id of line 1; ids are unique within a shard.',
    pointer: '/spec/knowledge/0/artifact/uri',
  });
  assert.deepEqual(await failingRun({ 'kb.jsonl': `{"id": ${MARKER}}\n` }, shard), { step: 'reload.load', type: 'KnowledgeInvalid', message: 'kb/s line 1: not JSON.', pointer: '/spec/knowledge/0/artifact/uri' });
});

/** A safetensors file whose tensors have the given names and shapes. */
function safetensors(tensors: [string, number[]][], extra: Record<string, unknown> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify({ ...header, ...extra }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, Buffer.alloc(offset)]);
}

test('safetensors: tensor and module names are named by position', async () => {
  const adapter = (targetModules: string[]): Manifest => context({ adapters: [{ name: 'lora', version: '1', baseModel: 'model:base', artifact: { uri: 'a.safetensors' }, rank: 2, targetModules }] });
  const failure = async (file: Uint8Array, targetModules = ['q_proj']): Promise<unknown> => failingRun({ 'a.safetensors': file }, adapter(targetModules));
  const error = (message: string, pointer = '/spec/adapters/0/artifact/uri'): object => ({ step: 'reload.load', type: 'AdapterMismatch', message, pointer });
  const q: [string, number[]][] = [
    ['layers.0.q_proj.lora_A.weight', [2, 4]],
    ['layers.0.q_proj.lora_B.weight', [4, 2]],
  ];
  assert.deepEqual(await failure(safetensors([...q, [`layers.0.${MARKER}.lora_A.weight`, [2, 4]]])), error('Tensor #2 is a lora_A with no matching lora_B.'));
  assert.deepEqual(await failure(safetensors(q, { [MARKER]: { shape: [1] } })), error('Not a safetensors file: tensor #2 lacks dtype, shape or data_offsets.'));
  assert.deepEqual(await failure(safetensors(q, { [MARKER]: { dtype: 'F32', shape: [MARKER], data_offsets: [0, 4] } })), error('Not a safetensors file: tensor #2 has a shape that is not a list of whole numbers.'));
  assert.deepEqual(
    await failure(safetensors([...q, [`layers.0.${MARKER}.lora_A.weight`, [4, 4]], [`layers.0.${MARKER}.lora_B.weight`, [4, 4]]])),
    error('Tensor #2 has rank 4, tensor #0 rank 2: one adapter has one rank.'),
  );
  assert.deepEqual(
    await failure(safetensors([...q, [`layers.0.${MARKER}.lora_A.weight`, [2, 4]], [`layers.0.${MARKER}.lora_B.weight`, [4, 2]]]), ['q_proj', 'v_proj']),
    error('The adapter has no tensors for v_proj and tensors for 1 module targetModules does not list (first tensor #2 in the header); it adapts 2 modules: list exactly those in targetModules.', '/spec/adapters/0/targetModules'),
  );
});

test('ONNX graphs: input, output and node names are never quoted', async () => {
  const io = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }] };
  assert.deepEqual(await failingRun({ 'm.onnx': doublingModel([MARKER]) }, reload([model(io)])), {
    step: 'reload.load',
    type: 'SignatureMismatch',
    message: 'The model has no input "x" (the model has 1 input): use the names the model\'s graph gives them.',
    pointer: '/spec/changes/0/io/inputs/0/name',
  });
  assert.deepEqual(await failingRun({ 'm.onnx': doublingModel(['x', MARKER]) }, reload([model(io)])), {
    step: 'reload.load',
    type: 'SignatureMismatch',
    message: 'the model has 2 inputs; the manifest does not declare the one at position #1: declare every input the model has.',
    pointer: '/spec/changes/0/io/inputs',
  });
  assert.deepEqual(await failingRun({ 'm.onnx': doublingModel([MARKER]) }, reload([model()], [probe(X)])), {
    step: 'reload.probe',
    type: 'ProbeInputInvalid',
    message: 'The model has no input "x" (it has 1 input).',
    pointer: '/spec/healthChecks/0/input/x',
  });
  assert.deepEqual(await failingRun({ 'm.onnx': doublingModel(['x', MARKER]) }, reload([model()], [probe(X)])), {
    step: 'reload.probe',
    type: 'ProbeInputInvalid',
    message: "The probe gives no tensor for the model's input #1 (it has 2 inputs): give one for each; declare them under the change's io.inputs to have their names checked.",
    pointer: '/spec/healthChecks/0/input',
  });
  assert.deepEqual(await failingRun({ 'm.onnx': doublingModel(['x'], [MARKER]) }, reload([model()], [probe(X)])), {
    step: 'reload.probe',
    type: 'ProbeFailed',
    message: 'The model has no output "y" (it has 1 output): name one of them, as in the change\'s io.outputs.',
    pointer: '/spec/healthChecks/0/expect/output',
  });
  const dangling = danglingInputModel(MARKER);
  assert.deepEqual(await failingRun({ 'm.onnx': dangling }, reload([model()])), {
    step: 'reload.load',
    type: 'ModelLoadFailed',
    message: `m.onnx is not a model the local runtime can load (ONNX, run by onnxruntime-web; ${dangling.byteLength} bytes): check that it is the intended file and an ONNX model.`,
    pointer: '/spec/changes/0/artifact/uri',
  });
  assert.deepEqual(await failingRun({ 'm.onnx': failingBroadcastModel(MARKER) }, reload([model()], [probe(X)])), {
    step: 'reload.probe',
    type: 'ProbeFailed',
    message: "Inference failed: the probe input fits the model's input signature, but the model could not run on it.",
    pointer: '/spec/healthChecks/0/input',
  });
});

test('the engine itself does not pass on onnxruntime\'s load message, which quotes the graph', async () => {
  const runtime = newRuntime();
  try {
    const bytes = danglingInputModel(MARKER);
    await assert.rejects(runtime.engine.load(bytes), { message: `not a loadable ONNX model (onnxruntime-web could not create a session from its ${bytes.byteLength} bytes)` });
  } finally {
    await runtime.dispose();
  }
});

test('config sources: syntax errors, duplicate keys and schema errors name the line or the schema, not the file', async () => {
  const config = (schema?: object): Manifest => reload([{ kind: 'Config', id: 'c', source: { uri: 'c.json' }, ...(schema ? { schema } : {}) }]);
  const error = (message: string, pointer = '/spec/changes/0/source/uri'): object => ({ step: 'reload.load', type: 'ConfigInvalid', message, pointer });
  assert.deepEqual(await failingRun({ 'c.json': `{\n  "a": ${MARKER}\n}\n` }, config()), error('c.json is not a usable JSON config: line 2, column 8 has a JSON syntax error.'));
  assert.deepEqual(await failingRun({ 'c.json': `{"${MARKER}": 1,\n "${MARKER}": 2}` }, config()), error('c.json is not a usable JSON config: line 2, column 2 has a key that appears twice in one object.'));
  assert.deepEqual(
    await failingRun({ 'c.json': `{"limits": {"${MARKER}": "${MARKER}"}}` }, config({ type: 'object', properties: { limits: { additionalProperties: { type: 'integer' } } } })),
    error('The config in c.json does not satisfy its schema: a value must be integer (schema #/properties/limits/additionalProperties/type).', '/spec/changes/0/source'),
  );
});

test('template files: placeholder problems are named by line and column', async () => {
  const prompt = context({ prompts: [{ name: 'triage', arguments: [{ name: 'ticket_id', required: true }], templateFile: 't.md' }] });
  assert.deepEqual(await failingRun({ 't.md': `Ticket {{ticket_id}}: {{ ${MARKER} }}\n{{${IDENTIFIER_MARKER}}}\n` }, prompt), {
    step: 'reload.load',
    type: 'TemplateInvalid',
    message: "Prompt \"triage\": line 1, column 23: a malformed placeholder (write {{argument_name}} with letters, digits and '_'); line 2, column 1: a placeholder for an argument the prompt does not declare.",
    pointer: '/spec/prompts/0/templateFile',
  });
});
