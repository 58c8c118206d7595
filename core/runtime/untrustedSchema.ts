/**
 * Checks a JSON Schema that came with a manifest before ajv compiles it: a schema is code to
 * ajv, and the agent runs manifests from the network. The limits keep both the compile and the
 * validation that follows bounded:
 * - at most MAX_SCHEMA_CHARS characters serialized, subschemas nested at most MAX_SCHEMA_DEPTH deep;
 * - at most MAX_SUBSCHEMAS subschemas counted with every `$ref` expanded, so validating a value
 *   visits each of its parts at most that many times (a chain of `$ref`s doubling at each step
 *   would otherwise cost 2^n); recursive schemas (a `$ref` cycle) are refused for the same reason;
 * - references stay inside the schema (`#/…` JSON pointers): no `$id`, anchors or dynamic
 *   references, so nothing is fetched or registered beyond this one compile;
 * - every `pattern` and `patternProperties` key compiles for RE2 (linear-time matching), all of
 *   them together (each use, `$ref`s expanded) to at most MAX_PATTERN_PROGRAM instructions: matching
 *   a string costs up to instructions × its length.
 */
import type { RE2JS } from 're2js';
import { ReloadStepError } from '../errors';
import { escapePointerToken } from '../jsonc/pointer';
import { compileLinearPattern } from './linearRegExp';

export const MAX_SCHEMA_CHARS = 64 * 1024;
export const MAX_SCHEMA_DEPTH = 32;
export const MAX_SUBSCHEMAS = 2_000;
export const MAX_PATTERN_PROGRAM = 20_000;

const TOO_MUCH_PROGRAM = `has patterns that compile to more than ${MAX_PATTERN_PROGRAM} RE2 instructions together (each use counted, through "$ref"s too); simplify them (a repeat count such as {1000} costs one instruction per repetition)`;

const META_SCHEMA = 'https://json-schema.org/draft/2020-12/schema';

