/** `reloadctl dry-run <file> [--trace-out <file>] [--format text|json] [--otlp-endpoint <url>] [--language <id>] [--root <dir>…]`. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { languageIdForPath, type LanguageId } from '../core/formats';
import { createOnnxEngine } from '../core/runtime/onnxEngine';
import { runReload, type ProgressEvent, type ReloadOutcome } from '../core/runtime/pipeline';
import { LocalRuntime } from '../core/runtime/runtime';
import { prettyJsonText } from '../core/jsonChunks';
import { fromReadableSpans } from '../core/tracing/model';
import { toOtlpJsonStream } from '../core/tracing/otlp';
import { createTraceRecorder } from '../core/tracing/recorder';
import { escapeControlCharacters } from '../core/terminalText';
import { EXIT, type CommandIo } from './io';
import { writeFileAtomically } from '../node/atomicWrite';
import { nodeArtifactSource } from '../node/fileHost';
import { otlpExportFromEnv } from '../node/otlpExporter';
import { inputName, readManifestFile, STDIN_ARGUMENT, STDIN_NAME } from './readInput';
import { formatText } from './report';
import { renderTimeline } from '../core/tracing/timeline';

export interface DryRunFlags {
  format: 'text' | 'json';
  traceOut?: string;
  /** The manifest's language when its name does not say (standard input) or says wrong. */
  language?: LanguageId;
  otlpEndpoint?: string;
  /** Show progress on stderr (default: when stderr is a terminal). */
  progress: boolean;
  color: boolean;
  allowHttp: boolean;
  /** Further artifact roots besides the manifest's folder. */
  roots: readonly string[];
}

/** The onnxruntime-web WASM files sit next to the bundle in dist/; from sources, the package finds its own. */
function wasmDir(): string | undefined {
  return existsSync(join(__dirname, 'ort-wasm-simd-threaded.wasm')) ? __dirname : undefined;
}

export async function dryRunCommand(file: string, flags: DryRunFlags, io: CommandIo, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const name = inputName(file);
  const input = await readManifestFile(file, 'manifest', io.stdin);
  if (!input.ok) {
    io.stderr(`reloadctl: ${escapeControlCharacters(name)}: ${escapeControlCharacters(input.reason)}\n`);
    return EXIT.usage;
  }
  // A manifest from standard input sits in the current folder: its relative artifact paths resolve there.
  const manifestPath = file === STDIN_ARGUMENT ? resolve(STDIN_NAME) : file;
  // Spans go to a collector as the run ends them, through the OpenTelemetry exporter, when one is configured.
  const otlp = otlpExportFromEnv(env, flags.otlpEndpoint);
  const recorder = createTraceRecorder({ exporters: otlp ? [otlp.exporter] : [], serviceName: 'reloadctl' });
  const runtime = new LocalRuntime(createOnnxEngine({ wasmDir: wasmDir() }));
  let outcome: ReloadOutcome;
  try {
    outcome = await runReload({
      text: input.text,
      languageId: flags.language ?? languageIdForPath(file),
      mode: 'dryRun',
      runtime,
      source: nodeArtifactSource(manifestPath, { allowHttp: flags.allowHttp, roots: flags.roots }),
      tracer: recorder.tracer,
      onProgress: flags.progress ? progressPrinter(io) : undefined,
    });
  } finally {
    await runtime.dispose();
  }
  const trace = fromReadableSpans(recorder.finishedSpans(), { 'service.name': 'reloadctl' });
  // Shutting down sends the spans still queued; it fails only when an export did, which the exporter reports.
  await recorder.shutdown().catch((e: unknown) => {
    if (!otlp) throw e;
    otlp.noteFailure(e);
  });
  if (otlp) for (const failure of otlp.failures()) io.stderr(`reloadctl: warning: trace not exported to ${otlp.url}: ${failure}\n`);

  let traceLost = false;
  if (flags.traceOut) {
    // Written as it is produced (a large trace is never one string), atomically, never through a planted link.
    const written = await writeFileAtomically(flags.traceOut, prettyJsonText(toOtlpJsonStream(trace)));
    if (written.ok) {
      for (const warning of written.warnings) io.stderr(`reloadctl: ${escapeControlCharacters(flags.traceOut)}: ${escapeControlCharacters(warning)}\n`);
    } else {
      io.stderr(`reloadctl: cannot write the trace to ${escapeControlCharacters(flags.traceOut)}: ${escapeControlCharacters(written.message)}\n`);
      traceLost = true;
    }
  }

  if (flags.format === 'json') {
    await io.writeStdout(prettyJsonText({ file: name, ...outcome, trace: toOtlpJsonStream(trace) }));
  } else {
    if (outcome.outcome === 'Invalid') io.stdout(formatText([{ file: name, diagnostics: outcome.diagnostics.filter((d) => d.severity === 'error') }]));
    const timeline = renderTimeline(trace, { color: flags.color });
    for (const warning of timeline.warnings) io.stderr(`reloadctl: warning: ${warning}\n`);
    io.stdout(timeline.text);
    io.stdout(summary(outcome));
  }
  const exit = outcome.outcome === 'Succeeded' ? EXIT.ok : outcome.outcome === 'Invalid' ? EXIT.usage : EXIT.failed;
  // A trace asked for and not written is a failed run, whatever the dry run's outcome.
  return traceLost ? Math.max(exit, EXIT.failed) : exit;
}

function summary(outcome: ReloadOutcome): string {
  const counts = new Map<string, number>();
  for (const change of outcome.changes) counts.set(change.status, (counts.get(change.status) ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  const head = `${outcome.outcome}${parts ? ` (${parts})` : ''} · trace ${outcome.traceId}`;
  if (!outcome.error) return `${head}\n`;
  // The message and pointer quote the manifest (ids, paths, property names): shown escaped.
  const at = outcome.error.pointer !== undefined ? ` at ${escapeControlCharacters(outcome.error.pointer)}` : '';
  return `${head}\n${outcome.error.step} failed: ${outcome.error.type}: ${escapeControlCharacters(outcome.error.message)}${at}\n`;
}

/** One status line on stderr, rewritten in place on a terminal, for long steps such as hashing. */
function progressPrinter(io: CommandIo): (event: ProgressEvent) => void {
  let last = 0;
  return (event) => {
    if (event.kind !== 'bytes') return;
    const now = performance.now();
    const done = event.total !== undefined && event.bytes >= event.total;
    if (!done && now - last < 100) return;
    last = now;
    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
    const share = event.total ? ` ${Math.floor((event.bytes / event.total) * 100)}%` : '';
    io.stderr(`\rstaging ${event.ref}${share} (${mb(event.bytes)}${event.total ? ` / ${mb(event.total)}` : ''})${done ? '\n' : ''}`);
  };
}
