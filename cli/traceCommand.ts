/** `reloadctl trace convert <in> --to otlp|jaeger|chrome`. */
import { prettyJsonText } from '../core/jsonChunks';
import { escapeControlCharacters } from '../core/terminalText';
import { toChromeTraceStream } from '../core/tracing/chrome';
import { toJaegerJsonStream } from '../core/tracing/jaeger';
import type { TraceData } from '../core/tracing/model';
import { toOtlpJsonStream } from '../core/tracing/otlp';
import { readTrace } from '../core/tracing/readTrace';
import { TraceFormatError } from '../core/tracing/traceFormatError';
import { buildSpanTree } from '../core/tracing/tree';
import { spanTreeWarnings } from '../core/tracing/treeWarnings';
import { EXIT, UsageError, type CommandIo } from './io';
import { readManifestFile } from './readInput';

export const TRACE_FORMATS = ['otlp', 'jaeger', 'chrome'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/**
 * The trace in `file`, or why it cannot be read. The file's text and parsed JSON go out of scope
 * on return, so a large trace's input is collectable while its output is written.
 */
async function loadTrace(file: string): Promise<{ trace: TraceData } | { exit: number; message: string }> {
  const input = await readManifestFile(file, 'trace');
  if (!input.ok) return { exit: EXIT.usage, message: `${file}: ${input.reason}` };
  try {
    return { trace: readTrace(JSON.parse(input.text)) };
  } catch (e) {
    if (!(e instanceof SyntaxError || e instanceof TraceFormatError)) throw e;
    const why = e instanceof SyntaxError ? `not JSON (${e.message})` : e.message;
    return { exit: EXIT.failed, message: `cannot read ${file} as a trace: ${why}` };
  }
}

export async function traceConvertCommand(file: string, to: string, io: CommandIo): Promise<number> {
  if (!TRACE_FORMATS.includes(to as TraceFormat)) throw new UsageError(`unknown --to "${to}": use otlp, jaeger or chrome`);
  const loaded = await loadTrace(file);
  if (!('trace' in loaded)) {
    io.stderr(`reloadctl: ${escapeControlCharacters(loaded.message)}\n`);
    return loaded.exit;
  }
  const { trace } = loaded;
  const tree = buildSpanTree(trace.spans);
  for (const warning of spanTreeWarnings(tree)) io.stderr(`reloadctl: warning: ${warning}\n`);
  const output = to === 'otlp' ? toOtlpJsonStream(trace) : to === 'jaeger' ? toJaegerJsonStream(trace) : toChromeTraceStream(trace, tree);
  await io.writeStdout(prettyJsonText(output));
  return EXIT.ok;
}
