/** Runs manifests through the real pipeline (onnxruntime-web, real files) for tests. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeArtifactSource } from '../../node/fileHost';
import { languageIdForPath } from '../../core/formats';
import { createOnnxEngine } from '../../core/runtime/onnxEngine';
import { runReload, type ReloadMode, type ReloadOutcome } from '../../core/runtime/pipeline';
import { LocalRuntime } from '../../core/runtime/runtime';
import { fromReadableSpans, type TraceData } from '../../core/tracing/model';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { EXAMPLES, NOW, ROOT } from './fixtures';

export const DRY_RUN_FIXTURES = join(ROOT, 'test', 'fixtures', 'dry-run');

export const newRuntime = (): LocalRuntime => new LocalRuntime(createOnnxEngine());

export interface TracedRun {
  outcome: ReloadOutcome;
  trace: TraceData;
}

export async function runFile(runtime: LocalRuntime, path: string, mode: ReloadMode = 'dryRun'): Promise<TracedRun> {
  const recorder = createTraceRecorder();
  const outcome = await runReload({
    text: readFileSync(path, 'utf8'),
    languageId: languageIdForPath(path),
    mode,
    runtime,
    source: nodeArtifactSource(path, { roots: [EXAMPLES] }),
    tracer: recorder.tracer,
    now: () => NOW,
  });
  const trace = fromReadableSpans(recorder.finishedSpans());
  await recorder.shutdown();
  return { outcome, trace };
}

/** The probe input of the examples, and the outputs each sentiment version gives for it. */
export const PROBE_INPUT = { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 0.4] } };
export const EXPECTED_OUTPUT: Record<string, number[]> = { '2.0.0': [0.593873, 0.406127], '2.1.0': [0.480011, 0.519989] };

export function text(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Runs a manifest given as a value, written with `files` into a fresh folder (removed after) and
 * run on a fresh runtime; also returns the span of the step that failed, if one did.
 */
export async function runManifest(manifest: unknown, files: Record<string, Uint8Array | string> = {}): Promise<TracedRun & { failedStep?: TraceData['spans'][number] }> {
  const dir = mkdtempSync(join(tmpdir(), 'run-manifest-'));
  const runtime = newRuntime();
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const file = join(dir, 'm.reload.json');
    writeFileSync(file, JSON.stringify(manifest));
    const run = await runFile(runtime, file);
    const failedStep = run.outcome.error && run.trace.spans.find((s) => s.name === run.outcome.error!.step);
    return { ...run, failedStep };
  } finally {
    await runtime.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
