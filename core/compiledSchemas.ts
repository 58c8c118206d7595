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

function shellSchema(format: FormatVersion): Schema {
  const shell = structuredClone(format.schema);
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
    ajv.addSchema(format.schema);
    if (!format.legacy) ajv.addSchema(shellSchema(format));
  }
}

/** Identifies the schemas a generated module was compiled from. */
export function schemasDigest(): string {
  return createHash('sha256').update(JSON.stringify(FORMATS.map((f) => f.schema))).digest('hex');
}

type Precompiled = Record<string, ValidateFunction> & { schemasDigest?: string };

function loadPrecompiled(): Precompiled | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional build output
    const module = require('./generated/validators.js') as Precompiled;
    return module.schemasDigest === schemasDigest() ? module : undefined;
  } catch {
    return undefined;
  }
}

let precompiled: Precompiled | undefined | null = null;
let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

export function validator(name: string): ValidateFunction {
  if (precompiled === null) precompiled = loadPrecompiled();
  const ready = precompiled?.[name] ?? compiled.get(name);
  if (ready) return ready;
  if (!ajv) {
    ajv = createAjv();
    registerSchemas(ajv);
  }
  const ref = validatorRefs()[name];
  const validate = ref === undefined ? undefined : ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema validator "${name}"`);
  compiled.set(name, validate);
  return validate;
}
