/** Semantic checks on reload/v2 manifests: what the schema cannot say. */
import { finding, type Finding } from '../diagnostics';
import { childPointer } from '../jsonc/pointer';
import { checkUniqueNames, checkTargets, lacksDigest, missingDigest, type SemanticOptions } from './common';
import { asArray, asNumber, asObject, asString, field, objectsOf, own, parseChangeRef, type JsonObject } from './read';

interface DeclaredChange {
  kind: RefKind;
  id: string;
  version?: string;
  index: number;
  change: JsonObject;
  facts: ChangeFacts;
}

type RefKind = 'model' | 'config' | 'flagset';
const REF_KIND = new Map<unknown, RefKind>([
  ['Model', 'model'],
  ['Config', 'config'],
  ['FlagSet', 'flagset'],
]);
const changePointer = (change: DeclaredChange): string => `/spec/changes/${change.index}`;

/** What the checks need from one change, independent of its position and of the other changes. */
interface ChangeFacts {
  kind?: RefKind;
  id?: string;
  version?: string;
  configRef?: string;
  /** The artifact object (`artifact` or `source`) that has a uri but no digest. */
  unpinned?: 'artifact' | 'source';
  /** Flags whose default variant is not one of their variants. */
  badDefaults: { key: string; defaultVariant: string; variants: string[] }[];
}

/**
 * Facts per change object. Parsed values are never mutated, and incremental validation keeps the
 * objects of unchanged changes, so after a keystroke only the edited change is examined again.
 */
const factsCache = new WeakMap<JsonObject, ChangeFacts>();

function factsOf(change: JsonObject): ChangeFacts {
  let facts = factsCache.get(change);
  if (facts) return facts;
  const kind = REF_KIND.get(field(change, 'kind'));
  const id = field(change, 'id');
  facts = { kind, id: typeof id === 'string' ? id : undefined, version: asString(field(change, 'version')), badDefaults: [] };
  if (kind === 'model') {
    const configRef = field(asObject(field(change, 'preprocessing')), 'configRef');
    if (typeof configRef === 'string') facts.configRef = configRef;
    if (lacksDigest(field(change, 'artifact'))) facts.unpinned = 'artifact';
  } else if (kind === 'config') {
    if (lacksDigest(field(change, 'source'))) facts.unpinned = 'source';
  } else if (kind === 'flagset') {
    const flags = asObject(field(change, 'flags'));
    for (const key of Object.keys(flags ?? {})) {
      const flag = asObject(own(flags, key));
      const variants = asObject(field(flag, 'variants'));
      const defaultVariant = asString(field(flag, 'defaultVariant'));
      if (variants && defaultVariant !== undefined && own(variants, defaultVariant) === undefined) {
        facts.badDefaults.push({ key, defaultVariant, variants: Object.keys(variants) });
      }
    }
  }
  factsCache.set(change, facts);
  return facts;
}

/** What the changes array declares, and the findings that depend on it alone. */
interface ChangesAnalysis {
  declared: Record<RefKind, Map<string, DeclaredChange>>;
  findings: Finding[];
}

/** Per changes array: an edit outside the changes (metadata, health checks…) keeps the array object. */
const changesCache = new WeakMap<unknown[], ChangesAnalysis>();

function resolveReference(declared: ChangesAnalysis['declared'], ref: string, pointer: () => string, expectedKind: RefKind, findings: Finding[]): DeclaredChange | undefined {
  const parsed = parseChangeRef(ref);
  if (!parsed || parsed.kind !== expectedKind) return undefined;
  const target = declared[parsed.kind].get(parsed.id);
  if (!target) {
    const names = [...declared[parsed.kind].keys()].map((id) => `${parsed.kind}:${id}`);
    const listed = names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length} in all)` : names.join(', ');
    const hint = names.length > 0 ? `Declared: ${listed}.` : `Add a ${expectedKind} change with id "${parsed.id}".`;
    findings.push(finding('unresolved-reference', pointer(), 'value', `"${ref}" points at no change in this manifest. ${hint}`));
    return undefined;
  }
  if (parsed.version !== undefined && target.version !== undefined && parsed.version !== target.version) {
    findings.push(
      finding('unresolved-reference', pointer(), 'value', `"${ref}" asks for version ${parsed.version}, but ${parsed.kind}:${parsed.id} is version ${target.version}: fix one of them.`),
    );
  }
  return target;
}

function analyseChanges(list: unknown[]): ChangesAnalysis {
  const cached = changesCache.get(list);
  if (cached) return cached;
  const findings: Finding[] = [];
  // Changes by kind, then id: the first declaration wins; later ones are duplicates.
  const declared: ChangesAnalysis['declared'] = { model: new Map(), config: new Map(), flagset: new Map() };
  const changes: DeclaredChange[] = [];
  for (let index = 0; index < list.length; index++) {
    const change = asObject(list[index]);
    if (!change) continue;
    const facts = factsOf(change);
    const { kind, id } = facts;
    if (!kind || id === undefined) continue;
    const entry: DeclaredChange = { kind, id, version: facts.version, index, change, facts };
    changes.push(entry);
    const first = declared[kind].get(id);
    if (first) {
      findings.push(
        finding('duplicate-id', `${changePointer(entry)}/id`, 'value', `Another ${String(change.kind)} change already has id "${id}" (${changePointer(first)}): ids are unique per kind, rename one.`),
      );
    } else {
      declared[kind].set(id, entry);
    }
  }
  for (const change of changes) {
    const { configRef, unpinned, badDefaults } = change.facts;
    if (configRef !== undefined) resolveReference(declared, configRef, () => `${changePointer(change)}/preprocessing/configRef`, 'config', findings);
    if (unpinned) findings.push(missingDigest(`${changePointer(change)}/${unpinned}`));
    for (const bad of badDefaults) {
      findings.push(
        finding(
          'unknown-variant',
          childPointer(childPointer(`${changePointer(change)}/flags`, bad.key), 'defaultVariant'),
          'value',
          `Default variant "${bad.defaultVariant}" is not one of this flag's variants (${bad.variants.map((n) => `"${n}"`).join(', ')}): use one of them or add it.`,
        ),
      );
    }
  }
  const analysis = { declared, findings };
  changesCache.set(list, analysis);
  return analysis;
}

