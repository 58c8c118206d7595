/**
 * Runs dry runs on worker threads (dist/dryRunWorker.js) and answers their outcomes and traces.
 * One worker is kept between runs (onnxruntime's WebAssembly is compiled once per worker) and
 * ended after it has been idle a while; a run that starts while it is busy gets a worker of its
 * own, ended afterwards. Cancelling asks the run to stop (it ends with the spans so far, marked
 * cancelled); a worker that does not stop within the grace period is terminated. No vscode import:
 * the unit tests run it with real workers.
 */
import { Worker } from 'node:worker_threads';
import type { ProgressEvent, ReloadOutcome } from '../../core/runtime/pipeline';
import type { TraceData } from '../../core/tracing/model';
import type { DryRunJob, HostToWorker, WorkerToHost } from './protocol';

export interface DryRunResult {
  outcome: ReloadOutcome;
  trace: TraceData;
  /** The how-many-th run of the worker that ran it (1: a fresh worker). */
  workerRun: number;
}

export interface WorkersOptions {
  /** The worker's script: dist/dryRunWorker.js (an absolute path). */
  workerFile: string;
  /** How long an idle worker is kept (ms; default 5 minutes). */
  idleMs?: number;
  /** How long a cancelled run may take to end on its own before its worker is terminated (ms; default 2 s). */
  cancelGraceMs?: number;
}

export interface RunOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

/** The run was cancelled and its worker had to be terminated before it answered (or the workers were disposed). */
export class DryRunCancelled extends Error {}

/** The worker failed (a defect or a crash, not a failed reload); `detail` is for the log only. */
export class DryRunCrashed extends Error {
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

interface Job {
  id: number;
  onMessage(message: WorkerToHost): void;
  fail(error: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  idleTimer?: NodeJS.Timeout;
}

export class DryRunWorkers {
  private readonly slots = new Set<Slot>();
  private idle?: Slot;
  private nextId = 1;

  constructor(private readonly options: WorkersOptions) {}

  /** Workers alive (busy or idle). */
  get size(): number {
    return this.slots.size;
  }

  run(job: DryRunJob, options: RunOptions = {}): Promise<DryRunResult> {
    const slot = this.take();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let killTimer: NodeJS.Timeout | undefined;
      const finish = (action: () => void): void => {
        if (slot.job?.id !== id) return;
        slot.job = undefined;
        clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        action();
      };
      const onAbort = (): void => {
        slot.worker.postMessage({ type: 'cancel', id, reason: 'Cancelled by the user.' } satisfies HostToWorker);
        killTimer = setTimeout(() => finish(() => {
          this.end(slot);
          reject(new DryRunCancelled('The dry run was cancelled.'));
        }), this.options.cancelGraceMs ?? 2000);
      };
      slot.job = {
        id,
        fail: (error) => finish(() => reject(error)),
        onMessage: (message) => {
          if (message.id !== id) return;
          if (message.type === 'progress') options.onProgress?.(message.event);
          else if (message.type === 'done') finish(() => {
            this.release(slot);
            resolve({ outcome: message.outcome, trace: message.trace, workerRun: message.run });
          });
          else finish(() => {
            this.release(slot);
            reject(new DryRunCrashed(message.message, message.stack));
          });
        },
      };
      slot.worker.postMessage({ type: 'run', id, job } satisfies HostToWorker);
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends every worker; runs in progress fail with DryRunCancelled. */
  dispose(): void {
    for (const slot of [...this.slots]) {
      slot.job?.fail(new DryRunCancelled('The dry run was stopped: the extension is shutting down.'));
      this.end(slot);
    }
  }

  private take(): Slot {
    const slot = this.idle ?? this.spawn();
    if (slot === this.idle) {
      this.idle = undefined;
      clearTimeout(slot.idleTimer);
    }
    slot.worker.ref();
    return slot;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.options.workerFile, { stdout: false, stderr: false }) };
    slot.worker.on('message', (message: WorkerToHost) => slot.job?.onMessage(message));
    slot.worker.on('error', (error) => this.crashed(slot, new DryRunCrashed(error.message, error.stack)));
    slot.worker.on('exit', (code) => this.crashed(slot, new DryRunCrashed(`The dry run's worker stopped (exit code ${code}) before it answered.`)));
    this.slots.add(slot);
    return slot;
  }

  /** A run ended: keep its worker for the next one, unless one is kept already. */
  private release(slot: Slot): void {
    if (this.idle) {
      this.end(slot);
      return;
    }
    this.idle = slot;
    // An idle worker keeps no process alive, and ends after a while.
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => this.end(slot), this.options.idleMs ?? 5 * 60_000);
    slot.idleTimer.unref();
  }

  private crashed(slot: Slot, error: DryRunCrashed): void {
    this.end(slot);
    slot.job?.fail(error);
  }

  private end(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    if (this.idle === slot) this.idle = undefined;
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
  }
}
