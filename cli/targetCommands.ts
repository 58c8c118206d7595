/**
 * `reloadctl apply|rollback|status|history` (DESIGN.md §6.1, §6.3): the commands that talk to
 * reload agents. Apply validates the manifest here first (an invalid manifest never reaches a
 * target), uploads the local artifacts a target lacks, signs with `--key`, applies in waves across
 * `--target`s (or the manifest's `spec.targets`, resolved through `--targets-file`), follows each
 * apply to its end, and prints one merged trace: its own spans and every agent's.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { escapeControlCharacters } from '../core/terminalText';
import { prettyJsonText } from '../core/jsonChunks';
import type { ApplyStatus, HistoryEntry, TargetStatus } from '../core/target/api';
import { TargetClient, TargetError } from '../core/target/client';
import { applyToFleet, traceparentOf, type FleetEvent, type FleetResult, type FleetTarget } from '../core/target/fleet';
import { mergeTraces } from '../core/tracing/merge';
import { fromReadableSpans } from '../core/tracing/model';
import { toOtlpJsonStream } from '../core/tracing/otlp';
import { createTraceRecorder } from '../core/tracing/recorder';
import { renderTimeline } from '../core/tracing/timeline';
import { validateManifest } from '../core/validate';
import { writeFileAtomically } from '../node/atomicWrite';
import { KeyError, privateKeyFromPem, signManifest } from '../node/dsse';
import { localUploads } from '../node/targetUploads';
import { EXIT, UsageError, type CommandIo } from './io';
import { inputName, readManifestFile } from './readInput';
import { formatText } from './report';

type Env = Readonly<Record<string, string | undefined>>;

export interface TargetFlags {
  targets: readonly string[];
  targetsFile?: string;
  tokenFile?: string;
  format: 'text' | 'json';
  /** Attempts after the first for each request (default 5). */
  retries?: number;
  timeoutMs?: number;
}

export interface ApplyFlags extends TargetFlags {
  key?: string;
  traceOut?: string;
  roots: readonly string[];
  color: boolean;
}

interface NamedTarget {
  name: string;
  url: string;
  tokenFile?: string;
}

