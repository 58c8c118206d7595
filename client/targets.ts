/**
 * Targets in VS Code (DESIGN.md §6.4): the `tracingReload.targets` setting, the `tracingReload.hasTargets`
 * context key that shows Apply/Rollback in the palette only when targets are configured, and the
 * targets' tokens, which live in SecretStorage only (never in settings, logs or traces).
 */
import * as vscode from 'vscode';
import { settingsFrom, type TargetSetting } from '../common/protocol';
import { TargetClient } from '../core/target/client';

export const HAS_TARGETS_CONTEXT = 'tracingReload.hasTargets';
const tokenKey = (target: string): string => `tracingReload.targetToken.${target}`;

/**
 * A client of a configured target, its token (if any) read from SecretStorage. The token goes into
 * the Authorization header only: never a message, a log line or a span.
 */
export async function targetClient(secrets: vscode.SecretStorage, target: TargetSetting, options: { retries?: number; timeoutMs?: number } = {}): Promise<TargetClient> {
  const token = await targetToken(secrets, target.name);
  return new TargetClient({ url: target.url, token, fetch: (input, init) => fetch(input, init), ...options });
}

/** The target's token from SecretStorage (undefined when none is set). For headers only. */
export async function targetToken(secrets: vscode.SecretStorage, target: string): Promise<string | undefined> {
  return (await secrets.get(tokenKey(target))) || undefined;
}

export function configuredTargets(): TargetSetting[] {
  return settingsFrom(vscode.workspace.getConfiguration('tracingReload')).targets;
}

/** Keeps the context key equal to "targets are configured". */
export function trackTargets(): vscode.Disposable {
  const update = (): void => void vscode.commands.executeCommand('setContext', HAS_TARGETS_CONTEXT, configuredTargets().length > 0);
  update();
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration('tracingReload.targets')) update();
  });
}

/** "Set Target Token…": pick a configured target (or the one named, from the Reload Targets view), enter its bearer token (or clear it). */
export async function setTargetToken(secrets: vscode.SecretStorage, name?: string): Promise<boolean> {
  const targets = configuredTargets();
  if (targets.length === 0) {
    void vscode.window.showInformationMessage('Tracing Reload: no targets are configured. Add one to the "tracingReload.targets" setting first.');
    return false;
  }
  const named = targets.find((t) => t.name === name);
  const picked = named
    ? { label: named.name, description: named.url }
    : await vscode.window.showQuickPick(
        await Promise.all(targets.map(async (t) => ({ label: t.name, description: t.url, detail: (await secrets.get(tokenKey(t.name))) ? 'a token is set' : 'no token' }))),
        { placeHolder: 'The target whose token to set' },
      );
  if (!picked) return false;
  const token = await vscode.window.showInputBox({
    title: `Token for ${picked.label}`,
    prompt: `The bearer token of the reload agent at ${picked.description}. It is kept in VS Code's secret storage. Leave empty to remove the token.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (/[\s]/.test(value) ? 'A token has no spaces or line breaks.' : undefined),
  });
  if (token === undefined) return false;
  if (token === '') {
    await secrets.delete(tokenKey(picked.label));
    void vscode.window.showInformationMessage(`Tracing Reload: the token of ${picked.label} is removed.`);
  } else {
    await secrets.store(tokenKey(picked.label), token);
    void vscode.window.showInformationMessage(`Tracing Reload: the token of ${picked.label} is saved in VS Code's secret storage.`);
  }
  return true;
}
