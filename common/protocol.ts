/**
 * What the language server and the VS Code client share: command ids, custom requests and the
 * settings shape. Declared once here; the client imports this file.
 */

/**
 * Commands the client contributes: those of DESIGN.md §7 (code lenses invoke them with the document
 * URI) and the Reload Targets view's row actions (invoked with the row; not in the palette).
 */
export const CLIENT_COMMANDS = {
  dryRun: 'tracingReload.dryRun',
  apply: 'tracingReload.apply',
  rollback: 'tracingReload.rollback',
  showTrace: 'tracingReload.showTrace',
  openTraceFile: 'tracingReload.openTraceFile',
  exportTrace: 'tracingReload.exportTrace',
  migrateWorkspace: 'tracingReload.migrateWorkspace',
  setTargetToken: 'tracingReload.setTargetToken',
  refreshTargets: 'tracingReload.refreshTargets',
  rollbackToSerial: 'tracingReload.rollbackToSerial',
  openApplyTrace: 'tracingReload.openApplyTrace',
} as const;

/** Commands the server executes (`workspace/executeCommand`). */
export const SERVER_COMMANDS = {
  /**
   * Migrates every legacy manifest in the workspace folders. Arguments: none. Returns a
   * `WorkspaceEdit` (document changes carry the version of open documents) for the client to
   * preview and apply; the server applies nothing itself.
   */
  migrateWorkspace: 'tracingReload.server.migrateWorkspace',
} as const;

export interface TargetSetting {
  name: string;
  url: string;
}

/** Settings under the `tracingReload` section. Tokens are never settings (they live in SecretStorage). */
export interface Settings {
  /** Remote targets (reload agents). */
  targets: TargetSetting[];
  /**
   * Folders besides each manifest's own that the files it names may be in (absolute, or relative
   * to the first workspace folder). Anything else is refused, never read.
   */
  artifactRoots: string[];
  validation: {
    /** Milliseconds after the last change before a document is validated; 0 validates at once. */
    delayMs: number;
    /** Check the local files manifests point at (existence, size, digest, knowledge rows). */
    checkLocalFiles: boolean;
    /** Pinned digests are checked (hashed in the background) for files up to this many bytes; 0 turns it off. */
    maxHashBytes: number;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  targets: [],
  artifactRoots: [],
  validation: { delayMs: 150, checkLocalFiles: true, maxHashBytes: 256 * 1024 * 1024 },
};

/** Merges a partial settings object (as the client sends it) over the defaults. */
export function settingsFrom(raw: unknown): Settings {
  const value = (raw ?? {}) as Partial<Settings> & { validation?: Partial<Settings['validation']> };
  const targets = Array.isArray(value.targets) ? value.targets.filter((t): t is TargetSetting => typeof t?.name === 'string' && typeof t?.url === 'string') : [];
  const delay = value.validation?.delayMs;
  const maxHash = value.validation?.maxHashBytes;
  const roots = Array.isArray(value.artifactRoots) ? value.artifactRoots.filter((r): r is string => typeof r === 'string' && r.length > 0) : [];
  return {
    targets,
    artifactRoots: roots,
    validation: {
      delayMs: typeof delay === 'number' && delay >= 0 ? delay : DEFAULT_SETTINGS.validation.delayMs,
      checkLocalFiles: typeof value.validation?.checkLocalFiles === 'boolean' ? value.validation.checkLocalFiles : DEFAULT_SETTINGS.validation.checkLocalFiles,
      maxHashBytes: typeof maxHash === 'number' && Number.isFinite(maxHash) && maxHash >= 0 ? maxHash : DEFAULT_SETTINGS.validation.maxHashBytes,
    },
  };
}

/** The title of the server's migration quick fix; the client finds the action by it (after a legacy manifest's dry run). */
export const MIGRATE_ACTION_PREFIX = 'Migrate to ';
export const migrateActionTitle = (apiVersion: string): string => `${MIGRATE_ACTION_PREFIX}${apiVersion}`;
