/** OTLP JSON (`ExportTraceServiceRequest`): the canonical trace file format. Ids hex, times as nanosecond strings. */
import { streamedArray } from '../jsonChunks';
import { setAttribute, type AttributeValue, type TraceData, type TraceEvent, type TraceSpan, type StatusCode } from './model';
import { isRecord, listOf, TraceFormatError } from './traceFormatError';

export { TraceFormatError } from './traceFormatError';

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

function otlpSpan(span: TraceSpan): unknown {
  return {
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
  };
}

function otlpDocument(trace: TraceData, spans: unknown): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: toKeyValues(trace.resource) },
        scopeSpans: [{ scope: { name: trace.scope.name, ...(trace.scope.version ? { version: trace.scope.version } : {}) }, spans }],
      },
    ],
  };
}

export function toOtlpJson(trace: TraceData): unknown {
  return otlpDocument(trace, trace.spans.map(otlpSpan));
}

/** The same document as `toOtlpJson`, its spans made one at a time while written (see prettyJsonChunks). */
export function toOtlpJsonStream(trace: TraceData): unknown {
  return otlpDocument(trace, streamedArray(trace.spans, otlpSpan));
}

function fromScalar(v: Record<string, unknown>, where: string): string | number | boolean {
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  throw new TraceFormatError(`${where}: unsupported attribute value ${JSON.stringify(v).slice(0, 200)}`);
}

/** Attribute values are scalars or arrays of scalars: nested arrays and key-value lists have no place in the trace model. */
function fromAnyValue(value: unknown, where: string): AttributeValue {
  if (!isRecord(value)) throw new TraceFormatError(`${where}: an attribute value must be an object such as {"stringValue": "…"}`);
  if (!('arrayValue' in value)) return fromScalar(value, where);
  const array = value.arrayValue;
  const items = listOf(isRecord(array) ? array.values : undefined, `${where}: arrayValue.values`);
  return items.map((item) => {
    if (!isRecord(item) || 'arrayValue' in item) throw new TraceFormatError(`${where}: arrays of arrays are not supported`);
    return fromScalar(item, where);
  }) as string[];
}

function fromKeyValues(list: unknown, where: string): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const kv of listOf(list, `${where}: attributes`)) {
    if (!isRecord(kv) || typeof kv.key !== 'string') throw new TraceFormatError(`${where}: each attribute needs a "key" string and a "value"`);
    setAttribute(out, kv.key, fromAnyValue(kv.value, `${where}.${kv.key.slice(0, 200)}`));
  }
  return out;
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** Enums may be numbers or (proto3 JSON) their names; anything else is the fallback. */
function enumNumber(value: unknown, names: string[], fallback: number): number {
  const index = typeof value === 'string' ? names.indexOf(value) : -1;
  const number = index >= 0 ? index : typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(number) && number >= 0 && number < names.length ? number : fallback;
}

const SPAN_ID = /^[0-9a-f]{16}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const MAX_FIXED64 = 2n ** 64n - 1n;

/** OTLP times are fixed64 nanoseconds: a decimal string (or a number) from 0 to 2^64 - 1. */
function nanos(value: unknown, where: string): bigint {
  if (typeof value !== 'string' && typeof value !== 'number') throw new TraceFormatError(`${where} is missing`);
  const text = String(value);
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > MAX_FIXED64) throw new TraceFormatError(`${where} must be a whole number of nanoseconds from 0 to 2^64 - 1, not ${text.slice(0, 40)}`);
  return BigInt(text);
}

function fromOtlpSpan(raw: unknown, where: string): TraceSpan {
  if (!isRecord(raw)) throw new TraceFormatError(`${where} is not an object`);
  const span = raw;
  const traceId = String(span.traceId ?? '').toLowerCase();
  const spanId = String(span.spanId ?? '').toLowerCase();
  if (!TRACE_ID.test(traceId)) throw new TraceFormatError(`${where}: traceId must be 32 hex digits`);
  if (!SPAN_ID.test(spanId)) throw new TraceFormatError(`${where}: spanId must be 16 hex digits`);
  const parent = span.parentSpanId ? String(span.parentSpanId).toLowerCase() : undefined;
  if (parent !== undefined && !SPAN_ID.test(parent)) throw new TraceFormatError(`${where}: parentSpanId must be 16 hex digits`);
  const status = isRecord(span.status) ? span.status : {};
  const message = status.message === undefined || status.message === null ? '' : String(status.message);
  return {
    traceId,
    spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: String(span.name ?? ''),
    kind: enumNumber(span.kind, SPAN_KINDS, 1),
    startNs: nanos(span.startTimeUnixNano, `${where}: startTimeUnixNano`),
    endNs: nanos(span.endTimeUnixNano, `${where}: endTimeUnixNano`),
    attributes: fromKeyValues(span.attributes, where),
    events: listOf(span.events, `${where}: events`).map((e): TraceEvent => {
      const event = isRecord(e) ? e : {};
      return { name: String(event.name ?? ''), timeNs: nanos(event.timeUnixNano, `${where}: event time`), attributes: fromKeyValues(event.attributes, where) };
    }),
    status: { code: enumNumber(status.code, STATUS_CODES, 0) as StatusCode, ...(message ? { message } : {}) },
  };
}

/** Reads OTLP JSON; all resource/scope groups are flattened into one trace (the first resource and scope are kept). */
export function fromOtlpJson(json: unknown): TraceData {
  const resourceSpans = isRecord(json) ? json.resourceSpans : undefined;
  if (!Array.isArray(resourceSpans)) throw new TraceFormatError('not OTLP JSON: there is no "resourceSpans" array');
  const trace: TraceData = { resource: {}, scope: { name: '' }, spans: [] };
  resourceSpans.forEach((rs, r) => {
    const group = isRecord(rs) ? rs : {};
    if (r === 0) trace.resource = fromKeyValues(isRecord(group.resource) ? group.resource.attributes : undefined, 'resource');
    listOf(group.scopeSpans, `resourceSpans[${r}].scopeSpans`).forEach((ss, s) => {
      const scoped = isRecord(ss) ? ss : {};
      const scope = isRecord(scoped.scope) ? scoped.scope : {};
      if (r === 0 && s === 0) trace.scope = { name: String(scope.name ?? ''), ...(scope.version ? { version: String(scope.version) } : {}) };
      listOf(scoped.spans, `resourceSpans[${r}].scopeSpans[${s}].spans`).forEach((raw, i) => {
        const name = isRecord(raw) ? String(raw.name).slice(0, 200) : '';
        trace.spans.push(fromOtlpSpan(raw, `span ${i} (${name})`));
      });
    });
  });
  return trace;
}
