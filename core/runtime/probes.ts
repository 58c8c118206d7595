/** Health-check probes: an input through a staged model, its output compared within tolerance. */
import { asArray, asNumber, asObject, asString, own, type JsonObject } from '../semantic/read';
import { ReloadStepError } from '../errors';
import type { LoadedModel } from './generation';
import type { TensorData } from './modelEngine';
import type { LocalRuntime } from './runtime';

export interface ProbeResult {
  latencyMs: number;
  output: number[];
  maxAbsError?: number;
}

export const DEFAULT_TOLERANCE = 1e-4;

/**
 * Runs the probe once untimed (the first run of a session pays one-time setup) and once timed;
 * `maxLatencyMs` bounds the timed run.
 */
export async function runProbe(runtime: LocalRuntime, model: LoadedModel, check: JsonObject, pointer: string): Promise<ProbeResult> {
  const feeds: Record<string, TensorData> = {};
  const input = asObject(own(check, 'input')) ?? {};
  for (const name of Object.keys(input)) {
    const tensor = asObject(own(input, name));
    feeds[name] = { dims: asArray(own(tensor, 'dims')) as number[], data: asArray(own(tensor, 'data')) as number[] };
  }
  const run = async (): Promise<Record<string, TensorData>> => {
    try {
      return await runtime.runOn(model, feeds);
    } catch (e) {
      throw new ReloadStepError('ProbeFailed', `Inference failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, `${pointer}/input`);
    }
  };
  await run();
  const started = performance.now();
  const outputs = await run();
  const latencyMs = performance.now() - started;

  const expect = asObject(own(check, 'expect')) ?? {};
  const outputName = asString(own(expect, 'output')) ?? '';
  const tensor = outputs[outputName];
  if (!tensor) {
    throw new ReloadStepError('ProbeFailed', `The model has no output "${outputName}" (outputs: ${Object.keys(outputs).join(', ')}).`, `${pointer}/expect/output`);
  }
  const actual = tensor.data as number[];
  const result: ProbeResult = { latencyMs, output: actual };
  const expected = own(expect, 'values');
  if (Array.isArray(expected)) {
    if (expected.length !== actual.length) {
      throw new ReloadStepError('ProbeFailed', `Output "${outputName}" has ${actual.length} values, expected ${expected.length}.`, `${pointer}/expect/values`);
    }
    const tolerance = asNumber(own(expect, 'tolerance')) ?? DEFAULT_TOLERANCE;
    let worst = 0;
    let worstIndex = 0;
    expected.forEach((value, i) => {
      const error = Math.abs(Number(value) - actual[i]);
      if (!(error <= worst)) {
        worst = error;
        worstIndex = i;
      }
    });
    result.maxAbsError = worst;
    if (!(worst <= tolerance)) {
      throw new ReloadStepError(
        'ProbeFailed',
        `Output "${outputName}"[${worstIndex}] is ${actual[worstIndex]}, expected ${String(expected[worstIndex])} ± ${tolerance} (off by ${worst.toPrecision(3)}).`,
        `${pointer}/expect/values/${worstIndex}`,
      );
    }
  }
  const argmax = asNumber(own(expect, 'argmax'));
  if (argmax !== undefined) {
    const index = actual.indexOf(Math.max(...actual));
    if (index !== argmax) throw new ReloadStepError('ProbeFailed', `Output "${outputName}" peaks at index ${index}, expected ${argmax}.`, `${pointer}/expect/argmax`);
  }
  const limitKey = own(check, 'maxLatencyMs') !== undefined ? 'maxLatencyMs' : 'timeoutMs';
  const limit = asNumber(own(check, limitKey));
  if (limit !== undefined && latencyMs > limit) {
    throw new ReloadStepError('ProbeTooSlow', `Inference took ${latencyMs.toFixed(3)} ms, over ${limitKey} ${limit}.`, `${pointer}/${limitKey}`);
  }
  return result;
}
