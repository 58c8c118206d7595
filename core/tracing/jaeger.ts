/** Jaeger's JSON (the query API / UI download format): read, and written for `trace convert --to jaeger`. */
import type { AttributeValue, TraceData, TraceSpan } from './model';
import { TraceFormatError } from './otlp';

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

export function toJaegerJson(trace: TraceData): unknown {
  const serviceName = String(trace.resource['service.name'] ?? 'tracing-reload');
  const byTrace = new Map<string, TraceSpan[]>();
  for (const span of trace.spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  return {
    data: [...byTrace].map(([traceID, spans]) => ({
      traceID,
      spans: spans.map((span) => ({
        traceID,
        spanID: span.spanId,
        operationName: span.name,
        references: span.parentSpanId ? [{ refType: 'CHILD_OF', traceID, spanID: span.parentSpanId }] : [],
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
      })),
      processes: { p1: { serviceName, tags: tags(Object.fromEntries(Object.entries(trace.resource).filter(([k]) => k !== 'service.name'))) } },
    })),
  };
}

function attributeOf(tag: JaegerTag): AttributeValue {
  const value = tag.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export function fromJaegerJson(json: unknown): TraceData {
  const data = (json as { data?: unknown[] })?.data;
  if (!Array.isArray(data)) throw new TraceFormatError('not Jaeger JSON: there is no "data" array of traces');
  const trace: TraceData = { resource: {}, scope: { name: 'jaeger-import' }, spans: [] };
  for (const entry of data as { spans?: JaegerSpan[]; processes?: Record<string, { serviceName?: string }> }[]) {
    const first = Object.values(entry.processes ?? {})[0];
    if (first?.serviceName && trace.resource['service.name'] === undefined) trace.resource['service.name'] = first.serviceName;
    for (const span of entry.spans ?? []) {
      if (typeof span.traceID !== 'string' || typeof span.spanID !== 'string') throw new TraceFormatError(`span "${span.operationName}" lacks traceID or spanID`);
      const attributes: Record<string, AttributeValue> = {};
      let code: 0 | 1 | 2 = 0;
      let message: string | undefined;
      let kind = 1;
      for (const tag of span.tags ?? []) {
        if (tag.key === STATUS_TAG) code = tag.value === 'ERROR' ? 2 : 1;
        else if (tag.key === STATUS_MESSAGE_TAG) message = String(tag.value);
        else if (tag.key === 'error' && tag.value === true) code = 2;
        else if (tag.key === KIND_TAG) kind = Math.max(1, KINDS.indexOf(String(tag.value)));
        else attributes[tag.key] = attributeOf(tag);
      }
      const parent = span.references?.find((r) => r.refType === 'CHILD_OF') ?? span.references?.[0];
      const startNs = BigInt(Math.round(span.startTime)) * 1000n;
      trace.spans.push({
        traceId: span.traceID.padStart(32, '0'),
        spanId: span.spanID.padStart(16, '0'),
        ...(parent ? { parentSpanId: parent.spanID.padStart(16, '0') } : {}),
        name: span.operationName,
        kind,
        startNs,
        endNs: startNs + BigInt(Math.round(span.duration)) * 1000n,
        attributes,
        events: (span.logs ?? []).map((log) => {
          const fields = Object.fromEntries(log.fields.map((f) => [f.key, attributeOf(f)]));
          const { event, ...rest } = fields;
          return { name: String(event ?? 'log'), timeNs: BigInt(Math.round(log.timestamp)) * 1000n, attributes: rest };
        }),
        status: { code, ...(message ? { message } : {}) },
      });
    }
  }
  return trace;
}
