/**
 * Which MCP server definitions the extension gives VS Code (client/mcpServers.ts registers them):
 * the pure part, without `vscode`, so a unit test covers it.
 *
 * Per target, the extension remembers (in workspace state) what it applied from this VS Code: each
 * serial it made active and the context manifest (`mcp-context`) behind that serial's context, if
 * any. A target whose active serial came with a context manifest is listed as an HTTP MCP server
 * `Tracing Reload: <target> (<manifest name>)` at `<target url>/mcp`, whose version is the
 * manifest's sha256 digest (so VS Code sees a new version when another manifest is applied).
 * Generations are incremental: a reload manifest applied after a context manifest keeps its
 * context, and a rollback to serial S brings back the context of the newest context apply at or
 * before S. Applies and rollbacks made elsewhere (reloadctl, another VS Code) are not seen here.
 * A target is listed only while it is configured with the URL it had when its context was applied.
 *
 * VS Code's MCP API came in 1.101; the extension supports 1.95, so the API is looked up at run
 * time (`mcpApi`) and typed here.
 */
import type * as vscode from 'vscode';

/** The context manifest behind a serial. */
export interface AppliedContext {
  name: string;
  /** `sha256:<hex>` of the manifest's bytes as applied (the agent's `manifest.digest`). */
  digest: string;
}

/** One serial this VS Code made active on a target, and the context it serves (none: no context manifest is known behind it). */
export interface SerialRecord {
  serial: number;
  context?: AppliedContext;
}

export interface TargetContextState {
  /** The target's URL when the records were made: records of another URL are another agent's. */
  url: string;
  /** Oldest first, at most MAX_RECORDS; the last one is the serial active after this VS Code's last apply or rollback. */
  serials: SerialRecord[];
}

/** Target name → what this VS Code applied to it. Kept in workspace state as JSON. */
export type McpContextState = Record<string, TargetContextState>;

/** Serials remembered per target. */
export const MAX_RECORDS = 50;

export const MCP_PROVIDER_ID = 'tracingReload.targets';
export const MCP_LABEL_PREFIX = 'Tracing Reload: ';

/** What an apply that succeeded on one target made active. */
export interface AppliedManifest {
  /** The language of the applied file: only `mcp-context` manifests bring a context. */
  languageId: 'reload-manifest' | 'mcp-context';
  name: string;
  digest: string;
  serial: number;
}

/**
 * The state after an apply that succeeded on `target`: a context manifest's serial carries it; a
 * reload manifest's serial carries the context that served before (generations are incremental).
 */
export function afterApply(state: McpContextState, target: { name: string; url: string }, applied: AppliedManifest): McpContextState {
  const records = sameAgent(state, target);
  const context = applied.languageId === 'mcp-context' ? { name: applied.name, digest: applied.digest } : contextAt(records, applied.serial - 1);
  return withRecord(state, target, records, { serial: applied.serial, ...(context ? { context } : {}) });
}

/** The state after a rollback of `target` that made `restored`'s generation active as `serial`. */
export function afterRollback(state: McpContextState, target: { name: string; url: string }, restored: number, serial: number): McpContextState {
  const records = sameAgent(state, target);
  const context = contextAt(records, restored);
  return withRecord(state, target, records, { serial, ...(context ? { context } : {}) });
}

/** The context of serial `serial`: that of the newest record at or before it (none before any record). */
export function contextAt(records: readonly SerialRecord[], serial: number): AppliedContext | undefined {
  let found: SerialRecord | undefined;
  for (const record of records) if (record.serial <= serial && (!found || record.serial >= found.serial)) found = record;
  return found?.context;
}

function sameAgent(state: McpContextState, target: { name: string; url: string }): SerialRecord[] {
  const current = state[target.name];
  return current && sameUrl(current.url, target.url) ? current.serials : [];
}

function withRecord(state: McpContextState, target: { name: string; url: string }, records: readonly SerialRecord[], record: SerialRecord): McpContextState {
  // Serials only grow on an agent; records at or above the new one (an agent whose state was reset) no longer hold.
  const serials = [...records.filter((r) => r.serial < record.serial), record].slice(-MAX_RECORDS);
  return { ...state, [target.name]: { url: target.url, serials } };
}

/** One MCP server definition, as the provider gives it to VS Code (without headers: the token is added on resolve). */
export interface McpServerEntry {
  /** The configured target's name. */
  target: string;
  label: string;
  uri: string;
  version: string;
}

/** The definitions for the configured targets, in their configured order. */
export function serverEntries(state: McpContextState, targets: readonly { name: string; url: string }[]): McpServerEntry[] {
  const entries: McpServerEntry[] = [];
  for (const target of targets) {
    const remembered = state[target.name];
    if (!remembered || !sameUrl(remembered.url, target.url)) continue;
    const context = remembered.serials.at(-1)?.context;
    if (!context) continue;
    entries.push({ target: target.name, label: `${MCP_LABEL_PREFIX}${target.name} (${context.name})`, uri: mcpUri(target.url), version: context.digest });
  }
  return entries;
}

/** The agent's MCP endpoint: `/mcp` under the target's base URL. */
export function mcpUri(url: string): string {
  return `${url.replace(/\/+$/, '')}/mcp`;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Workspace state as read back: anything not of the expected shape is dropped. */
export function parseState(value: unknown): McpContextState {
  const state: McpContextState = {};
  if (!value || typeof value !== 'object') return state;
  for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
    const { url, serials } = (entry ?? {}) as { url?: unknown; serials?: unknown };
    if (typeof url !== 'string' || !Array.isArray(serials)) continue;
    const records: SerialRecord[] = [];
    for (const raw of serials as unknown[]) {
      const { serial, context } = (raw ?? {}) as { serial?: unknown; context?: { name?: unknown; digest?: unknown } };
      if (!Number.isSafeInteger(serial)) continue;
      const valid = context && typeof context.name === 'string' && typeof context.digest === 'string';
      records.push({ serial: serial as number, ...(valid ? { context: { name: context.name as string, digest: context.digest as string } } : {}) });
    }
    state[name] = { url, serials: records };
  }
  return state;
}

/** `vscode.McpHttpServerDefinition` (1.101+). */
export interface McpHttpServerDefinition {
  readonly label: string;
  uri: vscode.Uri;
  headers: Record<string, string>;
  version?: string;
}

export interface McpServerDefinitionProvider {
  readonly onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<McpHttpServerDefinition[]>;
  resolveMcpServerDefinition?(server: McpHttpServerDefinition, token: vscode.CancellationToken): vscode.ProviderResult<McpHttpServerDefinition>;
}

/** The part of VS Code's MCP API used here. */
export interface McpApi {
  McpHttpServerDefinition: new (label: string, uri: vscode.Uri, headers?: Record<string, string>, version?: string) => McpHttpServerDefinition;
  registerMcpServerDefinitionProvider(id: string, provider: McpServerDefinitionProvider): vscode.Disposable;
}

/** VS Code's MCP API, or undefined where this VS Code has none (before 1.101). */
export function mcpApi(api: unknown): McpApi | undefined {
  const { lm, McpHttpServerDefinition } = api as { lm?: { registerMcpServerDefinitionProvider?: unknown }; McpHttpServerDefinition?: unknown };
  const register = lm?.registerMcpServerDefinitionProvider;
  if (typeof register !== 'function' || typeof McpHttpServerDefinition !== 'function') return undefined;
  return {
    McpHttpServerDefinition: McpHttpServerDefinition as McpApi['McpHttpServerDefinition'],
    registerMcpServerDefinitionProvider: (id, provider) => register.call(lm, id, provider) as vscode.Disposable,
  };
}
