/**
 * A plan (`POST /reload/v1/plans`) as text a person confirms before an apply: per target, the
 * serial it serves now and the manifest's; per change, what the apply would do (add, update,
 * unchanged) from which version/digest to which, and the server-side dry run's result; and a
 * refusal (serial-regression, an expired manifest) when the target would refuse the apply.
 */
import type { PlanResult, PlannedChange } from './api';

/** One target's plan, or why it could not be had. */
export interface TargetPlan {
  name: string;
  url: string;
  plan?: PlanResult;
  /** The target could not be asked, or refused to plan (its message). */
  error?: string;
}

/**
 * `ready`: every target would take the apply and its dry run succeeded; `dryRunFailed`: every
 * target would take it, but a dry run failed (an apply would fail the same way, or roll back);
 * `refused`: a target would refuse it, or could not be asked.
 */
export type PlanVerdict = 'ready' | 'dryRunFailed' | 'refused';

export interface PlanReview {
  verdict: PlanVerdict;
  /** One block per target, changes indented under it. */
  text: string;
}

/** `sha256:` and the first 12 hex digits: enough to tell digests apart when reading. */
export function shortDigest(digest: string): string {
  const at = digest.indexOf(':');
  return at < 0 ? digest.slice(0, 12) : `${digest.slice(0, at + 1)}${digest.slice(at + 1, at + 13)}`;
}

function side(value: { version?: string; digest?: string } | undefined): string {
  if (!value) return '';
  return [value.version, value.digest && shortDigest(value.digest)].filter(Boolean).join(' ');
}

function changeLine(change: PlannedChange): string {
  const from = side(change.from);
  const to = side(change.to);
  // Inline data (flags, a config's data) has no version or digest to show: an update of it is just "update".
  const what = change.action === 'update' && (from || to) ? `${from || '?'} → ${to || '?'}` : change.action === 'update' ? '' : to;
  const dryRun = change.dryRun.error ? `${change.dryRun.status}: ${change.dryRun.error.type}: ${change.dryRun.error.message}` : change.dryRun.status;
  return `  ${change.action} ${change.ref}${what ? ` ${what}` : ''} · dry run ${dryRun}`;
}

function targetBlock(target: TargetPlan): string[] {
  const head = `${target.name} (${target.url})`;
  if (!target.plan) return [`${head}: cannot plan: ${target.error ?? 'no answer'}`];
  const { plan } = target;
  const lines = [`${head}: serial ${plan.target.serial} → ${plan.manifest.serial ?? '(none)'}`];
  for (const change of plan.changes) lines.push(changeLine(change));
  if (plan.outcome !== 'Succeeded') lines.push(`  server-side dry run: ${plan.outcome}`);
  if (plan.refusal) lines.push(`  refused: ${plan.refusal.kind}: ${plan.refusal.detail}`);
  return lines;
}

export function reviewPlans(targets: readonly TargetPlan[]): PlanReview {
  const refused = targets.some((t) => !t.plan || !t.plan.applicable);
  const failed = targets.some((t) => t.plan && t.plan.outcome !== 'Succeeded');
  return {
    verdict: refused ? 'refused' : failed ? 'dryRunFailed' : 'ready',
    text: targets.map((t) => targetBlock(t).join('\n')).join('\n\n'),
  };
}
