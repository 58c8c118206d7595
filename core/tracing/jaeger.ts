/** Jaeger's JSON (the query API / UI download format): read, and written for `trace convert --to jaeger`. */
import { streamedArray } from '../jsonChunks';
import { setAttribute, type AttributeValue, type TraceData, type TraceSpan } from './model';
import { isRecord, listOf, TraceFormatError } from './traceFormatError';

interface JaegerTag {
  key: string;
  type?: string;
  value: unknown;
}

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags?: JaegerTag[];
  logs?: { timestamp: number; fields: JaegerTag[] }[];
  processID?: string;
}

const STATUS_TAG = 'otel.status_code';
const STATUS_MESSAGE_TAG = 'otel.status_description';
const KIND_TAG = 'span.kind';
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function tagOf(key: string, value: AttributeValue): JaegerTag {
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  if (Array.isArray(value)) return { key, type: 'string', value: JSON.stringify(value) };
  return { key, type: 'string', value };
}

const tags = (attributes: Record<string, AttributeValue>): JaegerTag[] => Object.entries(attributes).map(([k, v]) => tagOf(k, v));
const micros = (ns: bigint): number => Number(ns / 1000n);

function jaegerSpan(span: TraceSpan): JaegerSpan {
  return {
    traceID: span.traceId,
    spanID: span.spanId,
    operationName: span.name,
    references: span.parentSpanId ? [{ refType: 'CHILD_OF', traceID: span.traceId, spanID: span.parentSpanId }] : [],
    startTime: micros(span.startNs),
    duration: micros(span.endNs - span.startNs),
    tags: [
      ...tags(span.attributes),
      { key: KIND_TAG, type: 'string', value: KINDS[span.kind] ?? 'internal' },
      ...(span.status.code !== 0 ? [{ key: STATUS_TAG, type: 'string', value: span.status.code === 2 ? 'ERROR' : 'OK' }] : []),
      ...(span.status.message ? [{ key: STATUS_MESSAGE_TAG, type: 'string', value: span.status.message }] : []),
    ],
    logs: span.events.map((event) => ({ timestamp: micros(event.timeNs), fields: [{ key: 'event', type: 'string', value: event.name }, ...tags(event.attributes)] })),
    processID: 'p1',
  };
}

/** The spans of each trace id, in order of first appearance. */
function byTrace(spans: readonly TraceSpan[]): Map<string, TraceSpan[]> {
  const groups = new Map<string, TraceSpan[]>();
  for (const span of spans) {
    const group = groups.get(span.traceId);
    if (group) group.push(span);
    else groups.set(span.traceId, [span]);
  }
  return groups;
}

/** The one process all spans belong to: the trace's resource. */
function processesOf(trace: TraceData): unknown {
  const serviceName = String(trace.resource['service.name'] ?? 'tracing-reload');
  return { p1: { serviceName, tags: tags(Object.fromEntries(Object.entries(trace.resource).filter(([k]) => k !== 'service.name'))) } };
}

export function toJaegerJson(trace: TraceData): unknown {
  const processes = processesOf(trace);
  return { data: [...byTrace(trace.spans)].map(([traceID, spans]) => ({ traceID, spans: spans.map(jaegerSpan), processes })) };
}

/** The same document as `toJaegerJson`, its spans made one at a time while written (see prettyJsonChunks). */
export function toJaegerJsonStream(trace: TraceData): unknown {
  const processes = processesOf(trace);
  return { data: streamedArray(byTrace(trace.spans), ([traceID, spans]) => ({ traceID, spans: streamedArray(spans, jaegerSpan), processes })) };
}

function attributeOf(value: unknown): AttributeValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value) ?? 'undefined';
}

