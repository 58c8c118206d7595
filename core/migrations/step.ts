/** What one migration step (vN → vN+1) is, and helpers the steps share. */
import { finding, type Finding } from '../diagnostics';
import type { ApiVersion } from '../formats';
import { childPointer } from '../jsonc/pointer';
import type { JsonObject } from '../jsonc/read';

export type StepResult =
  | {
      ok: true;
      value: JsonObject;
      /** Old property pointer → new pointer, so comments follow their fields. */
      moved: Map<string, string>;
    }
  | { ok: false; findings: Finding[] };

export interface MigrationStep {
  from: ApiVersion;
  to: ApiVersion;
  migrate(value: JsonObject): StepResult;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A name usable as a v2 id or metadata.name, or undefined when nothing usable remains. */
export function slug(text: string): string | undefined {
  const slugged = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return NAME.test(slugged) ? slugged : undefined;
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function refuse(pointer: string, message: string): StepResult {
  return { ok: false, findings: [finding('invalid-value', pointer, 'value', `Cannot migrate: ${message}`)] };
}

/** Copies `x-` extension keys to the new document's root, where v2 allows them too. */
export function copyExtensions(from: JsonObject, to: JsonObject, moved: Map<string, string>): void {
  for (const key of Object.keys(from)) {
    if (key.startsWith('x-')) {
      Object.defineProperty(to, key, { value: from[key], enumerable: true, writable: true, configurable: true });
      moved.set(childPointer('', key), childPointer('', key));
    }
  }
}
