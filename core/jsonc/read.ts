/**
 * Defensive readers of parsed JSON, for the manifest model and the checks: they run on documents
 * that may also have schema errors, so every access tolerates the wrong type and yields nothing
 * instead of throwing.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Own property (never one inherited from Object.prototype, such as `constructor`). */
export function own(object: JsonObject | undefined, key: string): unknown {
  return object && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/**
 * A property the schema names (`kind`, `id`, `artifact`…). Object.prototype has none of the
 * schemas' property names, so a plain lookup cannot reach an inherited value; this is the fast
 * path for hot loops over thousands of changes. Names chosen by users (flag keys, variant names)
 * go through `own`.
 */
export function field(object: JsonObject | undefined, key: string): unknown {
  return object === undefined ? undefined : object[key];
}

/** `[index, object]` for each element of an array that is an object. */
export function objectsOf(value: unknown): [number, JsonObject][] {
  const out: [number, JsonObject][] = [];
  asArray(value).forEach((item, index) => {
    const object = asObject(item);
    if (object) out.push([index, object]);
  });
  return out;
}

/** A parsed change reference such as `config:sentiment-preprocess@1.2`. */
export interface ChangeRef {
  kind: 'model' | 'config' | 'flagset';
  id: string;
  version?: string;
}

export function parseChangeRef(ref: string): ChangeRef | undefined {
  const match = /^(model|config|flagset):([^@]+)(?:@(.+))?$/.exec(ref);
  if (!match) return undefined;
  return { kind: match[1] as ChangeRef['kind'], id: match[2], version: match[3] };
}
