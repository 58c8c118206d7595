/**
 * Schema validation with ajv (JSON Schema 2020-12; validators in compiledSchemas.ts), and the
 * translation of ajv's errors into findings that say what to do, at the tightest place.
 */
import type { ErrorObject } from 'ajv/dist/2020';
import { validator, validatorNames } from './compiledSchemas';
import { finding, type Finding } from './diagnostics';
import type { FormatVersion } from './formats';
import { childPointer } from './jsonc/pointer';
import { closest } from './suggest';

type Schema = Record<string, unknown>;

export function schemaFindings(value: unknown, format: FormatVersion): Finding[] {
  const validate = validator(validatorNames.whole(format));
  if (validate(value)) return [];
  return translateErrors(validate.errors ?? [], format.schema);
}

/** Schema findings for everything except the items of `itemArrays` (they are checked by `itemFindings`). */
export function shellFindings(value: unknown, format: FormatVersion): Finding[] {
  const validate = validator(validatorNames.shell(format));
  if (validate(value)) return [];
  return translateErrors(validate.errors ?? [], format.schema);
}

/** Schema findings for one item of a `spec` array, with pointers under `pointer`. */
export function itemFindings(item: unknown, format: FormatVersion, definition: string, pointer: string): Finding[] {
  const validate = validator(validatorNames.item(format, definition));
  if (validate(item)) return [];
  return translateErrors((validate.errors ?? []).map((e) => ({ ...e, instancePath: `${pointer}${e.instancePath}` })), format.schema);
}

function translateErrors(errors: ErrorObject[], root: Schema): Finding[] {
  const findings: Finding[] = [];
  const consumed = new Set<ErrorObject>();
  // Errors by the value they are about, so grouping stays linear in the number of errors.
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath);
    if (list) list.push(error);
    else byPath.set(error.instancePath, [error]);
  }
  // anyOf / if-then report their own error and their branches' errors; keep one finding for the group.
  for (const error of errors) {
    if (error.keyword === 'if') {
      consumed.add(error);
      continue;
    }
    if (error.keyword !== 'anyOf') continue;
    const branchPrefix = `${error.schemaPath.slice(0, -error.keyword.length)}anyOf/`;
    const branches = byPath.get(error.instancePath)!.filter((e) => e !== error && e.schemaPath.startsWith(branchPrefix));
    if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
      const names = branches.map((e) => `"${(e.params as { missingProperty: string }).missingProperty}"`);
      findings.push(finding('missing-alternative', error.instancePath, 'start', `Add one of ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}.`));
      consumed.add(error);
      for (const branch of branches) consumed.add(branch);
    }
  }
  for (const error of errors) {
    if (consumed.has(error)) continue;
    const translated = translateError(error, root);
    if (translated) findings.push(translated);
  }
  return findings;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value.length > 40 ? `a string` : `"${value}"`;
  return String(value);
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function propertiesOf(schema: Schema | undefined): string[] {
  const properties = schema?.properties;
  return properties && typeof properties === 'object' ? Object.keys(properties) : [];
}

function resolveRef(root: Schema, schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return schema;
  const defs = root.$defs as Record<string, Schema>;
  return defs[ref.slice('#/$defs/'.length)] ?? schema;
}

/** What translating one ajv error needs: the error, its parts, and the whole schema (for $refs). */
interface ErrorContext {
  error: ErrorObject;
  at: string;
  parent: Schema | undefined;
  params: Record<string, unknown>;
  root: Schema;
}

type Translator = (c: ErrorContext) => Finding | undefined;

const BOUND_WORDS = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' } as const;

const bound: Translator = ({ error, at, params }) =>
  finding('invalid-value', at, 'value', `Must be ${BOUND_WORDS[error.keyword as keyof typeof BOUND_WORDS]} ${String(params.limit)}, found ${describe(error.data)}.`);

const length: Translator = ({ error, at, params }) => {
  const limit = Number(params.limit);
  const bound = error.keyword.startsWith('min') ? 'at least' : 'at most';
  const unit = error.keyword.endsWith('Items') ? 'item' : error.keyword.endsWith('Length') ? 'character' : 'property';
  const plural = limit === 1 ? unit : unit === 'property' ? 'properties' : `${unit}s`;
  const target = unit === 'property' || unit === 'item' ? 'start' : 'value';
  if (error.keyword === 'maxProperties' && limit === 1) {
    return finding('invalid-length', at, target, 'Give exactly one of the allowed properties here, not several: split it into separate steps.');
  }
  return finding('invalid-length', at, target, `Must have ${bound} ${limit} ${plural}.`);
};

const unknownProperty: Translator = ({ at, parent, params }) => {
  const property = String(params.unevaluatedProperty ?? params.additionalProperty);
  const known = propertiesOf(parent);
  const suggestion = closest(property, known);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : known.length > 0 ? ` Allowed here: ${known.join(', ')}.` : '';
  return finding('unknown-property', childPointer(at, property), 'key', `Unknown property "${property}".${hint} Remove it, or prefix it with "x-" to keep it as an extension.`);
};

