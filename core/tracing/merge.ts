/**
 * One trace from the caller's spans and the spans targets sent back (OTLP JSON): the agents'
 * spans keep their own service name as a `service.name` attribute, since a TraceData carries
 * one resource. Spans are joined by id (the agents' roots name the caller's spans as parents).
 */
import type { TraceData } from './model';
import { fromOtlpJson } from './otlp';

export function mergeTraces(local: TraceData, remote: readonly unknown[]): TraceData {
  const spans = [...local.spans];
  const seen = new Set(spans.map((s) => s.spanId));
  for (const document of remote) {
    let trace: TraceData;
    try {
      trace = fromOtlpJson(document);
    } catch {
      continue;
    }
    const service = trace.resource['service.name'];
    for (const span of trace.spans) {
      if (seen.has(span.spanId)) continue;
      seen.add(span.spanId);
      spans.push(service !== undefined && span.attributes['service.name'] === undefined ? { ...span, attributes: { ...span.attributes, 'service.name': service } } : span);
    }
  }
  spans.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  return { ...local, spans };
}
