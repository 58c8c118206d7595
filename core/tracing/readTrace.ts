/** A trace file's JSON, whichever format it is in. */
import { fromJaegerJson } from './jaeger';
import type { TraceData } from './model';
import { fromOtlpJson } from './otlp';
import { isRecord, TraceFormatError } from './traceFormatError';

/** Reads OTLP JSON or Jaeger JSON, whichever the content is; throws TraceFormatError for anything else. */
export function readTrace(json: unknown): TraceData {
  const object = isRecord(json) ? json : {};
  if (Array.isArray(object.resourceSpans)) return fromOtlpJson(json);
  if (Array.isArray(object.data)) return fromJaegerJson(json);
  if (Array.isArray(object.traceEvents) || Array.isArray(json)) {
    throw new TraceFormatError('Chrome trace files are an export format and cannot be read back: convert from the OTLP file instead');
  }
  throw new TraceFormatError('neither OTLP JSON (resourceSpans) nor Jaeger JSON (data)');
}
