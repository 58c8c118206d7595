/** `reloadctl trace convert <in> --to otlp|jaeger|chrome`. */
import { toChromeTrace } from '../core/tracing/chrome';
import { fromJaegerJson, toJaegerJson } from '../core/tracing/jaeger';
import type { TraceData } from '../core/tracing/model';
import { fromOtlpJson, toOtlpJson, TraceFormatError } from '../core/tracing/otlp';
import { escapeControlCharacters } from '../core/terminalText';
import { EXIT, UsageError, type CommandIo } from './io';
import { readManifestFile } from './readInput';

export const TRACE_FORMATS = ['otlp', 'jaeger', 'chrome'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Reads OTLP JSON or Jaeger JSON, whichever the content is. */
export function readTrace(json: unknown): TraceData {
  const object = (json ?? {}) as Record<string, unknown>;
  if (Array.isArray(object.resourceSpans)) return fromOtlpJson(json);
  if (Array.isArray(object.data)) return fromJaegerJson(json);
  if (Array.isArray(object.traceEvents) || Array.isArray(json)) {
    throw new TraceFormatError('Chrome trace files are an export format and cannot be read back: convert from the OTLP file instead');
  }
  throw new TraceFormatError('neither OTLP JSON (resourceSpans) nor Jaeger JSON (data)');
}

export async function traceConvertCommand(file: string, to: string, io: CommandIo): Promise<number> {
  if (!TRACE_FORMATS.includes(to as TraceFormat)) throw new UsageError(`unknown --to "${to}": use otlp, jaeger or chrome`);
  const input = await readManifestFile(file, 'trace');
  if (!input.ok) {
    io.stderr(`reloadctl: ${escapeControlCharacters(file)}: ${escapeControlCharacters(input.reason)}\n`);
    return EXIT.usage;
  }
  let trace: TraceData;
  try {
    trace = readTrace(JSON.parse(input.text));
  } catch (e) {
    const why = e instanceof SyntaxError ? `not JSON (${e.message})` : e instanceof TraceFormatError ? e.message : String(e);
    io.stderr(`reloadctl: cannot read ${escapeControlCharacters(file)} as a trace: ${escapeControlCharacters(why)}\n`);
    return EXIT.failed;
  }
  const output = to === 'otlp' ? toOtlpJson(trace) : to === 'jaeger' ? toJaegerJson(trace) : toChromeTrace(trace);
  io.stdout(`${JSON.stringify(output, null, 2)}\n`);
  return EXIT.ok;
}
