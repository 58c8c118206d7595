/**
 * File access for checks that run on every keystroke. Stats are cached for a moment, contents and
 * digests until the file changes (path + size + mtime), so a 10,000-artifact manifest does not stat
 * 10,000 files per keystroke. Digests for drift checks are computed in the background: a check
 * that finds none ready starts the hash and goes on; when it is done, `onDigest` tells the server
 * to check the documents again. A hash nobody wants any more (the document was edited or closed,
 * the file changed) is cancelled.
 */
import type { FileHost, FileStat } from '../core/localFiles';
import type { FileAccess } from '../core/service';
import type { FileHostOptions } from '../node/fileHost';

const STAT_TTL_MS = 2_000;

/** Makes the uncached host for a manifest (Node's file system; tests bring slower or failing ones). */
export type FileHostFactory = (manifestPath: string, options: FileHostOptions) => FileHost;

interface StatEntry {
  at: number;
  stat: Promise<FileStat | undefined>;
}

interface DigestJob {
  size: number;
  mtimeMs: number;
  /** The digest, once known. */
  digest?: string;
  promise: Promise<string | undefined>;
  controller: AbortController;
}

export class FileCache implements FileAccess {
  private readonly stats = new Map<string, StatEntry>();
  private readonly texts = new Map<string, { mtimeMs: number; size: number; text: Promise<string> }>();
  private readonly digests = new Map<string, DigestJob>();
  /** Which files each requester (a document URI) wanted hashed in its last settled check. */
  private readonly wanted = new Map<string, Set<string>>();
  /** What the requester's check under way has asked for so far. */
  private readonly asking = new Map<string, Set<string>>();

  constructor(
    private readonly makeHost: FileHostFactory,
    private readonly options: () => FileHostOptions,
    /** Called when a background hash finishes, with the file's path. */
    private readonly onDigest: (path: string) => void,
  ) {}

  /**
   * A host for the manifest at `manifestPath`. With a `requester` (the document's URI), the digests
   * it asks for are recorded, and `settle(requester)` after the check cancels the background hashes
   * that its previous check wanted and this one no longer does.
   */
  hostFor(manifestPath: string, requester?: string): FileHost {
    const base = this.makeHost(manifestPath, this.options());
    const wanted = requester === undefined ? undefined : new Set<string>();
    if (requester !== undefined) this.asking.set(requester, wanted!);
    return {
      locate: (uri) => base.locate(uri),
      stat: (path) => this.stat(base, path),
      readText: (path) => this.readText(base, path),
      digest: async (path, stat) => {
        wanted?.add(path);
        const job = this.job(base, path, stat);
        return job.digest;
      },
    };
  }

  /** The digest of a file, waiting for it (a quick fix or a hover asked for it). */
  async digestNow(manifestPath: string, path: string): Promise<{ digest: string; size: number } | undefined> {
    const base = this.makeHost(manifestPath, this.options());
    const stat = await this.stat(base, path);
    if (!stat?.isFile) return undefined;
    const digest = await this.job(base, path, stat).promise;
    return digest === undefined ? undefined : { digest, size: stat.size };
  }

  /** Forgets what is cached about a file that changed (from workspace/didChangeWatchedFiles), or about all. */
  invalidate(path?: string): void {
    for (const [key, job] of this.digests) {
      if (path === undefined || key === path) job.controller.abort(new Error('the file changed'));
    }
    if (path === undefined) {
      this.stats.clear();
      this.texts.clear();
      this.digests.clear();
    } else {
      this.stats.delete(path);
      this.texts.delete(path);
      this.digests.delete(path);
    }
  }

  /** A requester (document) is gone: hashes only it wanted are cancelled. */
  release(requester: string): void {
    this.wanted.delete(requester);
    this.asking.delete(requester);
    this.cancelUnwanted();
  }

  /** Files being hashed in the background now (for tests and the log). */
  hashing(): string[] {
    return [...this.digests].filter(([, job]) => job.digest === undefined && !job.controller.signal.aborted).map(([path]) => path);
  }

  /** The requester's latest check is complete: what it asked for replaces what it wanted before. */
  settle(requester: string): void {
    const asked = this.asking.get(requester);
    if (!asked) return;
    this.asking.delete(requester);
    this.wanted.set(requester, asked);
    this.cancelUnwanted();
  }

  private cancelUnwanted(): void {
    const wanted = new Set<string>();
    for (const paths of [...this.wanted.values(), ...this.asking.values()]) for (const path of paths) wanted.add(path);
    for (const [path, job] of this.digests) {
      if (job.digest === undefined && !wanted.has(path)) {
        job.controller.abort(new Error('no document needs this digest any more'));
        this.digests.delete(path);
      }
    }
  }

  private job(base: FileHost, path: string, stat: FileStat): DigestJob {
    const cached = this.digests.get(path);
    if (cached && cached.size === stat.size && cached.mtimeMs === (stat.mtimeMs ?? 0)) return cached;
    cached?.controller.abort(new Error('the file changed'));
    const controller = new AbortController();
    const job: DigestJob = { size: stat.size, mtimeMs: stat.mtimeMs ?? 0, controller, promise: Promise.resolve(undefined) };
    job.promise = (base.digest ? base.digest(path, stat, controller.signal) : Promise.resolve(undefined)).then(
      (digest) => {
        if (controller.signal.aborted || this.digests.get(path) !== job) return undefined;
        job.digest = digest;
        if (digest !== undefined) this.onDigest(path);
        return digest;
      },
      (error: unknown) => {
        if (this.digests.get(path) === job) this.digests.delete(path);
        if (controller.signal.aborted) return undefined;
        throw error;
      },
    );
    // Background jobs report failures through the checks that ask again; nobody awaits this one.
    job.promise.catch(() => undefined);
    this.digests.set(path, job);
    return job;
  }

  private stat(base: FileHost, path: string): Promise<FileStat | undefined> {
    const cached = this.stats.get(path);
    const now = Date.now();
    if (cached && now - cached.at < STAT_TTL_MS) return cached.stat;
    const stat = base.stat(path);
    this.stats.set(path, { at: now, stat });
    stat.catch(() => this.stats.delete(path));
    return stat;
  }

  private async readText(base: FileHost, path: string): Promise<string> {
    const stat = await this.stat(base, path);
    const cached = this.texts.get(path);
    if (cached && stat && cached.mtimeMs === (stat.mtimeMs ?? 0) && cached.size === stat.size) return cached.text;
    const text = base.readText(path);
    if (stat) this.texts.set(path, { mtimeMs: stat.mtimeMs ?? 0, size: stat.size, text });
    text.catch(() => this.texts.delete(path));
    return text;
  }
}
