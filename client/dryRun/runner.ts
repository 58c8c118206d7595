/**
 * Runs a dry run on a worker thread (dist/dryRunWorker.js) and answers its outcome and trace.
 * Cancelling asks the run to stop (it ends with the spans so far, marked cancelled); a worker
 * that does not stop within the grace period is terminated. No vscode import: the unit tests run
 * it with a real worker.
 */
import { Worker } from 'node:worker_threads';
import type { ProgressEvent, ReloadOutcome } from '../../core/runtime/pipeline';
import type { TraceData } from '../../core/tracing/model';
import type { DryRunJob, HostToWorker, WorkerToHost } from './protocol';

export interface DryRunResult {
  outcome: ReloadOutcome;
  trace: TraceData;
}

export interface RunOptions {
  /** The worker's script: dist/dryRunWorker.js. */
  workerFile: string;
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  /** How long a cancelled run may take to end on its own before its worker is terminated (ms). */
  cancelGraceMs?: number;
}

/** The run was cancelled and its worker had to be terminated before it answered. */
export class DryRunCancelled extends Error {}

/** The worker failed (a defect or a crash, not a failed reload); `detail` is for the log only. */
export class DryRunCrashed extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

export function runDryRunInWorker(job: DryRunJob, options: RunOptions): Promise<DryRunResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(options.workerFile, { workerData: job, stdout: false, stderr: false });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      action();
      void worker.terminate();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'cancel', reason: 'Cancelled by the user.' } satisfies HostToWorker);
      killTimer = setTimeout(() => settle(() => reject(new DryRunCancelled('The dry run was cancelled.'))), options.cancelGraceMs ?? 2000);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerToHost) => {
      if (message.type === 'progress') options.onProgress?.(message.event);
      else if (message.type === 'done') settle(() => resolve({ outcome: message.outcome, trace: message.trace }));
      else settle(() => reject(new DryRunCrashed(message.message, message.stack)));
    });
    worker.on('error', (error) => settle(() => reject(new DryRunCrashed(error.message, error.stack))));
    worker.on('exit', (code) => settle(() => reject(new DryRunCrashed(`The dry run's worker stopped (exit code ${code}) before it answered.`))));
  });
}