/** The targets: `--target` URLs, or names looked up in the targets file (`[{name, url, tokenFile?}]`). */
async function resolveTargets(values: readonly string[], file: string | undefined): Promise<NamedTarget[]> {
  let known: NamedTarget[] | undefined;
  const load = async (): Promise<NamedTarget[]> => {
    if (known) return known;
    if (!file) throw new UsageError(`target names need a --targets-file (or RELOAD_TARGETS_FILE): a JSON list of {"name", "url"}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read the targets file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((t) => typeof t?.name === 'string' && typeof t?.url === 'string')) throw new UsageError(`the targets file ${file} must be a JSON list of {"name": "…", "url": "http://…"}`);
    known = parsed.map((t: NamedTarget) => ({ name: t.name, url: t.url, tokenFile: typeof t.tokenFile === 'string' ? resolve(file, '..', t.tokenFile) : undefined }));
    return known;
  };
  const targets: NamedTarget[] = [];
  for (const value of values) {
    if (/^https?:\/\//i.test(value)) {
      targets.push({ name: new URL(value).host, url: value });
      continue;
    }
    const found = (await load()).find((t) => t.name === value);
    if (!found) throw new UsageError(`no target named "${value}" in ${file}`);
    targets.push(found);
  }
  for (const target of targets) {
    try {
      new URL(target.url);
    } catch {
      throw new UsageError(`target ${target.name}: "${target.url}" is not a URL`);
    }
  }
  return targets;
}

async function tokenFor(target: NamedTarget, flags: TargetFlags, env: Env): Promise<string | undefined> {
  const file = target.tokenFile ?? flags.tokenFile;
  if (file !== undefined) {
    try {
      return (await fs.readFile(file, 'utf8')).trim();
    } catch (error) {
      throw new UsageError(`cannot read the token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return env.RELOAD_TOKEN?.trim() || undefined;
}

async function clientFor(target: NamedTarget, flags: TargetFlags, env: Env): Promise<TargetClient> {
  return new TargetClient({ url: target.url, token: await tokenFor(target, flags, env), fetch, retries: flags.retries, timeoutMs: flags.timeoutMs });
}

function refused(io: CommandIo, target: string, error: unknown): number {
  if (error instanceof TargetError) {
    const kind = error.kind ? ` (${error.kind})` : '';
    io.stderr(`reloadctl: ${escapeControlCharacters(target)}: ${escapeControlCharacters(error.message)}${kind}\n`);
    const diagnostics = (error.problem as { diagnostics?: { pointer: string; code: string; message: string }[] } | undefined)?.diagnostics ?? [];
    for (const d of diagnostics) io.stderr(`  ${escapeControlCharacters(d.pointer || '/')}: ${escapeControlCharacters(d.message)} [${escapeControlCharacters(d.code)}]\n`);
    return EXIT.failed;
  }
  throw error;
}

// ——— apply ———

export async function applyCommand(file: string, flags: ApplyFlags, io: CommandIo, env: Env): Promise<number> {
  const name = inputName(file);
  const input = await readManifestFile(file, 'manifest', io.stdin);
  if (!input.ok) {
    io.stderr(`reloadctl: ${escapeControlCharacters(name)}: ${escapeControlCharacters(input.reason)}\n`);
    return EXIT.usage;
  }
  // The target decides expiry by its own clock; everything else is checked here, before any request.
  const checked = validateManifest(input.text);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'manifest-expired');
  if (errors.length > 0 || !checked.model || checked.format?.legacy) {
    io.stderr(`reloadctl: ${escapeControlCharacters(name)} is not applied: ${checked.format?.legacy ? 'it is a legacy manifest; migrate it first (reloadctl migrate --write)' : 'it is not valid'}.\n`);
    if (errors.length > 0) io.stderr(formatText([{ file: name, diagnostics: errors }]));
    return EXIT.usage;
  }
  const model = checked.model;
  const wanted = flags.targets.length > 0 ? flags.targets : model.targets.map((t) => t.name);
  if (wanted.length === 0) throw new UsageError('apply needs --target <url> (repeatable), or spec.targets in the manifest with a --targets-file');
  const named = await resolveTargets(wanted, flags.targetsFile);
  if (new Set(named.map((t) => t.url)).size !== named.length) throw new UsageError('a target is named twice');
  let body = input.text;
  if (flags.key !== undefined) {
    try {
      body = JSON.stringify(signManifest(Buffer.from(input.text, 'utf8'), privateKeyFromPem(await fs.readFile(flags.key, 'utf8'), `--key ${flags.key}`)));
    } catch (error) {
      if (error instanceof KeyError) throw new UsageError(error.message);
      throw new UsageError(`cannot read --key ${flags.key}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const targets: FleetTarget[] = await Promise.all(named.map(async (t) => ({ name: t.name, url: t.url, client: await clientFor(t, flags, env) })));
  const recorder = createTraceRecorder({ serviceName: 'reloadctl' });
  const result = await applyToFleet({
    targets,
    body,
    manifest: { name: model.metadata.name ?? '', serial: model.metadata.serial, uid: model.metadata.uid },
    rollout: model.rollout,
    uploads: await localUploads(model, resolve(file), flags.roots),
    tracer: recorder.tracer,
    key: randomUUID(),
    onEvent: flags.format === 'text' ? progress(io, targets.length > 1) : undefined,
  });
  const trace = mergeTraces(fromReadableSpans(recorder.finishedSpans(), { 'service.name': 'reloadctl' }), result.remoteSpans);
  await recorder.shutdown().catch(() => undefined);
  let traceLost = false;
  if (flags.traceOut) {
    const written = await writeFileAtomically(flags.traceOut, prettyJsonText(toOtlpJsonStream(trace)));
    if (!written.ok) {
      io.stderr(`reloadctl: cannot write the trace to ${escapeControlCharacters(flags.traceOut)}: ${escapeControlCharacters(written.message)}\n`);
      traceLost = true;
    }
  }
  if (flags.format === 'json') {
    await io.writeStdout(prettyJsonText({ file: name, outcome: result.outcome, traceId: result.traceId, waves: result.waves, failedWave: result.failedWave, targets: result.targets.map(({ status, ...rest }) => ({ ...rest, status: status && withoutSpans(status) })), trace: toOtlpJsonStream(trace) }));
  } else {
    const timeline = renderTimeline(trace, { color: flags.color });
    io.stdout(timeline.text);
    io.stdout(summary(result));
  }
  const exit = result.outcome === 'Succeeded' ? EXIT.ok : EXIT.failed;
  return traceLost ? Math.max(exit, EXIT.failed) : exit;
}

function withoutSpans(status: ApplyStatus): Omit<ApplyStatus, 'spans'> {
  const { spans: _spans, ...rest } = status;
  void _spans;
  return rest;
}

/** One line on stderr per phase change, upload, wave and end. */
function progress(io: CommandIo, fleet: boolean): (target: FleetTarget, event: FleetEvent) => void {
  const waves = new Set<number>();
  return (target, event) => {
    const who = escapeControlCharacters(target.name);
    switch (event.kind) {
      case 'wave':
        if (fleet && !waves.has(event.index)) {
          waves.add(event.index);
          io.stderr(`wave ${event.index + 1}: ${event.targets.map(escapeControlCharacters).join(', ')}\n`);
        }
        break;
      case 'pause':
        io.stderr(`${who}: pausing ${event.ms} ms before its wave\n`);
        break;
      case 'upload':
        io.stderr(`${who}: uploading ${escapeControlCharacters(event.uri)} (${event.size} bytes)\n`);
        break;
      case 'started':
        io.stderr(`${who}: apply ${event.status.id}${event.replayed ? ' (already started by an earlier attempt)' : ''}\n`);
        break;
      case 'apply':
        if (event.event.event === 'phase') io.stderr(`${who}: ${event.event.data.phase}\n`);
        break;
      case 'rollback':
        io.stderr(`${who}: rolled back${event.error ? ` — FAILED: ${escapeControlCharacters(event.error)}` : ` (serial ${event.status?.serial ?? '?'})`}\n`);
        break;
      default:
        break;
    }
  };
}

function summary(result: FleetResult): string {
  const lines: string[] = [];
  for (const t of result.targets) {
    const head = `${escapeControlCharacters(t.name)} (${escapeControlCharacters(t.url)})`;
    if (!t.status) {
      lines.push(`${head}: refused — ${escapeControlCharacters(t.error?.message ?? 'unknown error')}${t.error?.problem ? ` [${t.error.problem}]` : ''}`);
      continue;
    }
    const s = t.status;
    lines.push(`${head}: ${s.phase}${s.serial !== undefined ? ` · serial ${s.serial}` : ''}${s.generation !== undefined ? ` · generation ${s.generation}` : ''}${t.rollback ? ` · rolled back${t.rollback.error ? ' FAILED' : ''}` : ''}`);
    for (const change of s.changes) {
      const nack = change.accepted.status === 'NACK' ? change.accepted : change.activated?.status === 'NACK' ? change.activated : undefined;
      const mark = nack ? 'NACK' : 'ACK ';
      const why = nack?.error ? ` ${escapeControlCharacters(nack.error.type)}: ${escapeControlCharacters(nack.error.message)}${nack.error.pointer ? ` at ${escapeControlCharacters(nack.error.pointer)}` : ''}` : '';
      lines.push(`  ${mark} ${escapeControlCharacters(change.ref)}${why}`);
    }
    if (s.error) lines.push(`  ${escapeControlCharacters(s.error.step)} failed: ${escapeControlCharacters(s.error.type)}: ${escapeControlCharacters(s.error.message)}${s.error.pointer ? ` at ${escapeControlCharacters(s.error.pointer)}` : ''}`);
  }
  lines.push(`${result.outcome}${result.failedWave !== undefined && result.waves > 1 ? ` (wave ${result.failedWave + 1} of ${result.waves} failed)` : ''} · trace ${result.traceId}`);
  return `${lines.join('\n')}\n`;
}

// ——— rollback ———

export async function rollbackCommand(to: string, flags: TargetFlags & { color: boolean; traceOut?: string }, io: CommandIo, env: Env): Promise<number> {
  const [target] = await resolveTargets(flags.targets, flags.targetsFile);
  let request: 'previousStable' | { serial: number };
  if (to === 'previousStable') request = 'previousStable';
  else if (/^(0|[1-9][0-9]{0,15})$/.test(to) && Number.isSafeInteger(Number(to))) request = { serial: Number(to) };
  else throw new UsageError(`--to takes previousStable or a serial, not "${to}"`);
  const client = await clientFor(target, flags, env);
  const recorder = createTraceRecorder({ serviceName: 'reloadctl' });
  const span = recorder.tracer.startSpan('reload.target', { attributes: { 'reload.target.name': target.name, 'reload.target.url': target.url } });
  let status: ApplyStatus;
  try {
    const started = await client.startRollback(request, { key: randomUUID(), traceparent: traceparentOf(span) });
    status = await client.follow(started.status.id);
  } catch (error) {
    return refused(io, target.name, error);
  } finally {
    span.end();
  }
  const trace = mergeTraces(fromReadableSpans(recorder.finishedSpans(), { 'service.name': 'reloadctl' }), status.spans ? [status.spans] : []);
  if (flags.traceOut) {
    const written = await writeFileAtomically(flags.traceOut, prettyJsonText(toOtlpJsonStream(trace)));
    if (!written.ok) io.stderr(`reloadctl: cannot write the trace to ${escapeControlCharacters(flags.traceOut)}: ${escapeControlCharacters(written.message)}\n`);
  }
  if (flags.format === 'json') await io.writeStdout(prettyJsonText({ ...withoutSpans(status), trace: toOtlpJsonStream(trace) }));
  else {
    io.stdout(renderTimeline(trace, { color: flags.color }).text);
    io.stdout(`${escapeControlCharacters(target.name)}: rollback ${status.phase}${status.serial !== undefined ? ` · serial ${status.serial}` : ''}${status.generation !== undefined ? ` · generation ${status.generation}` : ''} · trace ${status.traceId}\n`);
    if (status.error) io.stdout(`  ${escapeControlCharacters(status.error.type)}: ${escapeControlCharacters(status.error.message)}\n`);
  }
  return status.phase === 'Succeeded' ? EXIT.ok : EXIT.failed;
}

// ——— status and history ———

export async function statusCommand(flags: TargetFlags, io: CommandIo, env: Env): Promise<number> {
  const targets = await resolveTargets(flags.targets, flags.targetsFile);
  const all: { target: NamedTarget; status?: TargetStatus; error?: unknown }[] = [];
  for (const target of targets) {
    try {
      all.push({ target, status: await (await clientFor(target, flags, env)).status() });
    } catch (error) {
      if (!(error instanceof TargetError)) throw error;
      all.push({ target, error });
    }
  }
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(targets.length === 1 ? (all[0].status ?? { error: (all[0].error as Error).message }) : all.map((a) => ({ name: a.target.name, url: a.target.url, ...(a.status ?? { error: (a.error as Error).message }) })), null, 2)}\n`);
  } else {
    for (const { target, status, error } of all) {
      if (!status) {
        refused(io, target.name, error);
        continue;
      }
      const models = Object.entries(status.active.models).map(([id, m]) => `${id}@${m.version}`);
      io.stdout(`${escapeControlCharacters(target.name)} (${escapeControlCharacters(target.url)})\n`);
      io.stdout(`  serial ${status.serial} · generation ${status.generation}${status.manifest ? ` · from ${escapeControlCharacters(status.manifest.name)}` : ''}${status.previousStable !== undefined ? ` · previous stable serial ${status.previousStable}` : ''}${status.running ? ` · running ${status.running}` : ''}\n`);
      io.stdout(`  models: ${models.length > 0 ? escapeControlCharacters(models.join(', ')) : '(none)'}\n`);
      const counts = (['configs', 'flags', 'prompts', 'resources', 'adapters', 'knowledge'] as const).map((k) => `${Object.keys(status.active[k]).length} ${k}`);
      io.stdout(`  ${counts.join(' · ')}\n`);
    }
  }
  return all.some((a) => a.error) ? EXIT.failed : EXIT.ok;
}

export async function historyCommand(flags: TargetFlags, io: CommandIo, env: Env): Promise<number> {
  const [target] = await resolveTargets(flags.targets, flags.targetsFile);
  let history: HistoryEntry[];
  try {
    history = await (await clientFor(target, flags, env)).history();
  } catch (error) {
    return refused(io, target.name, error);
  }
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify(history, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['SERIAL', 'KIND', 'OUTCOME', 'NAME', 'INITIATOR', 'STARTED', 'DURATION', 'TRACE']];
  for (const h of history) {
    const ms = h.endedAt ? Date.parse(h.endedAt) - Date.parse(h.startedAt) : undefined;
    rows.push([
      h.serial === null ? '-' : String(h.serial),
      h.kind === 'rollback' ? `rollback→${h.restoredSerial ?? '?'}` : 'apply',
      h.outcome,
      h.name,
      h.initiator ?? '-',
      h.startedAt,
      ms === undefined ? '-' : `${ms} ms`,
      h.traceId,
    ].map((cell) => escapeControlCharacters(cell)));
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  io.stdout(rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n');
  return EXIT.ok;
}
