/**
 * What the language server and the VS Code client share: command ids, custom requests and the
 * settings shape. Declared once here; the client imports this file.
 */

/** Commands the client contributes (DESIGN.md §7); code lenses invoke them with the document URI. */
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
  validation: {
    /** Milliseconds after the last change before a document is validated; 0 validates at once. */
    delayMs: number;
    /** Check the local files manifests point at (existence, size, knowledge rows). */
    checkLocalFiles: boolean;
  };
}

export const DEFAULT_SETTINGS: Settings = {
  targets: [],
  validation: { delayMs: 150, checkLocalFiles: true },
};

/** Merges a partial settings object (as the client sends it) over the defaults. */
export function settingsFrom(raw: unknown): Settings {
  const value = (raw ?? {}) as Partial<Settings> & { validation?: Partial<Settings['validation']> };
  const targets = Array.isArray(value.targets) ? value.targets.filter((t): t is TargetSetting => typeof t?.name === 'string' && typeof t?.url === 'string') : [];
  const delay = value.validation?.delayMs;
  return {
    targets,
    validation: {
      delayMs: typeof delay === 'number' && delay >= 0 ? delay : DEFAULT_SETTINGS.validation.delayMs,
      checkLocalFiles: value.validation?.checkLocalFiles ?? DEFAULT_SETTINGS.validation.checkLocalFiles,
    },
  };
}