const discriminator: Translator = ({ at, parent, params, root }) => {
  const tag = String(params.tag);
  if (params.error !== 'mapping') return finding('invalid-type', childPointer(at, tag), 'value', `"${tag}" must be a string.`);
  const options = ((parent?.oneOf as Schema[] | undefined) ?? [])
    .map((branch) => (resolveRef(root, branch).properties as Record<string, Schema> | undefined)?.[tag]?.const)
    .filter((v): v is string => typeof v === 'string');
  const suggestion = closest(String(params.tagValue), options);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
  return finding('unknown-kind', childPointer(at, tag), 'value', `Unknown ${tag} ${describe(params.tagValue)}.${hint} Use one of ${options.map((o) => `"${o}"`).join(', ')}.`);
};

const TRANSLATORS: Record<string, Translator> = {
  required: ({ at, parent, params, root }) => {
    const property = String(params.missingProperty);
    const schema = resolveRef(root, ((parent?.properties as Record<string, Schema> | undefined)?.[property] ?? {}) as Schema);
    return finding('missing-property', at, 'start', `Missing required property "${property}": add it.`, { data: { property, value: placeholderFor(root, schema) } });
  },
  dependentRequired: ({ at, params }) => {
    const property = String(params.property);
    return finding('missing-property', childPointer(at, property), 'key', `"${property}" needs "${String(params.missingProperty)}" as well: add it, or remove "${property}".`);
  },
  unevaluatedProperties: unknownProperty,
  additionalProperties: unknownProperty,
  type: ({ error, at, params }) => finding('invalid-type', at, 'value', `Expected ${String(params.type).split(',').map(article).join(' or ')}, found ${describe(error.data)}.`),
  const: ({ error, at, params }) => finding('invalid-value', at, 'value', `Expected ${JSON.stringify(params.allowedValue)}, found ${describe(error.data)}.`),
  enum: ({ error, at, params }) => {
    const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
    const suggestion = typeof error.data === 'string' ? closest(error.data, (params.allowedValues as unknown[]).map(String)) : undefined;
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
    return finding('invalid-value', at, 'value', `${describe(error.data)} is not allowed here.${hint} Use one of ${allowed.join(', ')}.`);
  },
  pattern: ({ error, at, parent, params }) => {
    const message = typeof parent?.patternErrorMessage === 'string' ? parent.patternErrorMessage : `Must match the pattern ${String(params.pattern)}.`;
    return finding('invalid-value', at, 'value', `${describe(error.data)} is not valid: ${lowerFirst(message)}`);
  },
  minimum: bound,
  maximum: bound,
  exclusiveMinimum: bound,
  exclusiveMaximum: bound,
  minItems: length,
  maxItems: length,
  minLength: length,
  maxLength: length,
  minProperties: length,
  maxProperties: length,
  uniqueItems: ({ at, params }) => {
    const later = Math.max(Number(params.i), Number(params.j));
    const earlier = Math.min(Number(params.i), Number(params.j));
    return finding('duplicate-item', childPointer(at, later), 'value', `Duplicate of item ${earlier}: remove it.`);
  },
  discriminator,
  not: ({ error, at }) => {
    const match = /\/dependentSchemas\/([^/]+)\/not$/.exec(error.schemaPath);
    const conflicting = ((error.schema as Schema | undefined)?.required as string[] | undefined)?.[0];
    if (match && conflicting) return finding('conflicting-properties', childPointer(at, conflicting), 'key', `"${match[1]}" and "${conflicting}" cannot both be given: keep one.`);
    return finding('invalid-value', at, 'value', 'This value is not allowed here.');
  },
  // The name's own error (pattern) follows with `propertyName` set; report that one.
  propertyNames: () => undefined,
  anyOf: ({ at }) => finding('invalid-value', at, 'start', 'This value matches none of the allowed shapes: check it against the schema description (hover).'),
  oneOf: ({ at }) => finding('invalid-value', at, 'start', 'This value matches none of the allowed shapes: check it against the schema description (hover).'),
};

function translateError(error: ErrorObject, root: Schema): Finding | undefined {
  const context: ErrorContext = { error, at: error.instancePath, parent: error.parentSchema as Schema | undefined, params: error.params as Record<string, unknown>, root };
  if (error.propertyName !== undefined && error.keyword !== 'propertyNames') {
    const message = typeof context.parent?.patternErrorMessage === 'string' ? context.parent.patternErrorMessage : `Must match ${String(context.params.pattern)}.`;
    return finding('invalid-value', childPointer(context.at, error.propertyName), 'key', `Invalid name "${error.propertyName}": ${message}`);
  }
  const translate = Object.prototype.hasOwnProperty.call(TRANSLATORS, error.keyword) ? TRANSLATORS[error.keyword] : undefined;
  return translate ? translate(context) : finding('invalid-value', context.at, 'value', `Invalid value: ${error.message ?? error.keyword}.`);
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** A value to insert for a missing property: its const, default or first enum value, else an empty value of its type. */
export function placeholderFor(root: Schema, schema: Schema, depth = 0): unknown {
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const value: Record<string, unknown> = {};
      if (depth < 3) {
        for (const required of (schema.required as string[] | undefined) ?? []) {
          const property = resolveRef(root, ((schema.properties as Record<string, Schema> | undefined)?.[required] ?? {}) as Schema);
          value[required] = placeholderFor(root, property, depth + 1);
        }
      }
      return value;
    }
    default:
      return typeof schema.$ref === 'string' ? placeholderFor(root, resolveRef(root, schema), depth + 1) : '';
  }
}