/** Jaeger ids are hex, up to 16 (span) or 32 (trace) digits; shorter ones are zero-padded as OTLP needs. */
function hexId(value: unknown, digits: number, where: string): string {
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-fA-F]{1,${digits}}$`).test(value)) throw new TraceFormatError(`${where} must be up to ${digits} hex digits`);
  return value.toLowerCase().padStart(digits, '0');
}

/** Jaeger times are whole microseconds since 1970, as JSON numbers. */
function microsToNs(value: unknown, where: string): bigint {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new TraceFormatError(`${where} must be a number of microseconds from 0 to 2^53 - 1`);
  }
  return BigInt(Math.round(value)) * 1000n;
}

/** A span's end: a negative duration is kept as the file has it, as long as the span ends after 1970. */
function endOf(startNs: bigint, duration: unknown, where: string): bigint {
  if (typeof duration !== 'number' || !Number.isFinite(duration) || Math.abs(duration) > Number.MAX_SAFE_INTEGER) {
    throw new TraceFormatError(`${where} must be a number of microseconds from -(2^53 - 1) to 2^53 - 1`);
  }
  const endNs = startNs + BigInt(Math.round(duration)) * 1000n;
  if (endNs < 0n) throw new TraceFormatError(`${where} makes the span end before 1970`);
  return endNs;
}

/** Tags and log fields: a list of {key, value}. */
function fieldsOf(list: unknown, where: string): { key: string; value: unknown }[] {
  return listOf(list, where).map((field) => {
    if (!isRecord(field) || typeof field.key !== 'string') throw new TraceFormatError(`${where}: each entry needs a "key" string`);
    return { key: field.key, value: field.value };
  });
}

function fromJaegerSpan(raw: unknown, where: string): TraceSpan {
  if (!isRecord(raw)) throw new TraceFormatError(`${where} is not an object`);
  const attributes: Record<string, AttributeValue> = {};
  let code: 0 | 1 | 2 = 0;
  let message: string | undefined;
  let kind = 1;
  for (const tag of fieldsOf(raw.tags, `${where}: tags`)) {
    if (tag.key === STATUS_TAG) code = tag.value === 'ERROR' ? 2 : 1;
    else if (tag.key === STATUS_MESSAGE_TAG) message = String(tag.value);
    else if (tag.key === 'error' && tag.value === true) code = 2;
    else if (tag.key === KIND_TAG) kind = Math.max(1, KINDS.indexOf(String(tag.value)));
    else setAttribute(attributes, tag.key, attributeOf(tag.value));
  }
  const references = listOf(raw.references, `${where}: references`).filter(isRecord);
  const parent = references.find((r) => r.refType === 'CHILD_OF') ?? references[0];
  const startNs = microsToNs(raw.startTime, `${where}: startTime`);
  return {
    traceId: hexId(raw.traceID, 32, `${where}: traceID`),
    spanId: hexId(raw.spanID, 16, `${where}: spanID`),
    ...(parent ? { parentSpanId: hexId(parent.spanID, 16, `${where}: the parent reference's spanID`) } : {}),
    name: String(raw.operationName ?? ''),
    kind,
    startNs,
    endNs: endOf(startNs, raw.duration, `${where}: duration`),
    attributes,
    events: listOf(raw.logs, `${where}: logs`).map((log) => {
      const entry = isRecord(log) ? log : {};
      let name = 'log';
      const fields: Record<string, AttributeValue> = {};
      for (const field of fieldsOf(entry.fields, `${where}: log fields`)) {
        if (field.key === 'event') name = String(attributeOf(field.value));
        else setAttribute(fields, field.key, attributeOf(field.value));
      }
      return { name, timeNs: microsToNs(entry.timestamp, `${where}: log timestamp`), attributes: fields };
    }),
    status: { code, ...(message ? { message } : {}) },
  };
}

export function fromJaegerJson(json: unknown): TraceData {
  const data = isRecord(json) ? json.data : undefined;
  if (!Array.isArray(data)) throw new TraceFormatError('not Jaeger JSON: there is no "data" array of traces');
  const trace: TraceData = { resource: {}, scope: { name: 'jaeger-import' }, spans: [] };
  data.forEach((item, t) => {
    if (!isRecord(item)) throw new TraceFormatError(`data[${t}] is not an object`);
    const first = isRecord(item.processes) ? Object.values(item.processes)[0] : undefined;
    const serviceName = isRecord(first) ? first.serviceName : undefined;
    if (typeof serviceName === 'string' && serviceName !== '' && trace.resource['service.name'] === undefined) trace.resource['service.name'] = serviceName;
    listOf(item.spans, `data[${t}].spans`).forEach((raw, i) => {
      const name = isRecord(raw) ? String(raw.operationName).slice(0, 200) : '';
      trace.spans.push(fromJaegerSpan(raw, `data[${t}].spans[${i}] (${name})`));
    });
  });
  return trace;
}
