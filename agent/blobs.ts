/**
 * The agent's content-addressed artifacts: `blobs/sha256/<hex>` in the state folder, the way OCI
 * registries keep blobs. A blob is written to a temporary file while it is hashed, checked against
 * its digest (and its declared size), flushed, and only then renamed into place: a blob file
 * always holds the bytes its name says.
 */
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlantedFileError, stateFolder, syncFolder, tempPathFor, removeLeftovers } from './durable';

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

export class BlobError extends Error {
  constructor(
    readonly kind: 'digest-mismatch' | 'payload-too-large' | 'size-mismatch',
    message: string,
  ) {
    super(message);
  }
}

export class BlobStore {
  private readonly known = new Set<string>();
  readonly folder: string;

  constructor(stateDir: string) {
    this.folder = join(stateDir, 'blobs', 'sha256');
  }

  async open(): Promise<void> {
    try {
      await stateFolder(dirname(this.folder));
      await stateFolder(this.folder);
    } catch (error) {
      throw error instanceof PlantedFileError ? new Error(`${error.message}.`) : error;
    }
    await removeLeftovers(this.folder);
    // Only regular files are blobs: a link planted in the folder is never followed (nor reported as held).
    for (const entry of await fs.readdir(this.folder, { withFileTypes: true })) if (entry.isFile() && /^[0-9a-f]{64}$/.test(entry.name)) this.known.add(`sha256:${entry.name}`);
  }

  has(digest: string): boolean {
    return this.known.has(digest);
  }

  /** The blob's path, if the agent has it. */
  pathOf(digest: string): string | undefined {
    return this.known.has(digest) ? join(this.folder, digest.slice('sha256:'.length)) : undefined;
  }

  count(): number {
    return this.known.size;
  }

  /**
   * Stores the bytes `body` yields under `digest`, reading at most `maxBytes` (the declared size):
   * one more byte, a different digest, or (with `exactSize`) fewer bytes fail and keep nothing.
   * Returns false when the blob was already there (the body is then not read).
   */
  async put(digest: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxBytes: number, exactSize?: number): Promise<boolean> {
    if (!DIGEST_PATTERN.test(digest)) throw new Error(`not a sha256 digest: ${digest}`);
    if (this.known.has(digest)) return false;
    const target = join(this.folder, digest.slice('sha256:'.length));
    const temp = tempPathFor(target);
    const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let keep = false;
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of body) {
        size += chunk.length;
        if (size > maxBytes) throw new BlobError('payload-too-large', `more than the ${maxBytes} bytes declared arrived; nothing was stored`);
        hash.update(chunk);
        await handle.write(chunk);
      }
      if (exactSize !== undefined && size !== exactSize) throw new BlobError('size-mismatch', `${size} bytes arrived, ${exactSize} were declared; nothing was stored`);
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) throw new BlobError('digest-mismatch', `the bytes hash to ${actual}, not ${digest}; nothing was stored`);
      await handle.sync();
      keep = true;
    } finally {
      await handle.close();
      if (!keep) await fs.rm(temp, { force: true });
    }
    await fs.rename(temp, target);
    await syncFolder(this.folder);
    this.known.add(digest);
    return true;
  }

  /** Reads a blob whole, checking its bytes against its name (a damaged state folder is reported, never served). */
  async read(digest: string): Promise<Uint8Array> {
    const path = this.pathOf(digest);
    if (!path) throw new Error(`the agent has no blob ${digest}`);
    const handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const bytes = await handle.readFile().finally(() => handle.close());
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw new Error(`the blob ${path} is damaged: its bytes hash to ${actual}`);
    return bytes;
  }
}
