/**
 * What bench/agent does to agents, through the same client code as `reloadctl`: applies and
 * rollbacks followed to their end (TargetClient), fleet applies (applyToFleet, with the blob
 * uploads `reloadctl apply` makes), and the agent's own spans of each apply read back from its
 * OTLP JSON, so agent-side durations come from the agent's clock.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ApplyStatus } from '../core/target/api';
import { TargetClient } from '../core/target/client';
import { applyToFleet, type BlobUpload, type FleetResult } from '../core/target/fleet';
import { createTraceRecorder } from '../core/tracing/recorder';
import { validateManifest } from '../core/validate';
import type { BenchModel } from './agentManifests';

export function clientOf(url: string): TargetClient {
  return new TargetClient({ url, fetch, timeoutMs: 120_000 });
}

export function uploadOf(model: BenchModel): BlobUpload {
  return { digest: model.digest, size: model.size, uri: model.uri, open: () => createReadStream(model.path) };
}

function mustSucceed(status: ApplyStatus): ApplyStatus {
  if (status.phase !== 'Succeeded') throw new Error(`${status.kind} ${status.id} ended ${status.phase}: ${status.error?.type}: ${status.error?.message}`);
  return status;
}

/** POST /applies, then its event stream to the end. */
export async function applyOnce(client: TargetClient, text: string): Promise<ApplyStatus> {
  const started = await client.startApply(text, { key: randomUUID() });
  return mustSucceed(await client.follow(started.status.id));
}

/** POST /rollbacks {"to": "previousStable"}, then its event stream to the end. */
export async function rollbackOnce(client: TargetClient): Promise<ApplyStatus> {
  const started = await client.startRollback('previousStable', { key: randomUUID() });
  return mustSucceed(await client.follow(started.status.id));
}

export interface TimedFleetApply {
  result: FleetResult;
  ms: number;
  /** The driver's own spans (reload.fleet, reload.wave, reload.target, reload.upload) by name, in ms. */
  local: Map<string, number[]>;
  /** Per target, in wave order: the driver's reload.target span and the agent's spans of its apply. */
  targets: TargetTiming[];
}

export interface TargetTiming {
  wave: number;
  /** The driver's reload.target span (upload check, upload, POST, events to the end). */
  client: AgentSpan;
  agent: AgentSpan[];
  /** The agent's reload.apply span. */
  root: AgentSpan;
}

/** What `reloadctl apply <manifest> --target …` does: validates, uploads where missing, applies in waves by spec.rollout, follows. */
export async function applyToAgents(urls: readonly string[], text: string, uploads: BlobUpload[]): Promise<TimedFleetApply> {
  const recorder = createTraceRecorder({ serviceName: 'bench' });
  const started = performance.now();
  const { model, diagnostics } = validateManifest(text);
  if (!model || diagnostics.some((d) => d.severity === 'error')) throw new Error(`a bench manifest is not valid: ${JSON.stringify(diagnostics)}`);
  const result = await applyToFleet({
    targets: urls.map((url) => ({ name: new URL(url).host, url, client: clientOf(url) })),
    body: text,
    manifest: { name: model.metadata.name ?? '', serial: model.metadata.serial, uid: model.metadata.uid },
    rollout: model.rollout,
    uploads,
    tracer: recorder.tracer,
    key: randomUUID(),
  });
  const ms = performance.now() - started;
  if (result.outcome !== 'Succeeded') {
    const failed = result.targets.find((t) => t.status?.phase !== 'Succeeded');
    throw new Error(`the fleet apply ended ${result.outcome}: ${failed?.name}: ${failed?.error?.message ?? failed?.status?.error?.message}`);
  }
  const local = new Map<string, number[]>();
  const finished = recorder.finishedSpans();
  for (const span of finished) {
    const spanMs = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    local.set(span.name, [...(local.get(span.name) ?? []), spanMs]);
  }
  await recorder.shutdown();
  const targets = result.targets.map((target): TargetTiming => {
    const span = finished.find((s) => s.name === 'reload.target' && s.attributes['reload.target.url'] === target.url)!;
    const agent = agentSpans(target.status!.spans);
    const epoch = (time: [number, number]): number => time[0] * 1e3 + time[1] / 1e6;
    return { wave: target.wave, client: { name: span.name, start: epoch(span.startTime), end: epoch(span.endTime) }, agent, root: agent.find((s) => s.name === 'reload.apply')! };
  });
  return { result, ms, local, targets };
}

export interface AgentSpan {
  name: string;
  /** Epoch ms. */
  start: number;
  end: number;
}

interface OtlpSpans {
  resourceSpans?: { scopeSpans?: { spans?: { name: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[] }[];
}

/** The agent's spans of an apply or rollback (from its status), with epoch-ms times. */
export function agentSpans(spans: unknown): AgentSpan[] {
  const document = spans as OtlpSpans | undefined;
  return (document?.resourceSpans ?? []).flatMap((r) =>
    (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((span) => ({ name: span.name, start: Number(BigInt(span.startTimeUnixNano) / 1000n) / 1000, end: Number(BigInt(span.endTimeUnixNano) / 1000n) / 1000 }))),
  );
}

/** Total ms of the agent's spans called `name` in one apply (0 when it has none). */
export function agentMs(spans: readonly AgentSpan[], name: string): number {
  return spans.filter((s) => s.name === name).reduce((sum, s) => sum + (s.end - s.start), 0);
}
