/**
 * The reload agent's HTTP API (DESIGN.md §6.2) as types: what the agent sends and what its clients
 * (`reloadctl`, the VS Code extension, fleets) read. One module, so both ends agree by the compiler.
 */
import type { ChangeKind } from '../model/types';

export const API_PREFIX = '/reload/v1';

/** Media type of a signed manifest: the DSSE envelope's `payloadType`. */
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.tracing-reload.manifest+json';

/** The problem `type` URIs end in one of these (RFC 9457 problem JSON). */
export type ProblemKind =
  | 'unauthorized'
  | 'invalid-manifest'
  | 'serial-regression'
  | 'manifest-expired'
  | 'idempotency-key-reuse'
  | 'idempotency-key-missing'
  | 'payload-too-large'
  | 'untrusted-signer'
  | 'digest-mismatch'
  | 'apply-in-progress'
  | 'not-found'
  | 'bad-request'
  | 'method-not-allowed'
  | 'unavailable'
  /** /mcp: a Host or Origin that is not the agent's (DNS rebinding protection). */
  | 'forbidden-host';

export const PROBLEM_BASE = 'https://tracing-reload.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Validation diagnostics of an invalid manifest (pointer, code, message). */
  diagnostics?: { severity: string; code: string; message: string; pointer: string }[];
  /** The JSON pointer of the manifest value the problem is about. */
  pointer?: string;
}

export function problemKind(problem: Pick<Problem, 'type'>): ProblemKind | undefined {
  return problem.type.startsWith(PROBLEM_BASE) ? (problem.type.slice(PROBLEM_BASE.length) as ProblemKind) : undefined;
}

export type ApplyPhase = 'Pending' | 'Validating' | 'Verifying' | 'Staging' | 'Probing' | 'Activating' | 'Succeeded' | 'Failed' | 'RolledBack';

export const FINAL_PHASES: ReadonlySet<ApplyPhase> = new Set(['Succeeded', 'Failed', 'RolledBack']);

export interface StepError {
  type: string;
  message: string;
  /** Where in the manifest (JSON pointer). */
  pointer?: string;
}

/** ACK: the target took the change at this stage; NACK: it did not, and `error` says why. */
export interface Ack {
  status: 'ACK' | 'NACK';
  error?: StepError;
}

export interface ChangeAck {
  ref: string;
  kind: ChangeKind;
  pointer: string;
  /** Staged, loaded and probed on the target. */
  accepted: Ack;
  /** Serving (absent while the apply runs). */
  activated?: Ack;
}

export interface ManifestSummary {
  name: string;
  uid?: string;
  serial?: number;
  /** sha256 of the manifest's bytes as sent (inside a DSSE envelope: the payload). */
  digest: string;
  initiator?: string;
  /** The key id that signed it, when it came in a DSSE envelope. */
  signer?: string;
}

/** `GET /reload/v1/applies/{id}` (and rollbacks, which are applies of an earlier generation). */
export interface ApplyStatus {
  id: string;
  kind: 'apply' | 'rollback';
  phase: ApplyPhase;
  manifest: ManifestSummary;
  changes: ChangeAck[];
  traceId: string;
  startedAt: string;
  endedAt?: string;
  /** The generation serving when it ended. */
  generation?: number;
  /** The serial it made active (rollbacks: a new, higher serial). */
  serial?: number;
  error?: StepError & { step: string };
  /** The agent's spans of this apply, OTLP JSON (`ExportTraceServiceRequest`); once it has ended. */
  spans?: unknown;
}

/** A server-sent event on `/applies/{id}/events`: `event: phase|change|result`, `data:` one of these. */
export type ApplyEvent =
  | { event: 'phase'; data: { phase: ApplyPhase; step?: string; ref?: string } }
  | { event: 'change'; data: ChangeAck }
  | { event: 'result'; data: ApplyStatus };

export interface ActiveModel {
  version: string;
  digest: string;
}

/** `GET /reload/v1/status`. */
export interface TargetStatus {
  serial: number;
  generation: number;
  /** The manifest that made the active generation. */
  manifest?: { name: string; uid?: string };
  active: {
    models: Record<string, ActiveModel>;
    configs: Record<string, unknown>;
    flags: Record<string, unknown>;
    prompts: Record<string, { version?: string }>;
    resources: Record<string, { name: string; mimeType?: string }>;
    adapters: Record<string, { baseModel: string; digest: string; version?: string }>;
    knowledge: Record<string, string[]>;
  };
  /** The serial a `previousStable` rollback would bring back, if any. */
  previousStable?: number;
  /** An apply or rollback running now. */
  running?: string;
  capabilities: string[];
}

export type HistoryOutcome = 'Pending' | 'Succeeded' | 'Failed' | 'RolledBack' | 'Interrupted';

/** One row of `GET /reload/v1/history`, oldest first. */
export interface HistoryEntry {
  /** The apply id (`GET /applies/{id}`). */
  id: string;
  kind: 'apply' | 'rollback';
  /** The manifest's serial (rollbacks: the new serial they made active). */
  serial: number | null;
  uid: string | null;
  name: string;
  digest: string;
  initiator: string | null;
  outcome: HistoryOutcome;
  startedAt: string;
  endedAt: string | null;
  traceId: string;
  /** Rollbacks: the serial whose generation they brought back. */
  restoredSerial?: number;
}

/** `POST /reload/v1/rollbacks`. */
export interface RollbackRequest {
  to: 'previousStable' | { serial: number };
}

export type PlanAction = 'add' | 'update' | 'unchanged' | 'session';

/** One change of `POST /reload/v1/plans`. */
export interface PlannedChange {
  ref: string;
  kind: ChangeKind;
  pointer: string;
  action: PlanAction;
  /** What the target serves now (models: version and digest; others: version when known). */
  from?: { version?: string; digest?: string };
  to: { version?: string; digest?: string };
  /** The server-side dry run's result for this change. */
  dryRun: { status: string; error?: StepError };
}

export interface PlanResult {
  target: { serial: number; generation: number };
  manifest: ManifestSummary;
  /** Whether an apply of this manifest would pass the serial and expiry checks now. */
  applicable: boolean;
  /** Why it would not. */
  refusal?: { kind: ProblemKind; detail: string };
  outcome: 'Succeeded' | 'Failed' | 'RolledBack' | 'Invalid';
  changes: PlannedChange[];
  traceId: string;
  spans: unknown;
}

/** A DSSE envelope (https://github.com/secure-systems-lab/dsse): the signed manifest. */
export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the manifest's bytes. */
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}