export function checkReloadManifest(root: JsonObject, options: SemanticOptions): Finding[] {
  const spec = asObject(own(root, 'spec'));
  if (!spec) return [];
  const { declared, findings: changeFindings } = analyseChanges(asArray(field(spec, 'changes')));
  const findings: Finding[] = [...changeFindings];
  const resolve = (ref: string, pointer: () => string, expectedKind: RefKind): DeclaredChange | undefined => resolveReference(declared, ref, pointer, expectedKind, findings);

  const checks = objectsOf(own(spec, 'healthChecks'));
  findings.push(...checkUniqueNames(checks.map(([index, check]) => [`/spec/healthChecks/${index}/id`, own(check, 'id')]), 'health check id'));
  for (const [index, check] of checks) {
    const pointer = `/spec/healthChecks/${index}`;
    const ref = asString(own(check, 'change'));
    const model = ref !== undefined ? resolve(ref, () => `${pointer}/change`, 'model') : undefined;
    findings.push(...checkProbe(check, pointer, model?.change));
  }
  findings.push(...checkTargets(spec, options));
  findings.push(...checkRollout(spec));
  const activation = asObject(own(spec, 'activation'));
  if (own(activation, 'deadline') !== undefined && own(activation, 'timeoutSeconds') !== undefined) {
    findings.push(finding('conflicting-properties', '/spec/activation/timeoutSeconds', 'key', '"timeoutSeconds" and "deadline" both set the deadline: remove "timeoutSeconds".'));
  }
  return findings;
}

function product(dims: unknown[]): number {
  return dims.reduce<number>((n, d) => n * (asNumber(d) ?? 0), 1);
}

function tensorsOf(model: JsonObject | undefined, side: 'inputs' | 'outputs'): Map<string, JsonObject> | undefined {
  const io = asObject(own(model, 'io'));
  if (!io || own(io, side) === undefined) return undefined;
  const tensors = new Map<string, JsonObject>();
  for (const [, tensor] of objectsOf(own(io, side))) {
    const name = asString(own(tensor, 'name'));
    if (name !== undefined) tensors.set(name, tensor);
  }
  return tensors;
}

function checkProbe(check: JsonObject, pointer: string, model: JsonObject | undefined): Finding[] {
  const findings: Finding[] = [];
  const inputs = tensorsOf(model, 'inputs');
  const input = asObject(own(check, 'input'));
  for (const name of Object.keys(input ?? {})) {
    const tensorPointer = childPointer(`${pointer}/input`, name);
    const tensor = asObject(own(input, name));
    const dims = asArray(own(tensor, 'dims'));
    const data = own(tensor, 'data');
    if (Array.isArray(data) && dims.length > 0 && product(dims) !== data.length) {
      findings.push(
        finding('tensor-size-mismatch', `${tensorPointer}/data`, 'value', `dims ${JSON.stringify(dims)} hold ${product(dims)} values, but data has ${data.length}: fix the dims or the data.`),
      );
    }
    if (!inputs) continue;
    const declared = inputs.get(name);
    if (!declared) {
      findings.push(
        finding('unknown-tensor', tensorPointer, 'key', `The model declares no input "${name}" (its inputs: ${[...inputs.keys()].map((n) => `"${n}"`).join(', ') || 'none'}): rename it.`),
      );
      continue;
    }
    const shape = asArray(own(declared, 'shape'));
    const mismatch = shape.length > 0 && dims.length > 0 && (shape.length !== dims.length || shape.some((s, i) => s !== -1 && s !== dims[i]));
    if (mismatch) {
      findings.push(
        finding('tensor-shape-mismatch', `${tensorPointer}/dims`, 'value', `dims ${JSON.stringify(dims)} do not fit the model's input shape ${JSON.stringify(shape)} (-1 is any size): fix them.`),
      );
    }
  }
  const outputs = tensorsOf(model, 'outputs');
  const output = asString(own(asObject(own(check, 'expect')), 'output'));
  if (outputs && output !== undefined && !outputs.has(output)) {
    findings.push(
      finding('unknown-tensor', `${pointer}/expect/output`, 'value', `The model declares no output "${output}" (its outputs: ${[...outputs.keys()].map((n) => `"${n}"`).join(', ') || 'none'}): rename it.`),
    );
  }
  return findings;
}

function checkRollout(spec: JsonObject): Finding[] {
  const findings: Finding[] = [];
  let last = -1;
  let lastPointer = '';
  for (const [index, step] of objectsOf(own(asObject(own(spec, 'rollout')), 'steps'))) {
    const weight = asNumber(own(step, 'setWeight'));
    if (weight === undefined) continue;
    lastPointer = `/spec/rollout/steps/${index}/setWeight`;
    if (weight < last) {
      findings.push(finding('rollout-order', lastPointer, 'value', `setWeight ${weight} is below the previous step's ${last}: weights only grow; reorder the steps.`));
    }
    last = Math.max(last, weight);
  }
  if (last >= 0 && last < 100) {
    findings.push(finding('rollout-order', lastPointer, 'value', `The rollout stops at ${last}% of targets: end with { "setWeight": 100 } to reach all of them.`));
  }
  return findings;
}
