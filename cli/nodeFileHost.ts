/** `FileHost` on Node's file system, for a manifest at `manifestPath`. */
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileHost } from '../core/localFiles';

export function nodeFileHost(manifestPath: string): FileHost {
  const base = dirname(resolve(manifestPath));
  return {
    resolve(uri) {
      if (uri.startsWith('file:')) {
        try {
          return fileURLToPath(uri);
        } catch {
          return undefined;
        }
      }
      if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) && !/^[A-Za-z]:[\\/]/.test(uri)) return undefined; // http(s):, s3:, …
      return isAbsolute(uri) ? uri : resolve(base, uri);
    },
    async stat(path) {
      try {
        const stat = await fs.stat(path);
        return { size: stat.size, isFile: stat.isFile() };
      } catch {
        return undefined;
      }
    },
    readText: (path) => fs.readFile(path, 'utf8'),
  };
}
