/**
 * The compiled schema validators: for each format version its whole schema, its shell (the schema
 * with the items of spec arrays unchecked, for incremental validation) and each item definition.
 * The build compiles them ahead of time (scripts/compile-validators.ts → core/generated/) so that
 * no process pays ajv's compile time (~200 ms) on its first validation; without that file, or when
 * the schemas changed since it was generated, they are compiled on first use.
 */
import { createHash } from 'node:crypto';
import Ajv2020, { type Options, type ValidateFunction } from 'ajv/dist/2020';
import { FORMATS, type FormatVersion } from './formats';

type Schema = Record<string, unknown>;

/** Non-standard annotation keywords our schemas carry for editors (VS Code reads them). */
const ANNOTATION_KEYWORDS: [string, 'string' | 'array'][] = [
  ['patternErrorMessage', 'string'],
  ['deprecationMessage', 'string'],
  ['defaultSnippets', 'array'],
];

export function createAjv(extra: Options = {}): Ajv2020 {
  const instance = new Ajv2020({
    allErrors: true,
    verbose: true,
    // Plain property reads (~25% faster than hasOwnProperty calls): safe because no schema names a
    // property that Object.prototype has (a test keeps it so), and parsed values have no prototype
    // pollution (the parser defines "__proto__" as an own property).
    ownProperties: false,
    discriminator: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...extra,
  });
  for (const [keyword, schemaType] of ANNOTATION_KEYWORDS) instance.addKeyword({ keyword, schemaType });
  return instance;
}

/** The `spec` arrays whose items are checked one at a time: array key → the `$defs` entry of its items. */
export function itemArrays(format: FormatVersion): Map<string, string> {
  const defs = format.schema.$defs as Record<string, Schema> | undefined;
  const properties = (defs?.spec?.properties ?? {}) as Record<string, Schema>;
  const arrays = new Map<string, string>();
  for (const [key, property] of Object.entries(properties)) {
    const ref = (property.items as Schema | undefined)?.$ref;
    if (property.type === 'array' && typeof ref === 'string' && ref.startsWith('#/$defs/')) arrays.set(key, ref.slice('#/$defs/'.length));
  }
  return arrays;
}

/**
 * The schema as our validators compile it: `uniqueItems` is left out, because ajv checks it by
 * comparing every pair of items (quadratic in a hostile array); the semantic checks test it with a
 * set instead (`checkUniqueItems`). The shipped schema files keep it, for other tools.
 */
function compilable(schema: Schema): Schema {
  const copy = structuredClone(schema);
  const stack: unknown[] = [copy];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') {
      delete (node as Schema).uniqueItems;
      stack.push(...Object.values(node));
    }
  }
  return copy;
}

function shellSchema(format: FormatVersion): Schema {
  const shell = compilable(format.schema);
  shell.$id = shellId(format);
  const spec = (shell.$defs as Record<string, Schema>).spec;
  for (const key of itemArrays(format).keys()) ((spec.properties as Record<string, Schema>)[key] as Schema).items = true;
  return shell;
}

const shellId = (format: FormatVersion): string => String(format.schema.$id).replace(/\.schema\.json$/, '.shell.schema.json');
const baseName = (format: FormatVersion): string => format.apiVersion.replace(/[^a-z0-9]+/gi, '_');

export const validatorNames = {
  whole: (format: FormatVersion): string => baseName(format),
  shell: (format: FormatVersion): string => `${baseName(format)}__shell`,
  item: (format: FormatVersion, definition: string): string => `${baseName(format)}__${definition}`,
};

/** Every validator: its export name and the schema reference it compiles. */
export function validatorRefs(): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const format of FORMATS) {
    refs[validatorNames.whole(format)] = String(format.schema.$id);
    if (format.legacy) continue;
    refs[validatorNames.shell(format)] = shellId(format);
    for (const definition of new Set(itemArrays(format).values())) refs[validatorNames.item(format, definition)] = `${String(format.schema.$id)}#/$defs/${definition}`;
  }
  return refs;
}

/** Adds every schema (and shell) to an ajv instance, so references compile on request. */
export function registerSchemas(ajv: Ajv2020): void {
  for (const format of FORMATS) {
    ajv.addSchema(compilable(format.schema));
    if (!format.legacy) ajv.addSchema(shellSchema(format));
  }
}

/** Identifies the schemas a generated module was compiled from. */
export function schemasDigest(): string {
  return createHash('sha256').update(JSON.stringify(FORMATS.map((f) => f.schema))).digest('hex');
}

type Precompiled = Record<string, ValidateFunction> & { schemasDigest?: string };

const CONCAT_ERRORS = /vErrors = vErrors === null \? (\w+)\.errors : vErrors\.concat\(\1\.errors\);/g;

/**
 * ajv's generated code gathers a referenced schema's errors with `vErrors.concat(…)`, copying
 * every error gathered so far for each item that fails: quadratic in a manifest with thousands of
 * errors (20,000 failing changes took seconds). The gathering is rewritten to append instead.
 */
export function appendErrorsInPlace(code: string): string {
  return code.replace(CONCAT_ERRORS, (_, fn: string) => `if (vErrors === null) {vErrors = ${fn}.errors;} else {for (const e of ${fn}.errors) vErrors.push(e);}`);
}

function loadPrecompiled(): Precompiled | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional build output
    const module = require('./generated/validators.js') as Precompiled;
    return module.schemasDigest === schemasDigest() ? module : undefined;
  } catch {
    return undefined;
  }
}

/** Without the build's output (sources run directly), the same standalone code is generated and loaded here. */
function compileNow(): Precompiled {
  const ajv = createAjv({ code: { source: true } });
  registerSchemas(ajv);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only when no build output exists
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: Ajv2020, refs: Record<string, string>) => string }).default;
  const module = { exports: {} as Precompiled };
  new Function('module', 'exports', 'require', appendErrorsInPlace(standaloneCode(ajv, validatorRefs())))(module, module.exports, require);
  return module.exports;
}

/**
 * The compiled validators: code, loaded once per process like a module (immutable once loaded),
 * so it is the one piece of module-level state core keeps.
 */
let validators: Precompiled | undefined;

export function validator(name: string): ValidateFunction {
  validators ??= loadPrecompiled() ?? compileNow();
  const validate = validators[name];
  if (!validate) throw new Error(`no schema validator "${name}"`);
  return validate;
}
