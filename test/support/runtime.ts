/** Runs manifests through the real pipeline (onnxruntime-web, real files) for tests. */
import { readFileSync } from 'node:fs';
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
