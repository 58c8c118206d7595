/** Restricted Mode (an untrusted workspace): editing works; running a manifest does not (package.json `untrustedWorkspaces: limited`). */
import * as vscode from 'vscode';

export const RESTRICTED_MESSAGES = {
  dryRun: 'Tracing Reload: Dry Run is disabled in Restricted Mode: running a manifest loads the models and files it names. Trust this workspace to run it.',
  apply: 'Tracing Reload: Apply is disabled in Restricted Mode: applying sends a manifest and its artifacts to a target. Trust this workspace to apply it.',
  rollback: 'Tracing Reload: Rollback is disabled in Restricted Mode: it changes what a target serves. Trust this workspace to roll back.',
} as const;

const MANAGE = 'Manage Workspace Trust';

/** True in a trusted workspace; otherwise says why the action is disabled (with a way to trust it) and answers false. */
export function requireTrust(action: keyof typeof RESTRICTED_MESSAGES): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(RESTRICTED_MESSAGES[action], MANAGE).then((choice) => {
    if (choice === MANAGE) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
