/**
 * What a run did to each change, for showing beside the change in the editor: its outcome, the
 * time its own spans took (from the first start to the last end of the spans that carry its
 * `reload.change.ref`: staging, loading, probes), and those spans. One pass over the spans.
 */
import type { ChangeOutcome, ChangeStatus } from '../runtime/run/types';
import type { StatusCode, TraceData } from './model';

export interface ChangeSpanSummary {
  spanId: string;
  name: string;
  durationMs: number;
  status: StatusCode;
  statusMessage?: string;
}

export interface ChangeResult {
  ref: string;
  /** The change's JSON pointer in the manifest. */
  pointer: string;
  status: ChangeStatus;
  error?: ChangeOutcome['error'];
  /** Wall time of the change's spans in ms; undefined when no span names the change. */
  durationMs?: number;
  /** The change's spans in start order. */
  spans: ChangeSpanSummary[];
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

export function changeResults(changes: readonly ChangeOutcome[], trace: TraceData): ChangeResult[] {
  const byRef = new Map<string, { first: bigint; last: bigint; spans: { start: bigint; summary: ChangeSpanSummary }[] }>();
  for (const change of changes) byRef.set(change.ref, { first: 0n, last: 0n, spans: [] });
  for (const span of trace.spans) {
    const ref = span.attributes['reload.change.ref'];
    const entry = typeof ref === 'string' ? byRef.get(ref) : undefined;
    if (!entry) continue;
    const end = span.endNs > span.startNs ? span.endNs : span.startNs;
    if (entry.spans.length === 0 || span.startNs < entry.first) entry.first = span.startNs;
    if (entry.spans.length === 0 || end > entry.last) entry.last = end;
    entry.spans.push({
      start: span.startNs,
      summary: {
        spanId: span.spanId,
        name: span.name,
        durationMs: ms(end - span.startNs),
        status: span.status.code,
        ...(span.status.message ? { statusMessage: span.status.message } : {}),
      },
    });
  }
  return changes.map((change) => {
    const entry = byRef.get(change.ref)!;
    entry.spans.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return {
      ref: change.ref,
      pointer: change.pointer,
      status: change.status,
      ...(change.error ? { error: change.error } : {}),
      ...(entry.spans.length > 0 ? { durationMs: ms(entry.last - entry.first) } : {}),
      spans: entry.spans.map((s) => s.summary),
    };
  });
}
