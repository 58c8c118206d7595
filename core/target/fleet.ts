/**
 * Applying one manifest to one or many targets (DESIGN.md §6.3): in waves by
 * `spec.rollout.steps` (`setWeight` is the share of targets reached after the step, `pause` waits
 * between waves), one trace for the whole rollout (`reload.fleet` → `reload.wave` →
 * `reload.target`, whose context the agent joins through `traceparent`), and when a wave fails,
 * no further wave starts and the targets already changed are rolled back to their previous
 * stable generation. The same path applies to a single target (one wave).
 */
import { SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { RolloutStep } from '../model/types';
import { contextWith } from '../tracing/recorder';
import type { ApplyEvent, ApplyStatus } from './api';
import { TargetError, type TargetClient } from './client';

export interface FleetTarget {
  name: string;
  url: string;
  client: TargetClient;
}

/** An artifact the targets may need: uploaded when a target does not have its digest. */
export interface BlobUpload {
  digest: string;
  size: number;
  /** The file it comes from, for messages. */
  uri: string;
  open(): AsyncIterable<Uint8Array>;
}

export interface FleetOptions {
  targets: readonly FleetTarget[];
  /** What is POSTed to /applies: the manifest, or its DSSE envelope. */
  body: string;
  manifest: { name: string; serial?: number; uid?: string };
  rollout: readonly RolloutStep[];
  uploads: readonly BlobUpload[];
  tracer: Tracer;
  /** The Idempotency-Key of this rollout; each target gets it (rollbacks get `<key>/rollback`). */
  key: string;
  onEvent?: (target: FleetTarget, event: FleetEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export type FleetEvent =
  | { kind: 'wave'; index: number; targets: string[] }
  | { kind: 'upload'; uri: string; digest: string; size: number }
  | { kind: 'started'; status: ApplyStatus; replayed: boolean }
  | { kind: 'apply'; event: ApplyEvent }
  | { kind: 'ended'; status?: ApplyStatus; error?: string }
  | { kind: 'rollback'; status?: ApplyStatus; error?: string }
  | { kind: 'pause'; ms: number };

export interface TargetResult {
  name: string;
  url: string;
  wave: number;
  /** The apply's last status (absent when the target refused it or could not be reached). */
  status?: ApplyStatus;
  error?: { message: string; problem?: string };
  /** The rollback after a later failure, if this target was rolled back. */
  rollback?: { status?: ApplyStatus; error?: string };
}

export interface FleetResult {
  outcome: 'Succeeded' | 'Failed' | 'RolledBack';
  traceId: string;
  waves: number;
  /** The wave that failed (0-based), if one did. */
  failedWave?: number;
  targets: TargetResult[];
  /** Each apply's and rollback's spans from the agents (OTLP JSON documents). */
  remoteSpans: unknown[];
}

/** Splits targets into waves: each `setWeight` step reaches ceil(n × weight / 100) targets in all; the rest come last. */
export function planWaves<T>(targets: readonly T[], steps: readonly RolloutStep[]): { targets: T[]; pauseMs: number }[] {
  const waves: { targets: T[]; pauseMs: number }[] = [];
  let reached = 0;
  let pauseMs = 0;
  for (const step of steps) {
    if (step.pause) {
      pauseMs += step.pause.ms ?? 0;
      continue;
    }
    if (step.setWeight === undefined) continue;
    const upTo = Math.min(targets.length, Math.max(step.setWeight > 0 ? 1 : 0, Math.ceil((targets.length * step.setWeight) / 100)));
    if (upTo <= reached) continue;
    waves.push({ targets: targets.slice(reached, upTo), pauseMs });
    pauseMs = 0;
    reached = upTo;
  }
  if (reached < targets.length) waves.push({ targets: targets.slice(reached), pauseMs });
  return waves;
}

export function traceparentOf(span: Span): string {
  const context = span.spanContext();
  return `00-${context.traceId}-${context.spanId}-01`;
}

export async function applyToFleet(options: FleetOptions): Promise<FleetResult> {
  const { tracer } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const waves = planWaves(options.targets, options.rollout);
  const root = tracer.startSpan('reload.fleet', {
    attributes: { 'reload.manifest.name': options.manifest.name, 'reload.targets': options.targets.length, 'reload.waves': waves.length, ...(options.manifest.serial !== undefined ? { 'reload.serial': options.manifest.serial } : {}), ...(options.manifest.uid ? { 'reload.manifest.uid': options.manifest.uid } : {}) },
  });
  const rootContext = contextWith(root);
  const results: TargetResult[] = [];
  const remoteSpans: unknown[] = [];
  let failedWave: number | undefined;
  try {
    for (const [index, wave] of waves.entries()) {
      if (index > 0 && wave.pauseMs > 0) {
        for (const target of wave.targets) options.onEvent?.(target, { kind: 'pause', ms: wave.pauseMs });
        const pause = tracer.startSpan('reload.pause', { attributes: { 'reload.pause_ms': wave.pauseMs } }, rootContext);
        await sleep(wave.pauseMs);
        pause.end();
      }
      const waveSpan = tracer.startSpan('reload.wave', { attributes: { 'reload.wave.index': index, 'reload.wave.targets': wave.targets.length } }, rootContext);
      const waveContext = contextWith(waveSpan, rootContext);
      for (const target of wave.targets) options.onEvent?.(target, { kind: 'wave', index, targets: wave.targets.map((t) => t.name) });
      const outcomes = await Promise.all(wave.targets.map((target) => applyToTarget(target, index, options, waveContext)));
      for (const outcome of outcomes) {
        results.push(outcome.result);
        if (outcome.spans) remoteSpans.push(outcome.spans);
      }
      const failed = outcomes.filter((o) => o.result.status?.phase !== 'Succeeded');
      waveSpan.setAttribute('reload.wave.failed', failed.length);
      if (failed.length > 0) {
        waveSpan.setStatus({ code: SpanStatusCode.ERROR, message: `${failed.length} of ${wave.targets.length} targets failed` });
        waveSpan.end();
        failedWave = index;
        break;
      }
      waveSpan.setStatus({ code: SpanStatusCode.OK });
      waveSpan.end();
    }
    if (failedWave !== undefined) {
      // Roll back every target this rollout changed (the failed ones' agents already kept or restored their generation).
      const changed = results.filter((r) => r.status?.phase === 'Succeeded');
      await Promise.all(
        changed.map(async (result) => {
          const target = options.targets.find((t) => t.name === result.name)!;
          const span = tracer.startSpan('reload.rollback', { attributes: { 'reload.target.name': target.name, 'reload.target.url': target.url } }, rootContext);
          try {
            const started = await target.client.startRollback('previousStable', { key: `${options.key}/rollback`, traceparent: traceparentOf(span), signal: options.signal });
            const status = await target.client.follow(started.status.id, undefined, options.signal);
            if (status.spans) remoteSpans.push(status.spans);
            result.rollback = { status };
            if (status.phase !== 'Succeeded') throw new Error(status.error?.message ?? `the rollback ended ${status.phase}`);
            span.setStatus({ code: SpanStatusCode.OK });
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            result.rollback = { ...result.rollback, error: message };
            span.setStatus({ code: SpanStatusCode.ERROR, message });
          } finally {
            span.end();
            options.onEvent?.(target, { kind: 'rollback', status: result.rollback?.status, error: result.rollback?.error });
          }
        }),
      );
    }
  } finally {
    root.end();
  }
  const outcome = fleetOutcome(results, failedWave);
  root.setAttribute('reload.outcome', outcome);
  return { outcome, traceId: root.spanContext().traceId, waves: waves.length, failedWave, targets: results, remoteSpans };
}

function fleetOutcome(results: readonly TargetResult[], failedWave: number | undefined): FleetResult['outcome'] {
  if (failedWave === undefined) return 'Succeeded';
  if (results.length === 1) return results[0].status?.phase === 'RolledBack' ? 'RolledBack' : 'Failed';
  const changed = results.filter((r) => r.status?.phase === 'Succeeded');
  return changed.length > 0 && changed.every((r) => r.rollback?.status?.phase === 'Succeeded') ? 'RolledBack' : 'Failed';
}

async function applyToTarget(target: FleetTarget, wave: number, options: FleetOptions, parent: Context): Promise<{ result: TargetResult; spans?: unknown }> {
  const { tracer } = options;
  const span = tracer.startSpan('reload.target', { attributes: { 'reload.target.name': target.name, 'reload.target.url': target.url, 'reload.wave.index': wave } }, parent);
  const result: TargetResult = { name: target.name, url: target.url, wave };
  const context = contextWith(span, parent);
  try {
    for (const upload of options.uploads) {
      if (await target.client.hasBlob(upload.digest, options.signal)) continue;
      options.onEvent?.(target, { kind: 'upload', uri: upload.uri, digest: upload.digest, size: upload.size });
      const uploadSpan = tracer.startSpan('reload.upload', { attributes: { 'artifact.digest': upload.digest, 'artifact.size': upload.size } }, context);
      try {
        await target.client.putBlob(upload.digest, upload.size, () => upload.open(), options.signal);
        uploadSpan.setStatus({ code: SpanStatusCode.OK });
      } catch (error) {
        uploadSpan.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        uploadSpan.end();
      }
    }
    const started = await target.client.startApply(options.body, { key: options.key, traceparent: traceparentOf(span), signal: options.signal });
    options.onEvent?.(target, { kind: 'started', status: started.status, replayed: started.replayed });
    const status = await target.client.follow(started.status.id, (event) => options.onEvent?.(target, { kind: 'apply', event }), options.signal);
    result.status = status;
    span.setAttribute('reload.outcome', status.phase);
    if (status.generation !== undefined) span.setAttribute('reload.generation', status.generation);
    span.setStatus(status.phase === 'Succeeded' ? { code: SpanStatusCode.OK } : { code: SpanStatusCode.ERROR, message: status.error?.message ?? status.phase });
    options.onEvent?.(target, { kind: 'ended', status });
    return { result, spans: status.spans };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result.error = { message, problem: error instanceof TargetError ? error.kind : undefined };
    span.setAttribute('error.type', error instanceof TargetError ? (error.kind ?? error.reason) : 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    options.onEvent?.(target, { kind: 'ended', error: message });
    return { result };
  } finally {
    span.end();
  }
}

/** The trace id a context carries (for tests and logs). */
export function traceIdOf(context: Context): string | undefined {
  return trace.getSpanContext(context)?.traceId;
}
