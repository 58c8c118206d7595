/**
 * The targets as MCP servers for VS Code's own MCP support (VS Code 1.101 and later): after a
 * context manifest is applied to a target from here, the target's `/mcp` endpoint is listed as an
 * HTTP MCP server definition `Tracing Reload: <target> (<manifest name>)` whose version is the
 * manifest's digest (client/mcpDefinitions.ts decides which). The list changes after each apply
 * and rollback from this VS Code, when the targets setting changes, and with
 * `tracingReload.mcp.registerServers`. The target's token (SecretStorage) goes into the
 * definition's Authorization header only when VS Code starts the server (resolve), never into a
 * listed definition, a setting or the log. In Restricted Mode nothing is listed (as Apply, starting
 * a server sends the token).
 *
 * The extension supports VS Code 1.95, whose API has no MCP: the API is looked up at run time and
 * typed here; without it nothing is registered.
 */
import * as vscode from 'vscode';
import type { TargetSetting } from '../common/protocol';
import { afterApply, afterRollback, MCP_PROVIDER_ID, mcpApi, parseState, serverEntries, type AppliedManifest, type McpApi, type McpContextState, type McpHttpServerDefinition, type McpServerDefinitionProvider, type McpServerEntry } from './mcpDefinitions';
import { configuredTargets, targetToken } from './targets';

export const REGISTER_SERVERS_SETTING = 'tracingReload.mcp.registerServers';
const STATE_KEY = 'tracingReload.mcpContexts';

function registerServers(): boolean {
  return vscode.workspace.getConfiguration().get<boolean>(REGISTER_SERVERS_SETTING, true) !== false;
}

export class McpServers implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  /** Whether VS Code has the API and the provider is registered. */
  readonly registered: boolean = false;

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    api: McpApi | undefined = mcpApi(vscode),
  ) {
    if (!api) {
      log.info(`MCP servers: VS Code ${vscode.version} has no MCP server definition API (VS Code 1.101 and later have it); the targets are not registered as MCP servers.`);
      return;
    }
    const provider: McpServerDefinitionProvider = {
      onDidChangeMcpServerDefinitions: this.changed.event,
      provideMcpServerDefinitions: () => this.provide().map((entry) => new api.McpHttpServerDefinition(entry.label, vscode.Uri.parse(entry.uri), {}, entry.version)),
      resolveMcpServerDefinition: (server) => this.resolve(server),
    };
    try {
      this.subscriptions.push(api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
    } catch (error) {
      // An editor whose API differs (a fork) must not fail the activation.
      log.warn(`MCP servers: VS Code ${vscode.version} refused the MCP server definition provider: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.registered = true;
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('tracingReload.targets') || event.affectsConfiguration(REGISTER_SERVERS_SETTING)) this.changed.fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    );
    log.info(`MCP servers: registered the MCP server definition provider ${MCP_PROVIDER_ID} with VS Code ${vscode.version}.`);
  }

  /** After an apply that succeeded on `target`. */
  async applied(target: TargetSetting, manifest: AppliedManifest): Promise<void> {
    await this.update(afterApply(this.state(), target, manifest));
  }

  /** After a rollback of `target` that made serial `restored`'s generation active as `serial`. */
  async rolledBack(target: TargetSetting, restored: number, serial: number): Promise<void> {
    await this.update(afterRollback(this.state(), target, restored, serial));
  }

  private state(): McpContextState {
    return parseState(this.extension.workspaceState.get(STATE_KEY));
  }

  private async update(state: McpContextState): Promise<void> {
    await this.extension.workspaceState.update(STATE_KEY, state);
    if (this.registered) this.changed.fire();
  }

  /** What the provider lists now (nothing while the setting is off, nor in Restricted Mode: a server gets the target's token). */
  private entries(): McpServerEntry[] {
    if (!registerServers() || !vscode.workspace.isTrusted) return [];
    return serverEntries(this.state(), configuredTargets());
  }

  private provide(): McpServerEntry[] {
    const entries = this.entries();
    // The end-to-end tests read these lines. URLs and digests only: never a token.
    if (entries.length > 0) this.log.info(`MCP servers given to VS Code: ${entries.map((e) => `${e.label} at ${e.uri}, version ${e.version}`).join('; ')}`);
    else this.log.info(`MCP servers: none given to VS Code (${!registerServers() ? `${REGISTER_SERVERS_SETTING} is off` : !vscode.workspace.isTrusted ? 'Restricted Mode' : 'no configured target serves a context manifest applied from here'}).`);
    return entries;
  }

  /** When VS Code starts a server: the target's token, if it has one, as its bearer token. */
  private async resolve(server: McpHttpServerDefinition): Promise<McpHttpServerDefinition | undefined> {
    const entry = this.entries().find((e) => e.label === server.label);
    if (!entry) {
      this.log.warn(`MCP servers: ${server.label} is no longer listed (its target was removed or changed); VS Code does not start it.`);
      return undefined;
    }
    const token = await targetToken(this.extension.secrets, entry.target);
    if (token) server.headers = { ...server.headers, Authorization: `Bearer ${token}` };
    this.log.info(`MCP servers: VS Code starts ${server.label} at ${entry.uri}${token ? ' with the target\'s token' : ' (the target has no token)'}.`);
    return server;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
