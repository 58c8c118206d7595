/**
 * A format-neutral trace: what the OTLP, Jaeger and Chrome formats are converted from and to.
 * Times are nanoseconds since the Unix epoch as BigInt (OTLP JSON carries them as strings, and
 * they exceed Number's exact range).
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

export interface TraceEvent {
  name: string;
  timeNs: bigint;
  attributes: Record<string, AttributeValue>;
}

/** Status codes as OTLP numbers them: 0 unset, 1 ok, 2 error. */
export type StatusCode = 0 | 1 | 2;

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  events: TraceEvent[];
  status: { code: StatusCode; message?: string };
}

export interface TraceData {
  resource: Record<string, AttributeValue>;
  scope: { name: string; version?: string };
  spans: TraceSpan[];
}

function hrToNs([seconds, nanos]: [number, number]): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

export function fromReadableSpans(spans: readonly ReadableSpan[], resource: Record<string, AttributeValue> = {}): TraceData {
  const scope = spans[0]?.instrumentationScope ?? { name: 'tracing-reload' };
  return {
    resource,
    scope: { name: scope.name, ...(scope.version ? { version: scope.version } : {}) },
    spans: spans.map((span) => ({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
      name: span.name,
      kind: span.kind + 1,
      startNs: hrToNs(span.startTime),
      endNs: hrToNs(span.endTime),
      attributes: { ...(span.attributes as Record<string, AttributeValue>) },
      events: span.events.map((event) => ({ name: event.name, timeNs: hrToNs(event.time), attributes: { ...((event.attributes ?? {}) as Record<string, AttributeValue>) } })),
      status: { code: span.status.code as StatusCode, ...(span.status.message ? { message: span.status.message } : {}) },
    })),
  };
}

/**
 * Sets an attribute read from a file as an own property, whatever its key: a plain assignment of
 * `__proto__` would replace the record's prototype instead (and lose the attribute).
 */
export function setAttribute(attributes: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  Object.defineProperty(attributes, key, { value, enumerable: true, writable: true, configurable: true });
}
