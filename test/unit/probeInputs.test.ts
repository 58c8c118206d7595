import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReloadStepError } from '../../core/errors';
import type { LoadedModel } from '../../core/runtime/generation';
import { loadModel } from '../../core/runtime/loadModel';
import { runProbe } from '../../core/runtime/probes';
import type { LocalRuntime } from '../../core/runtime/runtime';
import { tensorProblem } from '../../core/runtime/tensorFeeds';
import { EXAMPLES } from '../support/fixtures';
import { newRuntime, runManifest } from '../support/runtime';

const CHECK = '/spec/healthChecks/0';

let runtime: LocalRuntime;
let sentiment: LoadedModel;
let typed: LoadedModel;

async function load(file: string, id: string): Promise<LoadedModel> {
  const bytes = readFileSync(join(EXAMPLES, 'models', file));
  return loadModel(runtime.engine, { kind: 'Model', id, version: '1' }, '/spec/changes/0', { uri: `models/${file}`, location: file, digest: 'sha256:test', size: bytes.byteLength, bytes });
}

before(async () => {
  runtime = newRuntime();
  sentiment = await load('sentiment-2.0.0.onnx', 'sentiment');
  typed = await load('typed-inputs.onnx', 'typed');
});

after(async () => {
  await sentiment.session.release();
  await typed.session.release();
  await runtime.dispose();
});

/** The typed-inputs model's four inputs, valid; `change` replaces some. */
function typedInput(change: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ids: { dims: [1, 3], data: [1, 2, 3] },
    mask: { dims: [1, 3], data: [true, false, true] },
    scores: { dims: [2], data: [0.25, -1.5] },
    label: { dims: [1], data: ['urgent'] },
    ...change,
  };
}

async function refusal(model: LoadedModel, input: Record<string, unknown>, expect: Record<string, unknown> = { output: 'y', argmax: 0 }): Promise<{ type: string; message: string; pointer?: string }> {
  try {
    await runProbe(runtime, model, { id: 'p', kind: 'probe', change: `model:${model.id}`, input, expect }, CHECK);
  } catch (e) {
    if (!(e instanceof ReloadStepError)) throw e;
    return { type: e.type, message: e.message, pointer: e.pointer };
  }
  assert.fail('the probe passed');
}

test('values of each element type run on the real model', async () => {
  const ids = await runProbe(runtime, typed, { input: typedInput({ ids: { dims: [1, 3], data: [-5, 0, 7] } }), expect: { output: 'ids_float', values: [-5, 0, 7] } }, CHECK);
  assert.deepEqual(ids.output, [-5, 0, 7]);
  // The int64 range a JSON number holds exactly is accepted (ids_float is float32, so it rounds).
  const extremes = await runProbe(runtime, typed, { input: typedInput({ ids: { dims: [1, 3], data: [-9007199254740991, 0, 9007199254740991] } }), expect: { output: 'ids_float', argmax: 2 } }, CHECK);
  assert.deepEqual(extremes.output, [-9007199254740992, 0, 9007199254740992]);
  const mask = await runProbe(runtime, typed, { input: typedInput(), expect: { output: 'mask_not', values: [0, 1, 0] } }, CHECK);
  assert.deepEqual(mask.output, [0, 1, 0]);
  const scores = await runProbe(runtime, typed, { input: typedInput(), expect: { output: 'scores_doubled', values: [0.5, -3] } }, CHECK);
  assert.deepEqual(scores.output, [0.5, -3]);
  assert.deepEqual(await refusal(typed, typedInput(), { output: 'label_out', values: [1] }), { type: 'ProbeFailed', message: 'Output "label_out" is string; a probe compares numbers only.', pointer: `${CHECK}/expect/output` });
});

test('a value of the wrong kind is refused at its exact pointer, before inference', async () => {
  assert.deepEqual(await refusal(sentiment, { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 'abc'] } }), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "x" has data[3] a string; the model\'s input is float32, which takes finite numbers within ±3.4028234663852886e+38.',
    pointer: `${CHECK}/input/x/data/3`,
  });
  assert.deepEqual(await refusal(sentiment, { x: { dims: [1, 4], data: [true, 0.2, 0.3, 0.4] } }), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "x" has data[0] true; the model\'s input is float32, which takes finite numbers within ±3.4028234663852886e+38.',
    pointer: `${CHECK}/input/x/data/0`,
  });
  assert.deepEqual(await refusal(sentiment, { x: { dims: [1, 4], data: [0.1, 1e39, 0.3, 0.4] } }), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "x" has data[1] 1e+39; the model\'s input is float32, which takes finite numbers within ±3.4028234663852886e+38.',
    pointer: `${CHECK}/input/x/data/1`,
  });
  const int64 = 'the model\'s input is int64, which takes integers from -9007199254740991 to 9007199254740991.';
  assert.deepEqual(await refusal(typed, typedInput({ ids: { dims: [1, 3], data: [1, 1.5, 3] } })), { type: 'ProbeInputInvalid', message: `Probe input "ids" has data[1] 1.5; ${int64}`, pointer: `${CHECK}/input/ids/data/1` });
  assert.deepEqual(await refusal(typed, typedInput({ ids: { dims: [1, 3], data: [1, 2, 9007199254740992] } })), { type: 'ProbeInputInvalid', message: `Probe input "ids" has data[2] 9007199254740992; ${int64}`, pointer: `${CHECK}/input/ids/data/2` });
  assert.deepEqual(await refusal(typed, typedInput({ mask: { dims: [1, 3], data: [true, 0, true] } })), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "mask" has data[1] 0; the model\'s input is bool, which takes true or false.',
    pointer: `${CHECK}/input/mask/data/1`,
  });
  assert.deepEqual(await refusal(typed, typedInput({ label: { dims: [1], data: [7] } })), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "label" has data[0] 7; the model\'s input is string, which takes strings.',
    pointer: `${CHECK}/input/label/data/0`,
  });
});

