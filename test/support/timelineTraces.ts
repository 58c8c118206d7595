/**
 * Traces for the timeline webview's tests and bench, built in memory with the pipeline's span
 * names and attributes: a fleet apply of many targets, each validating, staging and loading its
 * changes, probing, activating; some targets fail a probe and roll back, some have an atomic
 * wave's stagings cancelled. Deterministic (a seeded generator), nested four levels deep.
 */
import type { AttributeValue, TraceData, TraceSpan } from '../../core/tracing/model';
import { spanIdOf, TRACE_ID } from './traceShapes';

const T0 = 1_700_000_000_000_000_000n;
const US = 1000n;

/** A small linear congruential generator: the same trace on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Builder {
  spans: TraceSpan[];
  next: () => number;
  limit: number;
}

function add(builder: Builder, parent: TraceSpan | undefined, name: string, startUs: bigint, durationUs: bigint, attributes: Record<string, AttributeValue> = {}, error?: string): TraceSpan {
  const span: TraceSpan = {
    traceId: TRACE_ID,
    spanId: spanIdOf(builder.spans.length + 1),
    ...(parent ? { parentSpanId: parent.spanId } : {}),
    name,
    kind: 1,
    startNs: T0 + startUs * US,
    endNs: T0 + (startUs + durationUs) * US,
    attributes,
    events: error ? [{ name: 'exception', timeNs: T0 + (startUs + durationUs) * US, attributes: { 'exception.type': attributes['error.type'] ?? 'Error', 'exception.message': error } }] : [],
    status: error ? { code: 2, message: error } : { code: 1 },
  };
  builder.spans.push(span);
  return span;
}

const us = (builder: Builder, low: number, high: number): bigint => BigInt(Math.round(low + builder.next() * (high - low)));

/** One target's reload: validate, verify, stage and load each change, probe, activate (or fail and roll back). Returns its end in µs. */
function target(builder: Builder, root: TraceSpan, index: number, startUs: bigint): bigint {
  const changes = 6 + Math.floor(builder.next() * 10);
  const fails = index % 7 === 3;
  const cancelled = index % 11 === 5;
  const span = add(builder, root, 'reload.target', startUs, 0n, { 'reload.target': `target-${index}` });
  let at = startUs + us(builder, 5, 50);
  for (const name of ['reload.validate', 'reload.verify']) {
    const d = us(builder, 50, 900);
    add(builder, span, name, at, d);
    at += d;
  }
  for (let c = 0; c < changes && builder.spans.length < builder.limit; c++) {
    const ref = c % 3 === 0 ? `model:m${index}-${c}` : c % 3 === 1 ? `config:c${index}-${c}` : `flagset:f${index}-${c}`;
    const kind = c % 3 === 0 ? 'Model' : c % 3 === 1 ? 'Config' : 'FlagSet';
    const stage = us(builder, 100, 8000);
    const stageSpan = add(builder, span, 'reload.stage', at, stage, { 'reload.change.ref': ref, 'reload.change.kind': kind, 'artifact.size': Math.round(builder.next() * 5e7), ...(cancelled && c === changes - 1 ? { 'reload.cancelled': true } : {}) });
    if (kind === 'Model') add(builder, stageSpan, 'reload.context.deserialize', at + 10n, stage / 3n, { 'reload.change.ref': ref });
    const load = us(builder, 200, 20000);
    add(builder, span, 'reload.load', at + stage, load, { 'reload.change.ref': ref, 'reload.change.kind': kind });
    at += stage / 2n;
  }
  at += us(builder, 1000, 20000);
  const probe = us(builder, 300, 5000);
  add(builder, span, 'reload.probe', at, probe, { 'reload.probe.id': 'golden', 'reload.change.ref': `model:m${index}-0`, ...(fails ? { 'error.type': 'ProbeFailed' } : {}) }, fails ? `Output "y"[1] is 0.52, expected 0.4 ± 0.0001 (target-${index})` : undefined);
  at += probe;
  const activate = us(builder, 100, 900);
  add(builder, span, 'reload.activate', at, activate, { 'reload.generation': index + 1 });
  at += activate;
  if (fails) {
    const rollback = us(builder, 100, 2000);
    add(builder, span, 'reload.rollback', at, rollback, { 'reload.rollback.reason': 'post-activation probe failed' });
    at += rollback;
  }
  span.endNs = T0 + at * US;
  if (fails) span.status = { code: 2, message: 'probe golden failed; rolled back' };
  return at;
}

/**
 * A fleet apply with exactly `spanCount` spans (at least 1): the root `reload.apply`, then
 * targets in waves of eight running side by side.
 */
export function fleetTrace(spanCount: number, seed = 42): TraceData {
  const builder: Builder = { spans: [], next: random(seed), limit: spanCount };
  const root = add(builder, undefined, 'reload.apply', 0n, 0n, { 'reload.manifest.name': 'fleet', 'reload.serial': 7 });
  let waveStart = 100n;
  let end = waveStart;
  for (let index = 0; builder.spans.length < spanCount; index++) {
    if (index % 8 === 0 && index > 0) waveStart = end + 50n;
    const targetEnd = target(builder, root, index, waveStart + BigInt(index % 8) * 40n);
    if (targetEnd > end) end = targetEnd;
  }
  builder.spans.length = spanCount;
  root.endNs = T0 + (end + 100n) * US;
  return { resource: { 'service.name': 'reloadctl', 'host.name': 'bench' }, scope: { name: 'tracing-reload' }, spans: builder.spans };
}