/** Keywords whose value is one subschema. */
const SINGLE = new Set(['items', 'additionalItems', 'contains', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties']);
/** Keywords whose value is an array of subschemas. */
const LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);
/** Keywords whose value maps names to subschemas. */
const MAPS = new Set(['$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas', 'dependencies']);
/** Keywords whose value is data (or a number, a string…), never a schema. */
const DATA = new Set(['const', 'enum', 'default', 'examples', 'required', 'type', 'pattern', 'format', 'title', 'description', '$comment']);
/** Keywords that name or look up schemas by URI or anchor. */
const REFUSED = ['$id', '$anchor', '$dynamicAnchor', '$dynamicRef', '$recursiveAnchor', '$recursiveRef'];

interface SchemaNode {
  /** JSON pointer of this subschema inside the schema ('' is the schema itself). */
  at: string;
  depth: number;
  children: number[];
  ref?: string;
  /** RE2 instructions of the patterns this subschema itself holds. */
  program: number;
}

export interface CheckedSchema {
  /** The RE2 compilation of every pattern the schema holds, by pattern text. */
  patterns: Map<string, RE2JS>;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isSchema = (value: unknown): boolean => typeof value === 'boolean' || isObject(value);

/** Refuses the schema at `pointer` (the change's `/schema`) unless it is within every limit. */
export function checkUntrustedSchema(schema: unknown, pointer: string): CheckedSchema {
  const fail = (at: string, why: string): never => {
    throw new ReloadStepError('ConfigInvalid', `The config's schema ${why}.`, `${pointer}${at}`);
  };
  if (!isSchema(schema)) fail('', 'is neither an object nor a boolean');
  const chars = JSON.stringify(schema).length;
  if (chars > MAX_SCHEMA_CHARS) fail('', `is ${chars} characters long serialized; schemas from a manifest may have at most ${MAX_SCHEMA_CHARS}: move the data it describes into a smaller schema`);
  if (isObject(schema) && Object.prototype.hasOwnProperty.call(schema, '$schema') && schema.$schema !== META_SCHEMA) {
    fail('/$schema', `declares "$schema" other than ${META_SCHEMA}; only JSON Schema 2020-12 is read`);
  }
  const patterns = new Map<string, RE2JS>();
  let program = 0;
  // Every use of a pattern counts: ajv compiles each text once but runs it at each use.
  const checkPattern = (text: unknown, at: string, node: SchemaNode): void => {
    if (typeof text !== 'string') return;
    let regExp = patterns.get(text);
    if (!regExp) {
      const check = compileLinearPattern(text);
      if (!check.ok) return fail(at, `has a pattern that cannot be used: ${check.why}`);
      regExp = check.regExp;
      patterns.set(text, regExp);
    }
    node.program += regExp.programSize();
    program += regExp.programSize();
    if (program > MAX_PATTERN_PROGRAM) fail(at, TOO_MUCH_PROGRAM);
  };

  const nodes: SchemaNode[] = [];
  const byPointer = new Map<string, number>();
  const pending: { value: unknown; at: string; depth: number; parent: number }[] = [{ value: schema, at: '', depth: 0, parent: -1 }];
  while (pending.length > 0) {
    const { value, at, depth, parent } = pending.pop()!;
    if (depth > MAX_SCHEMA_DEPTH) fail(at, `nests subschemas deeper than ${MAX_SCHEMA_DEPTH} levels; flatten it`);
    if (nodes.length >= MAX_SUBSCHEMAS) fail('', `has more than ${MAX_SUBSCHEMAS} subschemas; split or simplify it`);
    const index = nodes.push({ at, depth, children: [], program: 0 }) - 1;
    byPointer.set(at, index);
    if (parent >= 0) nodes[parent].children.push(index);
    if (!isObject(value)) continue;
    const found: typeof pending = [];
    const sub = (child: unknown, childAt: string): void => {
      if (isSchema(child)) found.push({ value: child, at: childAt, depth: depth + 1, parent: index });
    };
    for (const key of Object.keys(value)) {
      const child = value[key];
      const childAt = `${at}/${escapePointerToken(key)}`;
      if (REFUSED.includes(key)) fail(childAt, `uses "${key}", which is not accepted from a manifest (it names or looks up schemas by URI or anchor): refer to parts of the schema with "$ref": "#/$defs/…"`);
      if (key === '$schema' && at !== '') fail(childAt, 'declares "$schema" inside a subschema; declare it at the top only');
      if (key === '$ref') {
        if (typeof child !== 'string' || !child.startsWith('#')) fail(childAt, `refers to ${JSON.stringify(child)}; only references inside the schema ("#/…") are accepted, nothing is loaded from elsewhere`);
        nodes[index].ref = child as string;
      } else if (key === 'pattern') {
        checkPattern(child, childAt, nodes[index]);
      } else if (MAPS.has(key) && isObject(child)) {
        for (const name of Object.keys(child)) {
          const nameAt = `${childAt}/${escapePointerToken(name)}`;
          if (key === 'patternProperties') checkPattern(name, nameAt, nodes[index]);
          sub(child[name], nameAt);
        }
      } else if (LISTS.has(key) && Array.isArray(child)) {
        child.forEach((item, i) => sub(item, `${childAt}/${i}`));
      } else if (SINGLE.has(key) || (!DATA.has(key) && isObject(child))) {
        // ajv also compiles the object values of keywords it does not know (strict mode is off).
        sub(child, childAt);
      }
    }
    // Reversed onto the stack, so subschemas are visited (and reported) in document order.
    for (let i = found.length - 1; i >= 0; i--) pending.push(found[i]);
  }
  checkReferences(nodes, byPointer, fail);
  return { patterns };
}

/**
 * Resolves every `$ref` to a subschema and counts the subschemas with references expanded,
 * refusing cycles. Iterative post-order: a node's count is known once its children's are.
 */
function checkReferences(nodes: SchemaNode[], byPointer: Map<string, number>, fail: (at: string, why: string) => never): void {
  const target = new Map<number, number>();
  nodes.forEach((node, index) => {
    if (node.ref === undefined) return;
    const at = `${node.at}/$ref`;
    let fragment: string;
    try {
      fragment = decodeURIComponent(node.ref.slice(1));
    } catch {
      return fail(at, `has the reference ${JSON.stringify(node.ref)}, which is not a valid URI fragment`);
    }
    if (fragment !== '' && !fragment.startsWith('/')) fail(at, `refers to the anchor ${JSON.stringify(node.ref)}; anchors are not accepted, use a JSON pointer such as "#/$defs/name"`);
    const found = byPointer.get(fragment);
    if (found === undefined) fail(at, `refers to ${JSON.stringify(node.ref)}, which is not a subschema of this schema`);
    target.set(index, found!);
  });
  const expanded = new Float64Array(nodes.length);
  const program = new Float64Array(nodes.length);
  /** 0 unvisited, 1 on the current path, 2 counted. */
  const state = new Uint8Array(nodes.length);
  const stack: number[] = [0];
  while (stack.length > 0) {
    const index = stack[stack.length - 1];
    const node = nodes[index];
    const edges = target.has(index) ? [...node.children, target.get(index)!] : node.children;
    if (state[index] === 0) {
      state[index] = 1;
      for (const next of edges) {
        if (state[next] === 1) fail(`${node.at}/$ref`, `is recursive: ${JSON.stringify(node.ref)} refers back to a schema that contains it; recursive schemas are not accepted from a manifest, because validating deep data against them can take exponential time`);
        if (state[next] === 0) stack.push(next);
      }
      continue;
    }
    stack.pop();
    if (state[index] === 2) continue;
    let count = 1;
    let instructions = node.program;
    for (const next of edges) {
      count += expanded[next];
      instructions += program[next];
    }
    expanded[index] = Math.min(count, MAX_SUBSCHEMAS + 1);
    program[index] = Math.min(instructions, MAX_PATTERN_PROGRAM + 1);
    state[index] = 2;
  }
  if (program[0] > MAX_PATTERN_PROGRAM) fail('', TOO_MUCH_PROGRAM);
  if (expanded[0] > MAX_SUBSCHEMAS) fail('', `expands to more than ${MAX_SUBSCHEMAS} subschemas once its "$ref"s are followed; validating with it could take too long: reuse fewer definitions or simplify them`);
}
