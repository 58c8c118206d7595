/**
 * Quick fixes: migrate an outdated manifest (preferred), replace each deprecated field, pin an
 * artifact's digest (or the new one, when the file changed), generate a uid, add missing required
 * properties, declare a template argument; and `source.fixAll` (the deprecation fixes) for
 * fix-on-save. Every edit carries the document version.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type WorkspaceEdit } from 'vscode-languageserver';
import { migrateActionTitle } from '../common/protocol';
import { findDeprecatedUses } from '../core/deprecations';
import { DIAGNOSTIC_CODES } from '../core/diagnostics';
import { applyTextEdits, declareArgumentEdits, deprecationEdits, diffEdits, setValueEdits, setValuesEdits, uuidv7, type TextEdit } from '../core/fixes';
import { parseJsonc } from '../core/jsonc/parse';
import { valueAt } from '../core/jsonc/pointer';
import { migrateManifest } from '../core/migrate';
import { asObject, asString } from '../core/jsonc/read';
import type { FileCache } from './cachedFileHost';
import type { DocumentState } from './documents';
import { DIAGNOSTIC_SOURCE } from './toLsp';
import { localPathOf } from './uris';

/** Data carried by a code action resolved later (hashing a file is not done for every light bulb). */
export interface DigestFixData {
  fix: 'pinDigest';
  uri: string;
  version: number;
  artifact: string;
}

function workspaceEdit(state: DocumentState, edits: TextEdit[]): WorkspaceEdit {
  return { documentChanges: [{ textDocument: { uri: state.document.uri, version: state.document.version }, edits }] };
}

function dataOf(diagnostic: Diagnostic): Record<string, unknown> {
  return (diagnostic.data ?? {}) as Record<string, unknown>;
}

export function codeActions(state: DocumentState, params: CodeActionParams): CodeAction[] {
  const only = params.context.only;
  const wants = (kind: string): boolean => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
  const actions: CodeAction[] = [];
  if (wants(CodeActionKind.SourceFixAll)) {
    const fixAll = fixAllAction(state);
    if (fixAll) actions.push(fixAll);
  }
  if (!wants(CodeActionKind.QuickFix)) return actions;
  const text = state.document.getText();
  const validation = state.validation();
  // Some clients echo back only part of a diagnostic (Neovim 0.7: code and data), so ours are
  // recognised by their code, and by their source when one is given.
  const ours = params.context.diagnostics.filter((d) => typeof d.code === 'string' && Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, d.code) && (d.source === undefined || d.source === DIAGNOSTIC_SOURCE));
  const seen = new Set<string>();
  for (const diagnostic of ours) {
    const data = dataOf(diagnostic);
    const pointer = String(data.pointer ?? '');
    const action = (title: string, edits: TextEdit[], preferred = false): void => {
      if (edits.length === 0 || seen.has(title)) return;
      seen.add(title);
      actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: workspaceEdit(state, edits) });
    };
    switch (diagnostic.code) {
      case 'outdated-format': {
        const result = migrateManifest(text, { languageId: state.languageId });
        if (result.status === 'migrated') action(migrateActionTitle(result.to), result.edits, true);
        break;
      }
      case 'deprecated-field':
        if (validation.format) action(`Replace "${pointer.slice(pointer.lastIndexOf('/') + 1)}" with "${String(data.replacement)}"`, deprecationEdits(text, validation.value, validation.format.apiVersion, pointer), true);
        break;
      case 'missing-digest': {
        const artifact = String(data.artifact ?? '');
        if (localArtifactPath(state, artifact) === undefined || seen.has(`pin ${artifact}`)) break;
        seen.add(`pin ${artifact}`);
        const pin: DigestFixData = { fix: 'pinDigest', uri: state.document.uri, version: state.document.version, artifact };
        actions.push({ title: 'Pin artifact digest', kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: true, data: pin });
        break;
      }
      case 'digest-mismatch':
        // The check hashed the file: its digest and size travel with the diagnostic.
        if (typeof data.digest === 'string' && typeof data.size === 'number') {
          action('Pin the new digest (the file changed)', pinEdits(text, String(data.artifact), data.digest, data.size), true);
        }
        break;
      case 'missing-apply-field': {
        const missing = (data.missing as string[] | undefined) ?? [];
        if (missing.includes('uid')) action('Generate uid', setValueEdits(text, '/metadata/uid', uuidv7(), 'name'));
        if (missing.includes('serial')) action('Add serial 1', setValueEdits(text, '/metadata/serial', 1, missing.includes('uid') ? 'name' : 'uid'));
        break;
      }
      case 'missing-property': {
        const siblings = ours.filter((d) => d.code === 'missing-property' && String(dataOf(d).pointer) === pointer && dataOf(d).property !== undefined);
        const changes = siblings.map((d) => ({ pointer: `${pointer}/${String(dataOf(d).property)}`, value: dataOf(d).value }));
        const names = siblings.map((d) => `"${String(dataOf(d).property)}"`).join(', ');
        if (changes.length > 0) action(`Add missing ${siblings.length > 1 ? 'properties' : 'property'} ${names}`, setValuesEdits(text, changes), true);
        break;
      }
      case 'undeclared-placeholder':
        action(`Declare argument "${String(data.argument)}"`, declareArgumentEdits(text, validation.value, String(data.prompt), String(data.argument)), true);
        break;
      default:
        break;
    }
  }
  return actions;
}

