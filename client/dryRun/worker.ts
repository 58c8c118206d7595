/**
 * The dry run on a worker thread of the extension host: hashing, WASM model loads and probe
 * inference never block the extension host's event loop (issue 9). The worker stays alive between
 * runs (runner.ts ends it when idle), so onnxruntime's WebAssembly is compiled once; each run gets a
 * fresh runtime, as a dry run starts from nothing.
 */
import { parentPort } from 'node:worker_threads';
import { createOnnxEngine } from '../../core/runtime/onnxEngine';
import { runReload } from '../../core/runtime/pipeline';
import { LocalRuntime } from '../../core/runtime/runtime';
import { fromReadableSpans } from '../../core/tracing/model';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { nodeArtifactSource } from '../../node/fileHost';
import type { DryRunJob, HostToWorker, WorkerToHost } from './protocol';

let runs = 0;

async function run(id: number, job: DryRunJob, post: (message: WorkerToHost) => void, signal: AbortSignal): Promise<void> {
  const recorder = createTraceRecorder({ serviceName: job.serviceName });
  const runtime = new LocalRuntime(createOnnxEngine({ wasmDir: job.wasmDir }));
  try {
    const outcome = await runReload({
      text: job.text,
      languageId: job.languageId,
      mode: 'dryRun',
      runtime,
      source: nodeArtifactSource(job.manifestPath, { roots: job.roots }),
      tracer: recorder.tracer,
      signal,
      onProgress: (event) => post({ type: 'progress', id, event }),
    });
    const trace = fromReadableSpans(recorder.finishedSpans(), { 'service.name': job.serviceName });
    post({ type: 'done', id, outcome, trace, run: (runs += 1) });
  } finally {
    await runtime.dispose();
    await recorder.shutdown();
  }
}

if (parentPort) {
  const port = parentPort;
  const running = new Map<number, AbortController>();
  const post = (message: WorkerToHost): void => port.postMessage(message);
  port.on('message', (message: HostToWorker) => {
    if (message.type === 'cancel') {
      running.get(message.id)?.abort(new Error(message.reason));
      return;
    }
    const controller = new AbortController();
    running.set(message.id, controller);
    run(message.id, message.job, post, controller.signal)
      .catch((error: unknown) => {
        post({ type: 'crashed', id: message.id, message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
      })
      .finally(() => running.delete(message.id));
  });
}
