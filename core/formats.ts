/**
 * The two manifest languages and their format versions, and how a document's version is decided:
 * by `apiVersion`; without one, legacy keys mean the legacy version.
 */
import reloadV1Schema from '../schemas/reload-v1.schema.json';
import reloadV2Schema from '../schemas/reload-v2.schema.json';
import contextV1Schema from '../schemas/mcp-context-v1.schema.json';
import contextV2Schema from '../schemas/mcp-context-v2.schema.json';
import { finding, type Finding } from './diagnostics';

export type LanguageId = 'reload-manifest' | 'mcp-context';
export type ApiVersion = 'reload/v1' | 'reload/v2' | 'mcp-context/v1' | 'mcp-context/v2';

export interface FormatVersion {
  apiVersion: ApiVersion;
  languageId: LanguageId;
  /** The `kind` value of current versions; legacy versions have none. */
  kind?: 'ReloadManifest' | 'ContextManifest';
  /** Legacy versions are read, validated and migrated, never applied. */
  legacy: boolean;
  schema: Record<string, unknown>;
  /** File name of the schema under `schemas/`. */
  schemaFile: string;
}

export const FORMATS: readonly FormatVersion[] = [
  { apiVersion: 'reload/v1', languageId: 'reload-manifest', legacy: true, schema: reloadV1Schema, schemaFile: 'reload-v1.schema.json' },
  { apiVersion: 'reload/v2', languageId: 'reload-manifest', kind: 'ReloadManifest', legacy: false, schema: reloadV2Schema, schemaFile: 'reload-v2.schema.json' },
  { apiVersion: 'mcp-context/v1', languageId: 'mcp-context', legacy: true, schema: contextV1Schema, schemaFile: 'mcp-context-v1.schema.json' },
  { apiVersion: 'mcp-context/v2', languageId: 'mcp-context', kind: 'ContextManifest', legacy: false, schema: contextV2Schema, schemaFile: 'mcp-context-v2.schema.json' },
];

export const LANGUAGES: Record<LanguageId, { fileSuffix: string; current: ApiVersion; legacy: ApiVersion }> = {
  'reload-manifest': { fileSuffix: '.reload.json', current: 'reload/v2', legacy: 'reload/v1' },
  'mcp-context': { fileSuffix: '.mcp-context.json', current: 'mcp-context/v2', legacy: 'mcp-context/v1' },
};

export function formatOf(apiVersion: ApiVersion): FormatVersion {
  const format = FORMATS.find((f) => f.apiVersion === apiVersion);
  if (!format) throw new Error(`no format ${apiVersion}`);
  return format;
}

export function currentFormat(languageId: LanguageId): FormatVersion {
  return formatOf(LANGUAGES[languageId].current);
}

/** The language of a file from its name, or undefined when the name says nothing. */
export function languageIdForPath(path: string): LanguageId | undefined {
  const lower = path.toLowerCase();
  for (const [id, language] of Object.entries(LANGUAGES) as [LanguageId, (typeof LANGUAGES)[LanguageId]][]) {
    if (lower.endsWith(language.fileSuffix)) return id;
  }
  return undefined;
}

function legacyKeys(format: FormatVersion): string[] {
  const properties = format.schema.properties as Record<string, unknown>;
  return Object.keys(properties).filter((key) => key !== 'apiVersion');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export interface DetectedFormat {
  /** The version to validate against; undefined when nothing sensible can be validated. */
  format?: FormatVersion;
  findings: Finding[];
}

/**
 * Decides which format version a parsed document is. `languageId` comes from the file name when
 * known; without it the document's own `apiVersion`, `kind` or legacy keys decide.
 */
export function detectFormat(value: unknown, languageId?: LanguageId): DetectedFormat {
  if (!isPlainObject(value)) {
    return {
      findings: [finding('not-an-object', '', 'value', 'A manifest is a JSON object: wrap the content in { … } with "apiVersion", "kind", "metadata" and "spec".')],
    };
  }
  const apiVersion = hasOwn(value, 'apiVersion') ? value.apiVersion : undefined;
  if (typeof apiVersion === 'string') {
    const format = FORMATS.find((f) => f.apiVersion === apiVersion);
    if (format) {
      if (languageId && format.languageId !== languageId) {
        const suffix = LANGUAGES[format.languageId].fileSuffix;
        return {
          findings: [
            finding(
              'wrong-language',
              '/apiVersion',
              'value',
              `"${apiVersion}" is ${format.languageId === 'mcp-context' ? 'an MCP context' : 'a reload'} manifest, but this file is a ${languageId} file: rename it to end in ${suffix}, or use "${LANGUAGES[languageId].current}".`,
            ),
          ],
        };
      }
      return { format, findings: format.legacy ? [outdated(format, '/apiVersion', 'value')] : [] };
    }
    const candidates = FORMATS.filter((f) => !languageId || f.languageId === languageId).map((f) => f.apiVersion);
    const suggestion = languageId ? LANGUAGES[languageId].current : (FORMATS.find((f) => !f.legacy && f.kind === value.kind)?.apiVersion ?? 'reload/v2');
    return {
      findings: [
        finding('unknown-api-version', '/apiVersion', 'value', `Unknown apiVersion "${apiVersion}": use "${suggestion}" (known: ${candidates.join(', ')}).`),
      ],
    };
  }
  if (apiVersion !== undefined) {
    return { findings: [finding('invalid-type', '/apiVersion', 'value', `apiVersion must be a string such as "${languageId ? LANGUAGES[languageId].current : 'reload/v2'}".`)] };
  }

  const keys = Object.keys(value);
  const languages = languageId ? [languageId] : (Object.keys(LANGUAGES) as LanguageId[]);
  const byKind = !languageId && typeof value.kind === 'string' ? FORMATS.find((f) => f.kind === value.kind) : undefined;
  if (!hasOwn(value, 'kind') && !hasOwn(value, 'spec')) {
    for (const language of languages) {
      const legacy = formatOf(LANGUAGES[language].legacy);
      const known = legacyKeys(legacy);
      if (keys.some((key) => known.includes(key))) return { format: legacy, findings: [outdated(legacy, '', 'start')] };
    }
  }
  const format = byKind ?? (languageId ? currentFormat(languageId) : undefined);
  const expected = format ? format.apiVersion : 'reload/v2 or mcp-context/v2';
  return {
    format,
    findings: [finding('missing-api-version', '', 'start', `Missing "apiVersion": add "apiVersion": "${expected}" as the first property.`)],
  };
}

function outdated(format: FormatVersion, pointer: string, target: 'value' | 'start'): Finding {
  const current = LANGUAGES[format.languageId].current;
  return finding(
    'outdated-format',
    pointer,
    target,
    `This is the legacy ${format.apiVersion} format: it can be validated but not applied. Migrate it to ${current} (quick fix, or \`reloadctl migrate --write\`).`,
  );
}
