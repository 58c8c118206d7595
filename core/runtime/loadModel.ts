/** Loading a Model change: the ONNX graph into an engine session, its signature checked against `io`. */
import { asArray, asObject, asString, own, type JsonObject } from '../semantic/read';
import { ReloadStepError } from '../errors';
import type { LoadedModel } from './generation';
import type { ModelEngine, TensorSignature } from './modelEngine';
import type { StagedArtifact } from './stage';

export async function loadModel(engine: ModelEngine, spec: JsonObject, pointer: string, staged: StagedArtifact): Promise<LoadedModel> {
  if (!staged.bytes) throw new Error('model bytes were not retained by staging');
  let session;
  try {
    session = await engine.load(staged.bytes);
  } catch (e) {
    throw new ReloadStepError('ModelLoadFailed', `${staged.uri}: ${e instanceof Error ? e.message : String(e)}`, `${pointer}/artifact/uri`);
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
  const names = actual.map((t) => t.name);
  declared.forEach((entry, index) => {
    const tensor = asObject(entry);
    const name = asString(own(tensor, 'name'));
    const at = `${pointer}/io/${side}/${index}`;
    const found = actual.find((t) => t.name === name);
    if (!found) {
      throw new ReloadStepError('SignatureMismatch', `The model has no ${side.slice(0, -1)} "${name}"; its ${side} are ${names.map((n) => `"${n}"`).join(', ')}.`, `${at}/name`);
    }
    const dtype = asString(own(tensor, 'dtype'));
    if (dtype !== undefined && dtype !== found.dtype) {
      throw new ReloadStepError('SignatureMismatch', `${side.slice(0, -1)} "${name}" is ${found.dtype} in the model, ${dtype} in the manifest.`, `${at}/dtype`);
    }
    const shape = own(tensor, 'shape');
    if (Array.isArray(shape) && found.shape) {
      const fits = shape.length === found.shape.length && shape.every((d, i) => d === -1 || found.shape![i] === -1 || d === found.shape![i]);
      if (!fits) {
        throw new ReloadStepError('SignatureMismatch', `${side.slice(0, -1)} "${name}" has shape ${JSON.stringify(found.shape)} in the model (-1: dynamic), ${JSON.stringify(shape)} in the manifest.`, `${at}/shape`);
      }
    }
  });
  if (declared.length !== actual.length) {
    const extra = names.filter((n) => !declared.some((d) => asString(own(asObject(d), 'name')) === n));
    if (extra.length > 0) throw new ReloadStepError('SignatureMismatch', `The model also has ${side} ${extra.map((n) => `"${n}"`).join(', ')} that the manifest does not declare.`, `${pointer}/io/${side}`);
  }
}
