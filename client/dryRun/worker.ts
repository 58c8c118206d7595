/**
 * The dry run on a worker thread of the extension host: hashing, WASM model loads and probe
 * inference never block the extension host's event loop (DESIGN.md §5, issue 9). One job per
 * worker: the host starts a worker per run and ends it afterwards.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOnnxEngine } from '../../core/runtime/onnxEngine';
import { runReload } from '../../core/runtime/pipeline';
import { LocalRuntime } from '../../core/runtime/runtime';
import { fromReadableSpans } from '../../core/tracing/model';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { nodeArtifactSource } from '../../node/fileHost';
import type { DryRunJob, HostToWorker, WorkerToHost } from './protocol';

async function run(job: DryRunJob, post: (message: WorkerToHost) => void, signal: AbortSignal): Promise<void> {
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
      onProgress: (event) => post({ type: 'progress', event }),
    });
    const trace = fromReadableSpans(recorder.finishedSpans(), { 'service.name': job.serviceName });
    post({ type: 'done', outcome, trace });
  } finally {
    await runtime.dispose();
    await recorder.shutdown();
  }
}

if (parentPort) {
  const port = parentPort;
  const controller = new AbortController();
  port.on('message', (message: HostToWorker) => {
    if (message.type === 'cancel') controller.abort(new Error(message.reason));
  });
  run(workerData as DryRunJob, (message) => port.postMessage(message), controller.signal)
    .catch((error: unknown) => {
      port.postMessage({ type: 'crashed', message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) } satisfies WorkerToHost);
    })
    .finally(() => port.close());
}
