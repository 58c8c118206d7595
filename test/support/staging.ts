/** Real files in a temp dir and a counting artifact source, for the staging tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReloadStepError } from '../../core/errors';
import type { ArtifactSource } from '../../core/runtime/artifactSource';
import { nodeArtifactSource } from '../../node/fileHost';

export const MiB = 1024 * 1024;
export const POINTER = '/spec/changes/0/artifact';

/** A temp dir with `files`, removed after the test. */
export function workspace(t: { after(fn: () => void): void }, files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'staging-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

export const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface Counts {
  opens: number;
  reads: number;
  closes: number;
}

/**
 * The Node source for a manifest in `dir`, counting file opens, reads and closes, with `onStat`
 * run after each stat (to change the file between stat and read).
 */
export function sourceIn(dir: string, onStat: (path: string) => void = () => undefined): ArtifactSource & { counts: Counts } {
  const inner = nodeArtifactSource(join(dir, 'x.reload.json'));
  const counts: Counts = { opens: 0, reads: 0, closes: 0 };
  return {
    ...inner,
    counts,
    async stat(path: string) {
      const stat = await inner.stat(path);
      onStat(path);
      return stat;
    },
    async openFile(path: string) {
      counts.opens++;
      const file = await inner.openFile(path);
      return {
        read: (target: Uint8Array, offset: number, length: number, position: number) => {
          counts.reads++;
          return file.read(target, offset, length, position);
        },
        close: () => {
          counts.closes++;
          return file.close();
        },
      };
    },
  };
}

export function expectStepError(type: string, message: string, pointer: string | undefined): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ReloadStepError, `not a ReloadStepError: ${String(error)}`);
    assert.deepEqual({ type: error.type, message: error.message, pointer: error.pointer }, { type, message, pointer });
    return true;
  };
}

/** A response body made of `chunks`, for sources that stand in for a server. */
export async function* bodyOf(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}
