/**
 * File watching, asked of the client by dynamic registration: the manifests of the workspace, and
 * the files the open manifests name (artifacts, templates, resources, shards). Nothing else, so the
 * server is not woken by every build output or dependency install.
 */
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, type ClientCapabilities, type Connection, type Disposable, type FileSystemWatcher } from 'vscode-languageserver';
import { logError } from './runSafe';

const MANIFEST_GLOBS = ['**/*.reload.json', '**/*.mcp-context.json'];
const REGISTER_DELAY_MS = 300;

/** Glob metacharacters in a file name, escaped (a name like `model[1].onnx` must match itself only). */
function escapeGlob(name: string): string {
  return name.replace(/[[\]{}*?]/g, (c) => `[${c}]`);
}

export class FileWatchers {
  private registration: Promise<Disposable> | undefined;
  private registered = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly connection: Connection,
    private readonly capabilities: () => ClientCapabilities,
    /** The local files the open manifests name now. */
    private readonly namedFiles: () => Iterable<string>,
  ) {}

  /** Whether the client lets the server choose what it watches. */
  get supported(): boolean {
    return this.capabilities().workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  }

  /** The named files may have changed: registers the new set soon (debounced), if it differs. */
  update(): void {
    if (!this.supported || this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.register().catch(logError(this.connection, 'registering file watchers')), REGISTER_DELAY_MS);
  }

  /** Registers now (at start, and after the debounce). */
  async register(): Promise<void> {
    if (!this.supported || this.disposed) return;
    const watchers = this.watchers();
    const key = JSON.stringify(watchers);
    if (key === this.registered) return;
    this.registered = key;
    const previous = this.registration;
    this.registration = this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers });
    await this.registration;
    if (previous) (await previous).dispose();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }

  private watchers(): FileSystemWatcher[] {
    const relative = this.capabilities().workspace?.didChangeWatchedFiles?.relativePatternSupport === true;
    const files = [...new Set(this.namedFiles())].sort();
    return [
      ...MANIFEST_GLOBS.map((globPattern) => ({ globPattern })),
      ...files.map((path) =>
        relative ? { globPattern: { baseUri: pathToFileURL(dirname(path)).href, pattern: escapeGlob(basename(path)) } } : { globPattern: escapeGlob(path) },
      ),
    ];
  }
}
