/**
 * File access for checks that run on every keystroke: stats are cached for a moment and file
 * contents and digests until the file changes (size or mtime), so a 10,000-artifact manifest
 * does not stat 10,000 files per keystroke.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { resolveArtifactPath } from '../core/artifactPath';
import { stageArtifact } from '../core/runtime/stage';
import { nodeArtifactSource } from '../node/fileHost';
import type { FileHost, FileStat } from '../core/localFiles';

const STAT_TTL_MS = 2_000;
/** Files above this are not hashed on hover or for a digest fix without being asked. */
export const MAX_INLINE_HASH_BYTES = 256 * 1024 * 1024;

interface StatEntry {
  at: number;
  stat: FileStat | undefined;
  mtimeMs: number;
}

export class FileCache {
  private readonly stats = new Map<string, StatEntry>();
  private readonly texts = new Map<string, { mtimeMs: number; size: number; text: string }>();
  private readonly digests = new Map<string, { mtimeMs: number; size: number; digest: Promise<string> }>();

  /** A FileHost resolving paths against the manifest at `manifestPath`. */
  hostFor(manifestPath: string): FileHost {
    const base = dirname(manifestPath);
    return {
      resolve: (uri) => resolveArtifactPath(base, uri),
      stat: async (path) => (await this.statEntry(path)).stat,
      readText: (path) => this.readText(path),
    };
  }

  /** Forgets what is cached about files that changed (from workspace/didChangeWatchedFiles). */
  invalidate(path?: string): void {
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

  async digest(path: string): Promise<{ digest: string; size: number } | undefined> {
    const entry = await this.statEntry(path);
    if (!entry.stat?.isFile) return undefined;
    const cached = this.digests.get(path);
    if (cached && cached.mtimeMs === entry.mtimeMs && cached.size === entry.stat.size) return { digest: await cached.digest, size: cached.size };
    // The same streamed hashing as staging, on this absolute path.
    const digest = stageArtifact(nodeArtifactSource(path), { uri: path }, { retain: false }).then((staged) => staged.digest);
    this.digests.set(path, { mtimeMs: entry.mtimeMs, size: entry.stat.size, digest });
    try {
      return { digest: await digest, size: entry.stat.size };
    } catch (e) {
      this.digests.delete(path);
      throw e;
    }
  }

  private async statEntry(path: string): Promise<StatEntry> {
    const cached = this.stats.get(path);
    const now = Date.now();
    if (cached && now - cached.at < STAT_TTL_MS) return cached;
    let entry: StatEntry;
    try {
      const stat = await fs.stat(path);
      entry = { at: now, stat: { size: stat.size, isFile: stat.isFile() }, mtimeMs: stat.mtimeMs };
    } catch {
      entry = { at: now, stat: undefined, mtimeMs: 0 };
    }
    this.stats.set(path, entry);
    return entry;
  }

  private async readText(path: string): Promise<string> {
    const entry = await this.statEntry(path);
    const cached = this.texts.get(path);
    if (cached && cached.mtimeMs === entry.mtimeMs && cached.size === entry.stat?.size) return cached.text;
    const text = await fs.readFile(path, 'utf8');
    this.texts.set(path, { mtimeMs: entry.mtimeMs, size: entry.stat?.size ?? text.length, text });
    return text;
  }
}
