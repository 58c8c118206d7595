/**
 * A Config change's inline `schema`, treated as untrusted code: checked against the limits of
 * untrustedSchema.ts, compiled by a fresh ajv (nothing registered outlives the compile) whose
 * patterns run on RE2, and run on the config stopping at the first error.
 */
import Ajv2020, { type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv/dist/2020';
import type { SchemaValidateFunction } from 'ajv/dist/types';
import { messageOf, ReloadStepError } from '../errors';
import { linearRegExpEngine } from './linearRegExp';
import { checkUntrustedSchema } from './untrustedSchema';

/**
 * ajv's uniqueItems compares items pairwise (quadratic) unless they are all scalars of one type;
 * this one keys each item by its canonical JSON (object keys sorted), linear in the array's size.
 */
const validateUniqueItems: SchemaValidateFunction = (wanted: boolean, data: unknown[]): boolean => {
  if (!wanted) return true;
  const seen = new Map<string, number>();
  for (let i = 0; i < data.length; i++) {
    const key = canonicalJson(data[i]);
    const j = seen.get(key);
    if (j !== undefined) {
      validateUniqueItems.errors = [{ keyword: 'uniqueItems', message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, params: { i, j } }];
      return false;
    }
    seen.set(key, i);
  }
  return true;
};

const uniqueItems: FuncKeywordDefinition = { keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', validate: validateUniqueItems };

/** JSON with object keys sorted: equal for values ajv's deep equality calls equal. Data nests at most 256 deep (the parsers' limit). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const engineOptions = { strict: false, allErrors: false, validateFormats: false, logger: false } as const;

/** Checks schemas against the 2020-12 meta-schema; it holds only the meta-schemas, so one serves every compile. */
let metaChecker: Ajv2020 | undefined;

function metaSchemaProblem(schema: unknown): string | undefined {
  metaChecker ??= new Ajv2020({ ...engineOptions, code: { regExp: linearRegExpEngine(new Map()) } });
  if (metaChecker.validateSchema(schema as object)) return undefined;
  return metaChecker.errorsText(metaChecker.errors, { dataVar: 'schema' });
}

/** Compiles a config's schema; `pointer` is the schema's (`/spec/changes/N/schema`). */
export function compileConfigSchema(schema: unknown, pointer: string): ValidateFunction {
  const { patterns } = checkUntrustedSchema(schema, pointer);
  const problem = metaSchemaProblem(schema);
  if (problem !== undefined) throw new ReloadStepError('ConfigInvalid', `The config's schema is not a valid JSON Schema 2020-12: ${problem}.`, pointer);
  const ajv = new Ajv2020({ ...engineOptions, validateSchema: false, addUsedSchema: false, code: { regExp: linearRegExpEngine(patterns) } });
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword(uniqueItems);
  try {
    return ajv.compile(schema as object);
  } catch (e) {
    throw new ReloadStepError('ConfigInvalid', `The config's schema does not compile: ${messageOf(e)}`, pointer);
  }
}

/** The first way `data` breaks the schema (validation stops there), or undefined when it satisfies it. */
export function firstSchemaError(validate: ValidateFunction, data: unknown): ErrorObject | undefined {
  return validate(data) ? undefined : (validate.errors?.[0] ?? { keyword: 'false', instancePath: '', schemaPath: '#', params: {}, message: 'the schema accepts no value' });
}
