/** OTLP JSON (`ExportTraceServiceRequest`): the canonical trace file format. Ids hex, times as nanosecond strings. */
import type { AttributeValue, TraceData, TraceEvent, TraceSpan, StatusCode } from './model';

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string | number }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

interface KeyValue {
  key: string;
  value: AnyValue;
}

function toAnyValue(value: AttributeValue): AnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: (value as (string | number | boolean)[]).map(toAnyValue) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function toKeyValues(attributes: Record<string, AttributeValue>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

export function toOtlpJson(trace: TraceData): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: toKeyValues(trace.resource) },
        scopeSpans: [
          {
            scope: { name: trace.scope.name, ...(trace.scope.version ? { version: trace.scope.version } : {}) },
            spans: trace.spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: span.startNs.toString(),
              endTimeUnixNano: span.endNs.toString(),
              attributes: toKeyValues(span.attributes),
              events: span.events.map((event) => ({ timeUnixNano: event.timeNs.toString(), name: event.name, attributes: toKeyValues(event.attributes) })),
              status: { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
            })),
          },
        ],
      },
    ],
  };
}

export class TraceFormatError extends Error {}

function fromAnyValue(value: unknown, where: string): AttributeValue {
  const v = (value ?? {}) as Record<string, unknown>;
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) {
    const values = ((v.arrayValue as { values?: unknown[] })?.values ?? []).map((item) => fromAnyValue(item, where));
    return values as string[];
  }
  throw new TraceFormatError(`${where}: unsupported attribute value ${JSON.stringify(value)}`);
}

function fromKeyValues(list: unknown, where: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of (Array.isArray(list) ? list : []) as KeyValue[]) out[kv.key] = fromAnyValue(kv.value, `${where}.${kv.key}`);
  return out;
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Enums may be numbers or (proto3 JSON) their names. */
function enumNumber(value: unknown, names: string[], fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    return index >= 0 ? index : Number.isNaN(Number(value)) ? fallback : Number(value);
  }
  return fallback;
}

const HEX = (length: number): RegExp => new RegExp(`^[0-9a-f]{${length}}$`);

function nanos(value: unknown, where: string): bigint {
  if (typeof value !== 'string' && typeof value !== 'number') throw new TraceFormatError(`${where} is missing`);
  try {
    return BigInt(value);
  } catch {
    throw new TraceFormatError(`${where} is not an integer: ${String(value)}`);
  }
}

/** Reads OTLP JSON; all resource/scope groups are flattened into one trace (the first resource and scope are kept). */
export function fromOtlpJson(json: unknown): TraceData {
  const resourceSpans = (json as { resourceSpans?: unknown[] })?.resourceSpans;
  if (!Array.isArray(resourceSpans)) throw new TraceFormatError('not OTLP JSON: there is no "resourceSpans" array');
  const trace: TraceData = { resource: {}, scope: { name: '' }, spans: [] };
  resourceSpans.forEach((rs, r) => {
    const group = rs as { resource?: { attributes?: unknown }; scopeSpans?: unknown[] };
    if (r === 0) trace.resource = fromKeyValues(group.resource?.attributes, 'resource');
    (group.scopeSpans ?? []).forEach((ss, s) => {
      const scoped = ss as { scope?: { name?: string; version?: string }; spans?: unknown[] };
      if (r === 0 && s === 0) trace.scope = { name: scoped.scope?.name ?? '', ...(scoped.scope?.version ? { version: scoped.scope.version } : {}) };
      (scoped.spans ?? []).forEach((raw, i) => {
        const span = raw as Record<string, unknown>;
        const where = `span ${i} (${String(span.name)})`;
        const traceId = String(span.traceId ?? '').toLowerCase();
        const spanId = String(span.spanId ?? '').toLowerCase();
        if (!HEX(32).test(traceId)) throw new TraceFormatError(`${where}: traceId must be 32 hex digits`);
        if (!HEX(16).test(spanId)) throw new TraceFormatError(`${where}: spanId must be 16 hex digits`);
        const parent = span.parentSpanId ? String(span.parentSpanId).toLowerCase() : undefined;
        const status = (span.status ?? {}) as { code?: number; message?: string };
        const parsed: TraceSpan = {
          traceId,
          spanId,
          ...(parent ? { parentSpanId: parent } : {}),
          name: String(span.name ?? ''),
          kind: enumNumber(span.kind, SPAN_KINDS, 1),
          startNs: nanos(span.startTimeUnixNano, `${where}: startTimeUnixNano`),
          endNs: nanos(span.endTimeUnixNano, `${where}: endTimeUnixNano`),
          attributes: fromKeyValues(span.attributes, where),
          events: ((span.events as unknown[]) ?? []).map(
            (e): TraceEvent => {
              const event = e as Record<string, unknown>;
              return { name: String(event.name ?? ''), timeNs: nanos(event.timeUnixNano, `${where}: event time`), attributes: fromKeyValues(event.attributes, where) };
            },
          ),
          status: { code: enumNumber(status.code, STATUS_CODES, 0) as StatusCode, ...(status.message ? { message: status.message } : {}) },
        };
        trace.spans.push(parsed);
      });
    });
  });
  return trace;
}
