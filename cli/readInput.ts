/** Reads a manifest file (or standard input) for the CLI, turning every way it can fail into a reason for the user. */
import { promises as fs } from 'node:fs';
import type { ManifestDiagnostic } from '../core/diagnostics';
import { describeFileError } from '../core/errors';

/** Manifests point at artifacts rather than contain them; anything larger is a mistake. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export const MAX_TRACE_BYTES = 256 * 1024 * 1024;

/** The file argument that means standard input, and the name it is shown under. */
export const STDIN_ARGUMENT = '-';
export const STDIN_NAME = '<stdin>';

export type InputResult =
  /** `bom`: the bytes began with a UTF-8 byte order mark, which `text` leaves out; a rewrite puts it back. */
  | { ok: true; text: string; bom: boolean }
  /** `reason`: a sentence saying what is wrong and what to do, without the file's name. */
  | { ok: false; reason: string };

type What = 'manifest' | 'trace';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** How a file argument is named in output: `-` is standard input. */
export function inputName(path: string): string {
  return path === STDIN_ARGUMENT ? STDIN_NAME : path;
}

/** Reads `path`, or `stdin` when it is given and `path` is `-`. */
export async function readManifestFile(path: string, what: What = 'manifest', stdin?: AsyncIterable<Uint8Array>): Promise<InputResult> {
  if (path === STDIN_ARGUMENT && stdin) return readStream(stdin, what);
  const limit = what === 'manifest' ? MAX_MANIFEST_BYTES : MAX_TRACE_BYTES;
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (e) {
    return { ok: false, reason: cannotRead(e) };
  }
  if (stat.isDirectory()) return { ok: false, reason: `This is a directory: pass the ${what} files in it, e.g. ${path}/*${what === 'manifest' ? '.reload' : ''}.json.` };
  if (!stat.isFile()) return { ok: false, reason: `This is not a regular file (a device, socket or pipe): pass a ${what} file.` };
  if (stat.size > limit) return { ok: false, reason: tooLarge(`The file is ${(stat.size / 1024 / 1024).toFixed(1)} MiB`, what) };
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    return { ok: false, reason: cannotRead(e) };
  }
  return decode(bytes, 'The file');
}

/** Reads a stream up to the size limit, stopping there rather than buffering whatever is sent. */
async function readStream(stream: AsyncIterable<Uint8Array>, what: What): Promise<InputResult> {
  const limit = what === 'manifest' ? MAX_MANIFEST_BYTES : MAX_TRACE_BYTES;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > limit) return { ok: false, reason: tooLarge(`The input is over ${limit / 1024 / 1024} MiB`, what) };
      chunks.push(chunk);
    }
  } catch (e) {
    return { ok: false, reason: `Cannot read standard input: ${describeFileError(e)}.` };
  }
  return decode(Buffer.concat(chunks, size), 'The input');
}

function decode(bytes: Buffer, subject: string): InputResult {
  const bom = UTF8_BOM.every((byte, index) => bytes[index] === byte);
  try {
    // The decoder drops a leading byte order mark: editors hide it, and JSON parsers reject it.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bom };
  } catch {
    return { ok: false, reason: `${subject} is not UTF-8 text (is it a binary file?): save it as UTF-8 JSON.` };
  }
}

function cannotRead(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'No such file: check the path.' : `Cannot read the file: ${describeFileError(e)}.`;
}

function tooLarge(size: string, what: What): string {
  const why = what === 'manifest' ? 'put large data in artifact files the manifest points at' : 'split the trace';
  return `${size}; ${what}s over ${(what === 'manifest' ? MAX_MANIFEST_BYTES : MAX_TRACE_BYTES) / 1024 / 1024} MiB are not read (${why}).`;
}

/**
 * An input that could not be read, as a diagnostic of its own: every output format lists it with
 * the other files, and the summary counts it.
 */
export function unreadableFileDiagnostic(reason: string): ManifestDiagnostic {
  return { severity: 'error', code: 'unreadable-file', message: reason, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, pointer: '' };
}
