/** Document URIs as file paths: only `file:` URIs that name a local path have one. */
import { fileURLToPath } from 'node:url';

/**
 * The local path of a document URI, or undefined: other schemes (untitled:, vscode-remote:…), and
 * file: URIs that name no local path here (a UNC host such as file://server/share, an encoded "/")
 * get every diagnostic that needs no file system, and none of the checks that read files.
 */
export function localPathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
