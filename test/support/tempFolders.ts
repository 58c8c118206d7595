/** Temporary folders for a test file: one root removed after the file's tests, a fresh folder per test. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** Returns a function giving a new, empty folder under one root (so listings show exactly what a test left behind). */
export function tempFolders(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let folders = 0;
  return () => {
    const dir = join(root, String(folders++));
    mkdirSync(dir);
    return dir;
  };
}
