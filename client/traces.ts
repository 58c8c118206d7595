/**
 * The traces the extension shows: the last one (a dry run's or a file's), and the stored copy of
 * each run's trace in the extension's storage, which a timeline restored after a window reload
 * reads again. Trace files are read with a size cap: they may come from anywhere.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { prettyJsonText } from '../core/jsonChunks';
import type { TraceData } from '../core/tracing/model';
import { toOtlpJsonStream } from '../core/tracing/otlp';
import { readTrace } from '../core/tracing/readTrace';
import { TraceFormatError } from '../core/tracing/traceFormatError';
import { writeFileAtomically } from '../node/atomicWrite';

/** A trace on show, and where it can be read again. */
export interface ShownTrace {
  trace: TraceData;
  title: string;
  /** The trace's file (a trace file opened, or the stored copy of a run); absent when it could not be stored. */
  uri?: vscode.Uri;
  /** The manifest a run's trace is of: "Reveal in manifest" opens it. */
  manifestUri?: vscode.Uri;
}

/** Trace files larger than this are refused before reading (reading takes a few times their size in memory). */
export const MAX_TRACE_FILE_BYTES = 256 * 1024 * 1024;

export class TraceFileError extends Error {}

export async function readTraceFile(uri: vscode.Uri): Promise<TraceData> {
  const name = path.basename(uri.path);
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.size > MAX_TRACE_FILE_BYTES) throw new TraceFileError(`${name} is ${(stat.size / 2 ** 20).toFixed(0)} MiB; traces up to ${MAX_TRACE_FILE_BYTES / 2 ** 20} MiB can be shown.`);
  const bytes = await vscode.workspace.fs.readFile(uri);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TraceFileError(`${name} is not JSON (${(e as Error).message}).`);
  }
  try {
    return readTrace(json);
  } catch (e) {
    if (e instanceof TraceFormatError) throw new TraceFileError(`${name} is neither an OTLP JSON nor a Jaeger JSON trace: ${e.message}`);
    throw e;
  }
}

/** Writes a trace (OTLP JSON or any streamed JSON) to a file: atomically for local files, never through a planted link. */
export async function writeJsonFile(uri: vscode.Uri, chunks: Iterable<string>): Promise<void> {
  if (uri.scheme === 'file') {
    const written = await writeFileAtomically(uri.fsPath, chunks);
    if (!written.ok) throw new TraceFileError(`Cannot write ${uri.fsPath}: ${written.message}`);
    return;
  }
  let text = '';
  for (const chunk of chunks) text += chunk;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

export class TraceStore {
  last?: ShownTrace;

  constructor(
    private readonly storage: vscode.Uri | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Keeps a run's trace as the last one, and a copy in storage (one per manifest and kind of run) for restoring its timeline. */
  async keepRun(trace: TraceData, manifestUri: vscode.Uri, run: 'dryRun' | 'apply' = 'dryRun'): Promise<ShownTrace> {
    const title = path.basename(manifestUri.path);
    return this.keep({ trace, title, manifestUri }, `${title.replace(/[^\w.-]/g, '_')}${run === 'apply' ? '-apply' : ''}-${hashOf(manifestUri.toString())}`);
  }

  /** Keeps a trace that is not a manifest's (a rollback's, an apply's from a target's history) as the last one, stored under its title. */
  async keepTrace(trace: TraceData, title: string): Promise<ShownTrace> {
    return this.keep({ trace, title }, `${title.replace(/[^\w.-]/g, '_').slice(0, 60)}-${hashOf(title)}`);
  }

  private async keep(shown: ShownTrace, name: string): Promise<ShownTrace> {
    if (this.storage) {
      const folder = vscode.Uri.joinPath(this.storage, 'traces');
      const file = vscode.Uri.joinPath(folder, `${name}.otlp.json`);
      try {
        await vscode.workspace.fs.createDirectory(folder);
        await writeJsonFile(file, prettyJsonText(toOtlpJsonStream(shown.trace)));
        shown.uri = file;
      } catch (error) {
        this.log.warn(`The trace of ${shown.title} is not stored (its timeline will not come back after a window reload): ${(error as Error).message}`);
      }
    }
    this.last = shown;
    return shown;
  }
}

/** A short stable name part for a URI: two manifests with one base name keep separate traces. */
const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);
