/**
 * "Migrate all manifests in the workspace": one WorkspaceEdit migrating every legacy manifest in
 * the workspace folders, open documents at their current version. The client previews and applies it.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments, WorkspaceEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { languageIdForPath } from '../core/formats';
import { migrateManifest } from '../core/migrate';
import { findManifests } from './workspaceIndex';

export interface WorkspaceMigration {
  edit: WorkspaceEdit;
  /** Files that could not be migrated, with the first reason. */
  refused: { uri: string; reason: string }[];
}

export async function migrateWorkspace(folders: readonly string[], documents: TextDocuments<TextDocument>): Promise<WorkspaceMigration> {
  const edit: WorkspaceEdit = { documentChanges: [] };
  const refused: WorkspaceMigration['refused'] = [];
  const paths = new Set(await findManifests(folders));
  for (const document of documents.all()) if (document.uri.startsWith('file:') && languageIdForPath(document.uri)) paths.add(fileURLToPath(document.uri));
  for (const path of [...paths].sort()) {
    const uri = pathToFileURL(path).href;
    const open = documents.get(uri);
    const text = open ? open.getText() : await fs.readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const result = migrateManifest(text, { languageId: languageIdForPath(path) });
    if (result.status === 'refused') {
      refused.push({ uri, reason: result.diagnostics[0]?.message ?? 'refused' });
    } else if (result.status === 'migrated') {
      edit.documentChanges!.push({ textDocument: { uri, version: open ? open.version : null }, edits: result.edits });
    }
  }
  return { edit, refused };
}
