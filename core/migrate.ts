/**
 * Migration of a manifest to a newer format version through the registered chain of single steps
 * (vN → vN+1), as text: the result keeps the source's comments, indentation and line endings, and a
 * current document is left exactly as it is.
 */
import { finding, type Finding, type ManifestDiagnostic } from './diagnostics';
import { FORMATS, LANGUAGES, type ApiVersion, type FormatVersion, type LanguageId } from './formats';
import type { TextEdit } from './fixes';
import { LineIndex } from './lineIndex';
import { collectComments, moveComments } from './migrations/comments';
import { contextV1toV2 } from './migrations/contextV1toV2';
import { originOf, type StepTrail } from './migrations/origin';
import { detectStyle, printJsonc } from './migrations/print';
import { reloadV1toV2 } from './migrations/reloadV1toV2';
import type { MigrationStep } from './migrations/step';
import { resolveFindings } from './positions';
import type { JsonObject } from './jsonc/read';
import { validateManifest } from './validate';

/** Every step, in chain order per language. A later v3 is one more entry. */
export const MIGRATION_STEPS: readonly MigrationStep[] = [reloadV1toV2, contextV1toV2];

export type MigrationResult =
  /** `edits` is empty when the document is already at the target version. */
  | { status: 'migrated' | 'current'; from: ApiVersion; to: ApiVersion; text: string; edits: TextEdit[] }
  | { status: 'refused'; diagnostics: ManifestDiagnostic[] };

export interface MigrateOptions {
  languageId?: LanguageId;
  /** Target version; defaults to the language's current version. */
  to?: ApiVersion;
}

/** The chain of steps from one version to another, or undefined when there is none. */
export function migrationPath(from: ApiVersion, to: ApiVersion): MigrationStep[] | undefined {
  const path: MigrationStep[] = [];
  let at = from;
  while (at !== to) {
    const step = MIGRATION_STEPS.find((s) => s.from === at);
    if (!step) return undefined;
    path.push(step);
    at = step.to;
  }
  return path;
}

export function migrateManifest(text: string, options: MigrateOptions = {}): MigrationResult {
  const validation = validateManifest(text, { languageId: options.languageId });
  const format = validation.format;
  const refuse = (findings: Finding[]): MigrationResult => ({ status: 'refused', diagnostics: resolveFindings(text, findings, new LineIndex(text)) });
  if (!format || validation.value === undefined) {
    const blocking = validation.diagnostics.filter((d) => d.severity === 'error');
    return { status: 'refused', diagnostics: blocking.length > 0 ? blocking : validation.diagnostics };
  }
  const to = options.to ?? LANGUAGES[format.languageId].current;
  const target = FORMATS.find((f) => f.apiVersion === to);
  if (!target || target.languageId !== format.languageId) {
    const versions = FORMATS.filter((f) => f.languageId === format.languageId).map((f) => f.apiVersion);
    return refuse([finding('unknown-api-version', '', 'start', `Cannot migrate ${format.apiVersion} to "${to}": use one of ${versions.join(', ')}.`)]);
  }
  if (format.apiVersion === to) return { status: 'current', from: to, to, text, edits: [] };
  const path = migrationPath(format.apiVersion, to);
  if (!path) return refuse([finding('unknown-api-version', '', 'start', `No migration leads from ${format.apiVersion} to ${to} (migrations only go forward).`)]);
  const blocking = validation.diagnostics.filter((d) => d.severity === 'error');
  if (blocking.length > 0) {
    // A document its own schema rejects could lose data in the mapping: fix it first.
    return { status: 'refused', diagnostics: blocking.map((d) => ({ ...d, message: `Fix before migrating: ${d.message}` })) };
  }

  let value = validation.value as JsonObject;
  let comments = collectComments(text);
  const trail: StepTrail[] = [];
  for (const step of path) {
    const result = step.migrate(value);
    if (!result.ok) return refuse(result.findings);
    trail.push({ source: value, moved: result.moved });
    value = result.value;
    comments = moveComments(comments, result.moved);
  }
  const migrated = printJsonc(value, detectStyle(text), comments);
  const invalid = outputErrors(migrated, target, trail);
  if (invalid.length > 0) return refuse(invalid);
  const lines = new LineIndex(text);
  return {
    status: 'migrated',
    from: format.apiVersion,
    to,
    text: migrated,
    edits: [{ range: { start: lines.positionAt(0), end: lines.positionAt(text.length) }, newText: migrated }],
  };
}

/**
 * The errors of the migrated text, as findings on the source fields they came from (the document's
 * start when none): a step that maps valid input to invalid output must refuse, not write it.
 */
function outputErrors(migrated: string, target: FormatVersion, trail: readonly StepTrail[]): Finding[] {
  const errors = validateManifest(migrated, { languageId: target.languageId }).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return [];
  const origin = originOf(trail);
  return errors.map((d) => {
    const source = origin(d.pointer);
    const where = d.pointer === '' ? '' : ` at ${d.pointer}`;
    const head = `The migrated manifest would not validate${where}: ${d.message}`;
    if (source === undefined) return finding(d.code, '', 'start', `${head} The migration made this value itself: please report it.`, { severity: d.severity });
    return finding(d.code, source, 'value', `${head} Change this field so that it migrates to valid ${target.apiVersion}.`, { severity: d.severity });
  });
}
