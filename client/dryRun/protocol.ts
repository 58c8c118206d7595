/**
 * The dry run's worker thread (worker.ts, bundled as dist/dryRunWorker.js) and its host side
 * (runner.ts): what one job carries and what the worker answers. Messages are structured clones,
 * so the trace's BigInt times cross as they are.
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
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; outcome: ReloadOutcome; trace: TraceData }
  /** The run threw (a defect, not a failed reload): the message, and the stack for the log only. */
  | { type: 'crashed'; message: string; stack?: string };

export type HostToWorker = { type: 'cancel'; reason: string };
