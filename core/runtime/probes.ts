/** Health-check probes: an input through a staged model, its output compared within tolerance. */
import { asNumber, asObject, asString, own, type JsonObject } from '../jsonc/read';
import { ReloadStepError } from '../errors';
import type { LoadedModel } from './generation';
import type { TensorData } from './modelEngine';
import type { LocalRuntime } from './runtime';
import { probeFeeds } from './tensorFeeds';

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
/**
 * `maxLatency` is the health check's limit as the manifest model read it (from `maxLatencyMs` or
 * its deprecated alias `timeoutMs`, with the pointer of the field that set it).
 */
export async function runProbe(runtime: LocalRuntime, model: LoadedModel, check: JsonObject, pointer: string, maxLatency?: { ms: number; pointer: string }): Promise<ProbeResult> {
  const feeds = probeFeeds(model.inputs, asObject(own(check, 'input')) ?? {}, `${pointer}/input`);
  const run = async (): Promise<Record<string, TensorData>> => {
    try {
      return await runtime.runOn(model, feeds);
    } catch {
      // The engine's message can quote the model file (node and tensor names): it is not passed on.
      throw new ReloadStepError('ProbeFailed', 'Inference failed: the probe input fits the model\'s input signature, but the model could not run on it.', `${pointer}/input`);
    }
  };
  await run();
  const started = performance.now();
  const outputs = await run();
  const latencyMs = performance.now() - started;

  const expect = asObject(own(check, 'expect')) ?? {};
  const outputName = asString(own(expect, 'output')) ?? '';
  const tensor = Object.prototype.hasOwnProperty.call(outputs, outputName) ? outputs[outputName] : undefined;
  if (!tensor) {
    const count = Object.keys(outputs).length;
    throw new ReloadStepError('ProbeFailed', `The model has no output "${outputName}" (it has ${count} output${count === 1 ? '' : 's'}): name one of them, as in the change's io.outputs.`, `${pointer}/expect/output`);
  }
  if (tensor.data.some((value) => typeof value !== 'number')) {
    throw new ReloadStepError('ProbeFailed', `Output "${outputName}" is ${tensor.dtype ?? 'not numeric'}; a probe compares numbers only.`, `${pointer}/expect/output`);
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
    for (let i = 0; i < expected.length; i++) {
      const error = Math.abs(Number(expected[i]) - actual[i]);
      if (!(error <= worst)) {
        worst = error;
        worstIndex = i;
      }
    }
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
    const index = indexOfMax(actual);
    if (index !== argmax) throw new ReloadStepError('ProbeFailed', `Output "${outputName}" peaks at index ${index}, expected ${argmax}.`, `${pointer}/expect/argmax`);
  }
  if (maxLatency !== undefined && latencyMs > maxLatency.ms) {
    const field = maxLatency.pointer.slice(maxLatency.pointer.lastIndexOf('/') + 1);
    throw new ReloadStepError('ProbeTooSlow', `Inference took ${latencyMs.toFixed(3)} ms, over ${field} ${maxLatency.ms}.`, maxLatency.pointer);
  }
  return result;
}

/** The first index of the largest value (a loop: spreading a large output into Math.max overflows the stack). */
export function indexOfMax(values: readonly number[]): number {
  let best = values.length > 0 ? 0 : -1;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
