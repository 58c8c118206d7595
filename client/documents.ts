/** The manifest a command works on (its argument, or the active editor's) and the artifact roots it may read from. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { settingsFrom } from '../common/protocol';

/** The document a command was given (a URI from a code lens or menu, or a URI string), else the active editor's. */
export async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg, true) : vscode.window.activeTextEditor?.document.uri;
  if (!uri) return undefined;
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
}

/** The artifact roots setting, relative entries against the first workspace folder. */
export function artifactRoots(): string[] {
  const roots = settingsFrom(vscode.workspace.getConfiguration('tracingReload')).artifactRoots;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return roots.map((root) => (path.isAbsolute(root) || folder === undefined ? root : path.join(folder, root)));
}
