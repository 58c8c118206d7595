/**
 * Tensors fed to a model, checked against the loaded model's input signature before inference:
 * typed arrays convert whatever they are given (a string becomes NaN, `true` becomes 1), so a
 * value of the wrong kind would make the probe run on garbage and pass or fail for no reason.
 * Messages name the manifest's own values and the model's element types, never the model's
 * tensor names (those are the model file's content).
 */
import { escapePointerToken } from '../jsonc/pointer';
import { asObject, own, type JsonObject } from '../jsonc/read';
import { ReloadStepError } from '../errors';
import { elementRule, KNOWN_DTYPES } from '../model/elementTypes';
import type { DType, TensorData, TensorSignature } from './modelEngine';

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return 'a string';
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
}

export interface TensorProblem {
  /** JSON pointer below the tensor (`/dims/1`, `/data/3`), '' for the tensor itself. */
  at: string;
  message: string;
}

/** Why `tensor` cannot feed the model input `signature`, or undefined when it can. */
export function tensorProblem(signature: TensorSignature, tensor: { dims?: unknown; data?: unknown }): TensorProblem | undefined {
  const dtype = String(signature.dtype);
  const rule = elementRule(dtype);
  if (!rule) {
    const type = KNOWN_DTYPES.has(dtype) ? dtype : 'an element type the runtime does not know';
    return { at: '', message: `is for a model input of type ${type}, which the local runtime cannot feed` };
  }
  const { dims, data } = tensor;
  if (!Array.isArray(dims)) return { at: '/dims', message: 'has no "dims" array' };
  const shape = signature.shape;
  for (let k = 0; k < dims.length; k++) {
    if (!Number.isSafeInteger(dims[k]) || (dims[k] as number) < 0) return { at: `/dims/${k}`, message: `has dims[${k}] ${describe(dims[k])}; a dimension is a whole number from 0` };
  }
  const shown = shape && `${JSON.stringify(shape)}, -1 is any size`;
  if (shape && dims.length !== shape.length) return { at: '/dims', message: `has ${dims.length} dimensions; the model's input has ${shape.length} (shape ${shown})` };
  for (let k = 0; shape && k < dims.length; k++) {
    if (shape[k] >= 0 && dims[k] !== shape[k]) return { at: `/dims/${k}`, message: `has dims[${k}] ${String(dims[k])}; the model's input has exactly ${shape[k]} there (shape ${shown})` };
  }
  if (!Array.isArray(data)) return { at: '/data', message: 'has no "data" array' };
  const count = (dims as number[]).reduce((product, d) => product * BigInt(d), 1n);
  if (count !== BigInt(data.length)) return { at: '/data', message: `has ${data.length} values; its dims ${JSON.stringify(dims)} hold ${count}` };
  for (let i = 0; i < data.length; i++) {
    if (!rule.accepts(data[i])) return { at: `/data/${i}`, message: `has data[${i}] ${describe(data[i])}; the model's input is ${dtype}, which takes ${rule.takes}` };
  }
  return undefined;
}

/**
 * The probe's `input` (at `pointer`) as feeds for `inputs`, the loaded model's signature; each
 * feed carries the model's element type. Refuses, with the pointer of the offending value, an
 * input the model lacks, a model input the probe does not give, and any value of the wrong kind.
 */
export function probeFeeds(inputs: readonly TensorSignature[], input: JsonObject, pointer: string): Record<string, TensorData> {
  const fail = (at: string, message: string): never => {
    throw new ReloadStepError('ProbeInputInvalid', message, `${pointer}${at}`);
  };
  const plural = `${inputs.length} input${inputs.length === 1 ? '' : 's'}`;
  for (const name of Object.keys(input)) {
    if (!inputs.some((signature) => signature.name === name)) fail(`/${escapePointerToken(name)}`, `The model has no input "${name}" (it has ${plural}).`);
  }
  const feeds: Record<string, TensorData> = {};
  inputs.forEach((signature, index) => {
    const tensor = asObject(own(input, signature.name));
    if (!tensor) fail('', `The probe gives no tensor for the model's input #${index} (it has ${plural}): give one for each; declare them under the change's io.inputs to have their names checked.`);
    const at = `/${escapePointerToken(signature.name)}`;
    const problem = tensorProblem(signature, tensor!);
    if (problem) fail(`${at}${problem.at}`, `Probe input "${signature.name}" ${problem.message}.`);
    feeds[signature.name] = { dims: own(tensor, 'dims') as number[], data: own(tensor, 'data') as TensorData['data'], dtype: signature.dtype as DType };
  });
  return feeds;
}
