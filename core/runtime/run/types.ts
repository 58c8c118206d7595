/** What a reload run is asked and what it answers (the dry run, and the agent's applies). */
import type { Context, Tracer } from '@opentelemetry/api';
import type { ManifestDiagnostic } from '../../diagnostics';
import type { LanguageId } from '../../formats';
import type { ChangeKind } from '../../model/types';
import type { LocalRuntime } from '../runtime';
import type { ArtifactSource } from '../artifactSource';
import type { Stager } from '../stager';

/**
 * `dryRun` warns about what an apply would need; `apply` refuses at `reload.verify` without a
 * uid, a serial, pinned digests, or when the manifest expired (DESIGN.md §5).
 */
export type ReloadMode = 'dryRun' | 'apply';

export type ProgressEvent =
  | { kind: 'step'; step: string; ref?: string; state: 'start' | 'end' }
  /** A change's status changed (failed, activated, rolled back), as it happens. */
  | { kind: 'change'; outcome: ChangeOutcome }
  | { kind: 'bytes'; ref: string; bytes: number; total: number | undefined };

export interface ReloadRequest {
  text: string;
  languageId?: LanguageId;
  mode: ReloadMode;
  runtime: LocalRuntime;
  source: ArtifactSource;
  tracer: Tracer;
  /** Joins the run to a caller's trace (e.g. from a traceparent header). */
  parent?: Context;
  now?: () => Date;
  /** Resident set size in bytes (default: process.memoryUsage.rss). */
  rss?: () => number;
  /** Used V8 heap in bytes (default: v8 heap statistics). */
  heapUsed?: () => number;
  onProgress?: (event: ProgressEvent) => void;
  /** Cancels the run (a closed client does not, but an operator or a shutdown may). */
  signal?: AbortSignal;
  /** Stages artifacts; default: one per run over `source`, with the default memory cap. */
  stager?: Stager;
}

export type ChangeStatus = 'activated' | 'failed' | 'skipped' | 'rolledBack';

export interface ChangeOutcome {
  ref: string;
  kind: ChangeKind;
  pointer: string;
  status: ChangeStatus;
  error?: { type: string; message: string; pointer?: string };
}

export interface ReloadOutcome {
  outcome: 'Succeeded' | 'Failed' | 'RolledBack' | 'Invalid';
  traceId: string;
  changes: ChangeOutcome[];
  /** The failure that decided the outcome. */
  error?: { step: string; type: string; message: string; pointer?: string };
  /** Validation diagnostics (errors only block). */
  diagnostics: ManifestDiagnostic[];
  /** The generation serving after the run. */
  generation: number;
  swapPauseMs?: number;
}
