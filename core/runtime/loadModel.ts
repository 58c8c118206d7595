/**
 * Loading a Model change: the ONNX graph into an engine session, its signature checked against `io`.
 * Messages quote the manifest's tensor names and the model's element types and shapes, never the
 * model's own tensor names (the file's content): those are named by position (#0, #1…).
 */
import { asArray, asObject, asString, own, type JsonObject } from '../jsonc/read';
import { ReloadStepError } from '../errors';
import type { LoadedModel } from './generation';
import type { ModelEngine, TensorSignature } from './modelEngine';
import type { StagedArtifact } from './stage';

const KNOWN_DTYPES = new Set(['float32', 'float16', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string', 'non-tensor']);

export async function loadModel(engine: ModelEngine, spec: JsonObject, pointer: string, staged: StagedArtifact): Promise<LoadedModel> {
  if (!staged.bytes) throw new Error('model bytes were not retained by staging');
  let session;
  try {
    session = await engine.load(staged.bytes);
  } catch {
    // The engine's message can quote the file (node and tensor names): it is not passed on.
    throw new ReloadStepError('ModelLoadFailed', `${staged.uri} is not a model the local runtime can load (ONNX, run by onnxruntime-web; ${staged.size} bytes): check that it is the intended file and an ONNX model.`, `${pointer}/artifact/uri`);
  }
  const model: LoadedModel = {
    id: asString(own(spec, 'id')) ?? '',
    version: asString(own(spec, 'version')) ?? '',
    digest: staged.digest,
    session,
    inputs: session.inputs,
    outputs: session.outputs,
  };
  try {
    checkSignature(spec, pointer, 'inputs', session.inputs);
    checkSignature(spec, pointer, 'outputs', session.outputs);
  } catch (e) {
    await session.release();
    throw e;
  }
  return model;
}

function checkSignature(spec: JsonObject, pointer: string, side: 'inputs' | 'outputs', actual: readonly TensorSignature[]): void {
  const io = asObject(own(spec, 'io'));
  if (!io || own(io, side) === undefined) return;
  const declared = asArray(own(io, side));
  const one = side.slice(0, -1);
  const has = `the model has ${actual.length} ${actual.length === 1 ? one : side}`;
  const matched = new Set<number>();
  declared.forEach((entry, index) => {
    const tensor = asObject(entry);
    const name = asString(own(tensor, 'name'));
    const at = `${pointer}/io/${side}/${index}`;
    const position = actual.findIndex((t) => t.name === name);
    if (position < 0) throw new ReloadStepError('SignatureMismatch', `The model has no ${one} "${name}" (${has}): use the names the model's graph gives them.`, `${at}/name`);
    matched.add(position);
    const found = actual[position];
    const dtype = asString(own(tensor, 'dtype'));
    if (dtype !== undefined && dtype !== found.dtype) {
      const modelType = KNOWN_DTYPES.has(String(found.dtype)) ? found.dtype : 'an element type the runtime does not know';
      throw new ReloadStepError('SignatureMismatch', `${one} "${name}" is ${modelType} in the model, ${dtype} in the manifest.`, `${at}/dtype`);
    }
    const shape = own(tensor, 'shape');
    if (Array.isArray(shape) && found.shape) {
      const fits = shape.length === found.shape.length && shape.every((d, i) => d === -1 || found.shape![i] === -1 || d === found.shape![i]);
      if (!fits) {
        throw new ReloadStepError('SignatureMismatch', `${one} "${name}" has shape ${JSON.stringify(found.shape)} in the model (-1: dynamic), ${JSON.stringify(shape)} in the manifest.`, `${at}/shape`);
      }
    }
  });
  const undeclared = actual.map((_, i) => i).filter((i) => !matched.has(i));
  if (undeclared.length > 0) {
    throw new ReloadStepError('SignatureMismatch', `${has}; the manifest does not declare ${undeclared.length === 1 ? 'the one' : `the ${undeclared.length}`} at position ${undeclared.map((i) => `#${i}`).join(', ')}: declare every ${one} the model has.`, `${pointer}/io/${side}`);
  }
}
