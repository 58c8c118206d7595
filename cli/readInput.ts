/** Reads a manifest file for the CLI, turning every way it can fail into a message for the user. */
import { promises as fs } from 'node:fs';

/** Manifests point at artifacts rather than contain them; anything larger is a mistake. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export const MAX_TRACE_BYTES = 256 * 1024 * 1024;

export type InputResult = { ok: true; text: string } | { ok: false; message: string };

export async function readManifestFile(path: string, what: 'manifest' | 'trace' = 'manifest'): Promise<InputResult> {
  const limit = what === 'manifest' ? MAX_MANIFEST_BYTES : MAX_TRACE_BYTES;
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    return { ok: false, message: `cannot read ${path}: ${describeError(e)}` };
  }
  if (stat.isDirectory()) return { ok: false, message: `${path} is a directory: pass manifest files, e.g. ${path}/*.reload.json` };
  if (!stat.isFile()) return { ok: false, message: `${path} is not a regular file` };
  if (stat.size > limit) {
    const why = what === 'manifest' ? '(put large data in artifact files the manifest points at)' : '(split the trace)';
    return { ok: false, message: `${path} is ${(stat.size / 1024 / 1024).toFixed(1)} MiB; ${what}s over ${limit / 1024 / 1024} MiB are not read ${why}` };
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    return { ok: false, message: `cannot read ${path}: ${describeError(e)}` };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, message: `${path} is not UTF-8 text (is it a binary file?): save it as UTF-8 JSON` };
  }
}

export function describeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
