/**
 * Traces of a given shape, built in memory, for scale and hostile-input tests: many parallel
 * children, long parent chains, parent cycles. Ids are hex like real ones; times are nanoseconds.
 */
import type { TraceData, TraceSpan } from '../../core/tracing/model';

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The span id for a number: 16 hex digits. */
export const spanIdOf = (n: number): string => n.toString(16).padStart(16, '0');

export function spanOf(n: number, parent: number | undefined, startNs: bigint, endNs: bigint, name = `step-${n}`): TraceSpan {
  return {
    traceId: TRACE_ID,
    spanId: spanIdOf(n),
    ...(parent !== undefined ? { parentSpanId: spanIdOf(parent) } : {}),
    name,
    kind: 1,
    startNs,
    endNs,
    attributes: { 'reload.change.ref': `model:m${n}` },
    events: [],
    status: { code: 1 },
  };
}

export const traceOf = (spans: TraceSpan[]): TraceData => ({ resource: { 'service.name': 'shapes' }, scope: { name: 'tracing-reload' }, spans });

const T0 = 1_700_000_000_000_000_000n;

/** One root and `children` children that all overlap each other (started 1 µs apart, each 1 s long). */
export function wideTrace(children: number): TraceData {
  const spans = [spanOf(1, undefined, T0, T0 + 2_000_000_000n + BigInt(children) * 1000n, 'reload.dryRun')];
  for (let i = 0; i < children; i++) {
    const start = T0 + 1000n + BigInt(i) * 1000n;
    spans.push(spanOf(i + 2, 1, start, start + 1_000_000_000n));
  }
  return traceOf(spans);
}

/** A chain of `depth` spans, each the parent of the next and enclosing it in time. */
export function deepTrace(depth: number): TraceData {
  const spans: TraceSpan[] = [];
  for (let i = 0; i < depth; i++) spans.push(spanOf(i + 1, i === 0 ? undefined : i, T0 + BigInt(i) * 1000n, T0 + BigInt(2 * depth - i) * 1000n));
  return traceOf(spans);
}
