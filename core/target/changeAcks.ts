/**
 * An apply's per-change answers (ACK/NACK of `accepted` and `activated`, DESIGN.md §6.2) gathered
 * per change across the targets, for showing beside each change in the manifest: one label per
 * change, and a problem per NACK at the pointer the target named.
 */
import type { ChangeKind } from '../model/types';
import type { ApplyStatus, StepError } from './api';

/** What a fleet apply knows of one target (the fields of `TargetResult` read here). */
export interface TargetOutcome {
  name: string;
  status?: ApplyStatus;
  /** Set when the rollout rolled this target back after a later wave failed. */
  rollback?: { status?: ApplyStatus; error?: string };
}

/**
 * `activated`: ACK, serving; `accepted`: ACK'd staging, loading and probes, activation not
 * answered yet; `rolledBack`: activated, then rolled back by the rollout; `nack`: refused.
 */
export type AckVerdict = 'activated' | 'accepted' | 'rolledBack' | 'nack';

export interface TargetAck {
  target: string;
  verdict: AckVerdict;
  /** For a NACK: the stage refused and why. */
  nack?: { stage: 'accepted' | 'activated'; error?: StepError };
}

export interface ChangeAcks {
  ref: string;
  kind: ChangeKind;
  /** The change's JSON pointer in the manifest. */
  pointer: string;
  targets: TargetAck[];
}

export interface AckProblem {
  /** Where in the manifest: the NACK's pointer, else the change's. */
  pointer: string;
  severity: 'error' | 'warning';
  /** The NACK's error type (`ProbeFailed`, `Skipped`, …). */
  code: string;
  message: string;
}

function ackOf(target: TargetOutcome, change: ApplyStatus['changes'][number]): TargetAck {
  if (change.accepted.status === 'NACK') return { target: target.name, verdict: 'nack', nack: { stage: 'accepted', ...(change.accepted.error ? { error: change.accepted.error } : {}) } };
  if (change.activated?.status === 'NACK') return { target: target.name, verdict: 'nack', nack: { stage: 'activated', ...(change.activated.error ? { error: change.activated.error } : {}) } };
  if (change.activated?.status !== 'ACK') return { target: target.name, verdict: 'accepted' };
  return { target: target.name, verdict: target.rollback?.status?.phase === 'Succeeded' ? 'rolledBack' : 'activated' };
}

/** Each change the targets answered for, in the order the first target lists them (the manifest's). */
export function changeAcks(targets: readonly TargetOutcome[]): ChangeAcks[] {
  const byRef = new Map<string, ChangeAcks>();
  for (const target of targets) {
    for (const change of target.status?.changes ?? []) {
      let entry = byRef.get(change.ref);
      if (!entry) {
        entry = { ref: change.ref, kind: change.kind, pointer: change.pointer, targets: [] };
        byRef.set(change.ref, entry);
      }
      entry.targets.push(ackOf(target, change));
    }
  }
  return [...byRef.values()];
}

const VERDICT_TEXT: Record<AckVerdict, string> = { activated: '✓ {t}: ACK', accepted: '◐ {t}: accepted', rolledBack: '↶ {t}: ACK, rolled back', nack: '✗ {t}: NACK' };

/** The inline label of a change: each target's answer, e.g. `✓ staging: ACK · ✗ prod: NACK (not accepted)`. */
export function ackLabel(change: ChangeAcks): string {
  return change.targets
    .map((ack) => VERDICT_TEXT[ack.verdict].replace('{t}', ack.target) + (ack.nack ? ` (not ${ack.nack.stage})` : ''))
    .join(' · ');
}

/**
 * One problem per NACK: an error where the change itself failed, a warning where it was only not
 * taken because something else failed (`Skipped`, `NotActivated`).
 */
export function ackProblems(change: ChangeAcks): AckProblem[] {
  const problems: AckProblem[] = [];
  for (const ack of change.targets) {
    if (!ack.nack) continue;
    const error = ack.nack.error;
    const code = error?.type ?? 'NACK';
    const secondary = code === 'Skipped' || code === 'NotActivated';
    problems.push({
      pointer: error?.pointer || change.pointer,
      severity: secondary ? 'warning' : 'error',
      code,
      message: `${ack.target}: ${change.ref} not ${ack.nack.stage}: ${code}: ${error?.message ?? 'no reason given'}`,
    });
  }
  return problems;
}
