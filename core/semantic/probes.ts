/** Checks on a health-check probe against the model it probes, as the manifest declares that model's `io`. */
import { finding, type Finding } from '../diagnostics';
import { childPointer } from '../jsonc/pointer';
import { elementRule } from '../model/elementTypes';
import type { HealthCheck, ManifestChange } from '../model/types';
import { asArray, asNumber, asObject, asString, own, type JsonObject } from '../jsonc/read';

function product(dims: readonly unknown[]): number {
  let n = 1;
  for (const d of dims) n *= asNumber(d) ?? 0;
  return n;
}

function tensorsOf(model: JsonObject | undefined, side: 'inputs' | 'outputs'): Map<string, JsonObject> | undefined {
  const io = asObject(own(model, 'io'));
  if (!io || own(io, side) === undefined) return undefined;
  const tensors = new Map<string, JsonObject>();
  for (const item of asArray(own(io, side))) {
    const tensor = asObject(item);
    const name = asString(own(tensor, 'name'));
    if (name !== undefined) tensors.set(name, tensor!);
  }
  return tensors;
}

const quoteAll = (names: Iterable<string>): string => [...names].map((n) => `"${n}"`).join(', ') || 'none';

/** The first element of `data` that does not fit `dtype`, as a finding at that element. */
function checkElementTypes(data: readonly unknown[], dtype: string, name: string, dataPointer: string): Finding[] {
  const rule = elementRule(dtype);
  if (!rule) return [];
  for (let i = 0; i < data.length; i++) {
    if (rule.accepts(data[i])) continue;
    return [finding('tensor-type-mismatch', `${dataPointer}/${i}`, 'value', `The model's input "${name}" is ${dtype}, which takes ${rule.takes}: item ${i} is not one. Fix the data (or the io dtype).`)];
  }
  return [];
}

function checkInput(name: string, tensor: JsonObject | undefined, tensorPointer: string, inputs: Map<string, JsonObject> | undefined): Finding[] {
  const findings: Finding[] = [];
  const dims = asArray(own(tensor, 'dims'));
  const data = own(tensor, 'data');
  if (Array.isArray(data) && dims.length > 0 && product(dims) !== data.length) {
    findings.push(finding('tensor-size-mismatch', `${tensorPointer}/data`, 'value', `dims ${JSON.stringify(dims)} hold ${product(dims)} values, but data has ${data.length}: fix the dims or the data.`));
  }
  if (!inputs) return findings;
  const declared = inputs.get(name);
  if (!declared) {
    findings.push(finding('unknown-tensor', tensorPointer, 'key', `The model declares no input "${name}" (its inputs: ${quoteAll(inputs.keys())}): rename it.`));
    return findings;
  }
  const shape = asArray(own(declared, 'shape'));
  if (shape.length > 0 && dims.length > 0 && (shape.length !== dims.length || shape.some((s, i) => s !== -1 && s !== dims[i]))) {
    findings.push(finding('tensor-shape-mismatch', `${tensorPointer}/dims`, 'value', `dims ${JSON.stringify(dims)} do not fit the model's input shape ${JSON.stringify(shape)} (-1 is any size): fix them.`));
  }
  const dtype = asString(own(declared, 'dtype'));
  if (dtype !== undefined && Array.isArray(data)) findings.push(...checkElementTypes(data, dtype, name, `${tensorPointer}/data`));
  return findings;
}

/** Input tensors against their dims and the model's declared inputs; the expected output against its outputs. */
export function checkProbe(check: HealthCheck, probed: ManifestChange | undefined): Finding[] {
  const findings: Finding[] = [];
  const model = probed?.kind === 'Model' ? probed.spec : undefined;
  const inputs = tensorsOf(model, 'inputs');
  const input = asObject(own(check.spec, 'input'));
  for (const name of Object.keys(input ?? {})) {
    findings.push(...checkInput(name, asObject(own(input, name)), childPointer(`${check.pointer}/input`, name), inputs));
  }
  const outputs = tensorsOf(model, 'outputs');
  const output = asString(own(asObject(own(check.spec, 'expect')), 'output'));
  if (outputs && output !== undefined && !outputs.has(output)) {
    findings.push(finding('unknown-tensor', `${check.pointer}/expect/output`, 'value', `The model declares no output "${output}" (its outputs: ${quoteAll(outputs.keys())}): rename it.`));
  }
  return findings;
}