/** The path of a local artifact under `artifactPointer` (inside the allowed folders), or undefined. */
function localArtifactPath(state: DocumentState, artifactPointer: string, files?: FileCache): { manifest: string; path: string } | undefined {
  const manifest = localPathOf(state.document.uri);
  const uri = asString(asObject(valueAt(state.value(), artifactPointer))?.uri);
  if (manifest === undefined || uri === undefined) return undefined;
  const location = files ? files.hostFor(manifest).locate(uri) : { kind: 'local' as const, path: uri };
  return location.kind === 'local' ? { manifest, path: location.path } : undefined;
}

/** Sets an artifact's digest and size (after its uri). */
function pinEdits(text: string, artifactPointer: string, digest: string, size: number): TextEdit[] {
  return setValuesEdits(text, [
    { pointer: `${artifactPointer}/digest`, value: digest, after: 'uri' },
    { pointer: `${artifactPointer}/size`, value: size, after: 'digest' },
  ]);
}

/** Computes the edit of a "Pin artifact digest" action (codeAction/resolve, or at once for clients without resolve). */
export async function resolveDigestFix(state: DocumentState, action: CodeAction, files: FileCache): Promise<CodeAction> {
  const data = action.data as DigestFixData;
  if (state.document.version !== data.version) return action;
  const local = localArtifactPath(state, data.artifact, files);
  if (!local) return action;
  const digest = await files.digestNow(local.manifest, local.path);
  if (!digest) return action;
  return { ...action, edit: workspaceEdit(state, pinEdits(state.document.getText(), data.artifact, digest.digest, digest.size)) };
}

function fixAllAction(state: DocumentState): CodeAction | undefined {
  const validation = state.validation();
  if (!validation.format || validation.format.legacy) return undefined;
  const uses = findDeprecatedUses(validation.value, validation.format.apiVersion);
  if (uses.length === 0) return undefined;
  const original = state.document.getText();
  // Each fix is computed on the text the previous one produced; later pointers stay valid because
  // a fix only renames or removes a key inside its own object.
  let text = original;
  for (const use of [...uses].reverse()) {
    text = applyTextEdits(text, deprecationEdits(text, parseJsonc(text).value, validation.format.apiVersion, use.pointer));
  }
  return { title: `Fix all: replace ${uses.length} deprecated field${uses.length === 1 ? '' : 's'}`, kind: CodeActionKind.SourceFixAll, edit: workspaceEdit(state, diffEdits(original, text)) };
}