test('dims must hold the data and fit the model\'s fixed dimensions', async () => {
  assert.deepEqual(await refusal(typed, typedInput({ ids: { dims: [1, 4], data: [1, 2, 3, 4] } })), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "ids" has dims[1] 4; the model\'s input has exactly 3 there (shape [1,3], -1 is any size).',
    pointer: `${CHECK}/input/ids/dims/1`,
  });
  assert.deepEqual(await refusal(typed, typedInput({ ids: { dims: [3], data: [1, 2, 3] } })), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "ids" has 1 dimensions; the model\'s input has 2 (shape [1,3], -1 is any size).',
    pointer: `${CHECK}/input/ids/dims`,
  });
  assert.deepEqual(await refusal(sentiment, { x: { dims: [2, 4], data: [0.1, 0.2, 0.3, 0.4] } }), {
    type: 'ProbeInputInvalid',
    message: 'Probe input "x" has 4 values; its dims [2,4] hold 8.',
    pointer: `${CHECK}/input/x/data`,
  });
});

test('every model input needs a tensor, and every tensor a model input', async () => {
  const { label, ...withoutLabel } = typedInput();
  void label;
  assert.deepEqual(await refusal(typed, withoutLabel), {
    type: 'ProbeInputInvalid',
    message: "The probe gives no tensor for the model's input #3 (it has 4 inputs): give one for each; declare them under the change's io.inputs to have their names checked.",
    pointer: `${CHECK}/input`,
  });
  assert.deepEqual(await refusal(sentiment, { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }, 'x/extra': { dims: [1], data: [1] } }), {
    type: 'ProbeInputInvalid',
    message: 'The model has no input "x/extra" (it has 1 input).',
    pointer: `${CHECK}/input/x~1extra`,
  });
});

test('the engine checks feeds itself, for callers other than probes, and names inputs by position', async () => {
  await assert.rejects(sentiment.session.run({ x: { dims: [1, 4], data: [0.1, 0.2, 'abc', 0.4] as unknown as number[] } }), {
    message: "the tensor for the model's input #0 has data[2] a string; the model's input is float32, which takes finite numbers within ±3.4028234663852886e+38",
  });
  await assert.rejects(sentiment.session.run({}), { message: "no tensor for the model's input #0" });
});

test('element types the local runtime cannot feed are named, not guessed', () => {
  assert.deepEqual(tensorProblem({ name: 'h', dtype: 'float16', shape: [1] }, { dims: [1], data: [0.5] }), { at: '', message: 'is for a model input of type float16, which the local runtime cannot feed' });
  assert.deepEqual(tensorProblem({ name: 'h', dtype: 'non-tensor' }, { dims: [1], data: [0.5] }), { at: '', message: 'is for a model input of type an element type the runtime does not know, which the local runtime cannot feed' });
});

test('through the pipeline: a probe input of the wrong kind fails reload.probe with ProbeInputInvalid', async () => {
  const { outcome, failedStep } = await runManifest(
    {
      apiVersion: 'reload/v2',
      kind: 'ReloadManifest',
      metadata: { name: 'typed' },
      spec: {
        changes: [{ kind: 'Model', id: 'typed', version: '1', artifact: { uri: 'typed.onnx' } }],
        healthChecks: [{ id: 'ids', kind: 'probe', change: 'model:typed', input: typedInput({ ids: { dims: [1, 3], data: [1, '2', 3] } }), expect: { output: 'ids_float', values: [1, 2, 3] } }],
      },
    },
    { 'typed.onnx': readFileSync(join(EXAMPLES, 'models', 'typed-inputs.onnx')) },
  );
  assert.deepEqual(outcome.error, {
    step: 'reload.probe',
    type: 'ProbeInputInvalid',
    message: 'Probe input "ids" has data[1] a string; the model\'s input is int64, which takes integers from -9007199254740991 to 9007199254740991.',
    pointer: '/spec/healthChecks/0/input/ids/data/1',
  });
  assert.deepEqual([failedStep?.attributes['error.type'], failedStep?.attributes['reload.manifest.pointer']], ['ProbeInputInvalid', '/spec/healthChecks/0/input/ids/data/1']);
});
