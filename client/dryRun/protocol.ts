/**
 * The dry run's worker thread (worker.ts, bundled as dist/dryRunWorker.js) and its host side
 * (runner.ts): what a job carries and what the worker answers. A worker stays alive between runs
 * (onnxruntime's WebAssembly is compiled once per worker), so every message names its job. Messages
 * are structured clones: the trace's BigInt times cross as they are.
 */
import type { LanguageId } from '../../core/formats';
import type { ProgressEvent, ReloadOutcome } from '../../core/runtime/pipeline';
import type { TraceData } from '../../core/tracing/model';

export interface DryRunJob {
  /** The manifest's text as the editor has it (saved or not). */
  text: string;
  languageId: LanguageId;
  /** The manifest's path: relative artifact paths resolve in its folder. */
  manifestPath: string;
  /** Folders besides the manifest's own that named files may be in. */
  roots: string[];
  /** Where onnxruntime-web's WASM files are (the bundle's folder); absent from sources. */
  wasmDir?: string;
  /** `service.name` of the trace's resource. */
  serviceName: string;
}

export type WorkerToHost =
  | { type: 'progress'; id: number; event: ProgressEvent }
  /** `run` counts the runs of this worker, this one included (1 for a fresh worker). */
  | { type: 'done'; id: number; outcome: ReloadOutcome; trace: TraceData; run: number }
  /** The run threw (a defect, not a failed reload): the message, and the stack for the log only. */
  | { type: 'crashed'; id: number; message: string; stack?: string };

export type HostToWorker = { type: 'run'; id: number; job: DryRunJob } | { type: 'cancel'; id: number; reason: string };
