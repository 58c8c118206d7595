/**
 * "Migrate all manifests in the workspace": one WorkspaceEdit migrating every legacy manifest in
 * the workspace folders, open documents at their current version. The client previews and applies it.
 */
import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { TextDocuments, WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { describeFileError } from '../core/errors';
import { languageIdForPath } from '../core/formats';
import { migrateManifest } from '../core/migrate';
import { findManifests } from '../node/workspaceManifests';
import { localPathOf } from './uris';

export interface WorkspaceMigration {
  edit: WorkspaceEdit;
  /** Files that could not be migrated, with the first reason. */
  refused: { uri: string; reason: string }[];
}

export async function migrateWorkspace(folders: readonly string[], documents: TextDocuments<TextDocument>): Promise<WorkspaceMigration> {
  const edit: WorkspaceEdit = { documentChanges: [] };
  const refused: WorkspaceMigration['refused'] = [];
  const found = await findManifests(folders);
  const paths = new Set(found.paths);
  if (found.leftOut > 0) refused.push({ uri: pathToFileURL(folders[0] ?? '/').href, reason: `${found.leftOut} more manifests past the first ${found.paths.length} were not looked at: migrate them with \`reloadctl migrate --write\`.` });
  for (const document of documents.all()) {
    const path = localPathOf(document.uri);
    if (path !== undefined && languageIdForPath(path)) paths.add(path);
  }
  for (const path of [...paths].sort()) {
    const uri = pathToFileURL(path).href;
    const open = documents.get(uri);
    let text: string;
    try {
      text = open ? open.getText() : await fs.readFile(path, 'utf8');
    } catch (error) {
      refused.push({ uri, reason: `cannot read it: ${describeFileError(error)}` });
      continue;
    }
    const result = migrateManifest(text, { languageId: languageIdForPath(path) });
    if (result.status === 'refused') {
      refused.push({ uri, reason: result.diagnostics[0]?.message ?? 'refused' });
    } else if (result.status === 'migrated') {
      edit.documentChanges!.push({ textDocument: { uri, version: open ? open.version : null }, edits: result.edits });
    }
  }
  return { edit, refused };
}
