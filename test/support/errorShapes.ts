/**
 * Error-heavy manifests: about a megabyte each, with `n` problems of one kind. Validation must stay
 * linear in them (test/unit/hostileValidation.test.ts); bench/validate prints their times.
 */
import type { LanguageId } from '../../core/formats';

export interface ErrorShape {
  name: string;
  text: string;
  languageId: LanguageId;
  /** The diagnostic code each problem is reported with, and how many there are. */
  code: string;
  count: number;
}

const UID = '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e';
const reload = (spec: string): string => `{"apiVersion": "reload/v2", "kind": "ReloadManifest", "metadata": {"name": "m", "uid": "${UID}", "serial": 1}, "spec": ${spec}}`;
const context = (spec: string): string => `{"apiVersion": "mcp-context/v2", "kind": "ContextManifest", "metadata": {"name": "c", "uid": "${UID}", "serial": 1}, "spec": ${spec}}`;

export function errorShapes(n = 20_000): ErrorShape[] {
  const each = (make: (i: number) => string, separator = ',\n'): string => Array.from({ length: n }, (_, i) => make(i)).join(separator);
  return [
    { name: 'trailing commas (JSONC)', languageId: 'reload-manifest', code: 'trailing-comma', count: n, text: `//\n${reload(`{"changes": [${each((i) => `{"kind": "FlagSet", "id": "f${i}", "flags": {},}`)}]}`)}` },
    { name: 'unknown properties', languageId: 'reload-manifest', code: 'unknown-property', count: n, text: reload(`{"changes": [${each((i) => `{"kind": "FlagSet", "id": "f${i}", "flags": {}, "colour": ${i}}`)}]}`) },
    {
      name: 'unresolved references',
      languageId: 'reload-manifest',
      code: 'unresolved-reference',
      count: n,
      text: reload(`{"changes": [${each((i) => `{"kind": "Model", "id": "m${i}", "version": "1", "artifact": {"uri": "https://x/m", "digest": "sha256:${'a'.repeat(64)}"}, "preprocessing": {"configRef": "config:c${i}"}}`)}]}`),
    },
    { name: 'missing alternatives', languageId: 'reload-manifest', code: 'missing-alternative', count: n, text: reload(`{"changes": [${each((i) => `{"kind": "Config", "id": "c${i}"}`)}]}`) },
    { name: 'undeclared placeholders in one template', languageId: 'mcp-context', code: 'undeclared-placeholder', count: n, text: context(`{"prompts": [{"name": "p", "template": "${each((i) => `{{placeholder_number_${i}}}`, ' \\n ')}"}]}`) },
    { name: 'malformed placeholders in one template', languageId: 'mcp-context', code: 'invalid-template', count: n, text: context(`{"prompts": [{"name": "p", "template": "${'{{ this-is-not-a-name }}, '.repeat(n)}"}]}`) },
  ];
}
