/**
 * The local artifacts a manifest names, as blob uploads for its targets: each artifact with a
 * pinned digest whose file lies in the manifest's folder or a root. A target that already has the
 * digest gets nothing; the agent checks the bytes it gets against the digest.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { ManifestModel } from '../core/model/types';
import type { BlobUpload } from '../core/target/fleet';
import { confinement, nodeFileHost } from './fileHost';
import { dirname, resolve } from 'node:path';

export async function localUploads(model: ManifestModel, manifestPath: string, roots: readonly string[] = []): Promise<BlobUpload[]> {
  const host = nodeFileHost(manifestPath, { roots });
  const confine = confinement(dirname(resolve(manifestPath)), roots);
  const uploads = new Map<string, BlobUpload>();
  for (const change of model.changes) {
    const artifact = change.artifact;
    if (!artifact?.digest || uploads.has(artifact.digest)) continue;
    const at = host.locate(artifact.uri);
    if (at.kind !== 'local') continue;
    let real: string | undefined;
    try {
      real = await confine(at.path);
    } catch {
      continue; // Outside the roots: the agent resolves it in its own roots, or says it cannot.
    }
    if (real === undefined) continue;
    const stat = await fs.stat(real);
    if (!stat.isFile()) continue;
    const path = real;
    uploads.set(artifact.digest, { digest: artifact.digest, size: stat.size, uri: artifact.uri, open: () => createReadStream(path) });
  }
  return [...uploads.values()];
}
