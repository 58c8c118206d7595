/**
 * Checks that read the files a manifest names: they are inside the allowed folders, exist, are
 * readable, have the declared size and (when the host hashes) the pinned digest; knowledge shards
 * hold well-formed rows. File access comes in through `FileHost`, so the CLI, the language server
 * and tests each bring their own. Messages quote the manifest, never the files' contents.
 */
import type { ArtifactLocation } from './artifactPath';
import { finding, type Finding } from './diagnostics';
import { describeFileError, FileAccessError } from './errors';
import type { ManifestModel, NamedFile } from './model/types';
import { asObject, asString, own } from './jsonc/read';

export interface FileStat {
  size: number;
  isFile: boolean;
  /** Modification time, for caches keyed by path + size + mtime. */
  mtimeMs?: number;
}

export interface FileHost {
  /** Where a uri the manifest names is, confined to the manifest's folder and the artifact roots. */
  locate(uri: string): ArtifactLocation;
  /** Undefined when there is no such file; rejects with FileAccessError when it cannot be used. */
  stat(path: string): Promise<FileStat | undefined>;
  readText(path: string): Promise<string>;
  /**
   * The `sha256:<hex>` digest of a file, for hosts that hash (digest drift); undefined when it is
   * not known now (larger than the host's limit, or still being hashed in the background).
   */
  digest?(path: string, stat: FileStat, signal?: AbortSignal): Promise<string | undefined>;
}

/** Shards larger than this are not read while editing; the dry run checks them. */
export const MAX_SHARD_CHECK_BYTES = 64 * 1024 * 1024;
/** Files above this are not hashed while editing unless the user allows more (setting, CLI flag). */
export const DEFAULT_MAX_HASH_BYTES = 256 * 1024 * 1024;
const MAX_ROW_PROBLEMS = 5;

export interface LocalFileOptions {
  signal?: AbortSignal;
}

export async function checkLocalFiles(model: ManifestModel, host: FileHost, options: LocalFileOptions = {}): Promise<Finding[]> {
  if (model.format.legacy) return [];
  const files = model.changes.flatMap((change) => change.files);
  const results = await Promise.all(files.map((file) => checkFile(file, host, options)));
  return results.flat();
}

async function checkFile(file: NamedFile, host: FileHost, options: LocalFileOptions): Promise<Finding[]> {
  const location = host.locate(file.uri);
  if (location.kind === 'remote') return [];
  if (location.kind === 'refused') return [finding('artifact-outside-roots', file.pointer, 'value', location.reason)];
  const path = location.path;
  try {
    const stat = await host.stat(path);
    if (!stat || !stat.isFile) {
      return [finding('artifact-not-found', file.pointer, 'value', `${stat ? 'Not a file' : 'No file'} at ${path}: fix the path (relative to this manifest) or add the file.`)];
    }
    const findings: Finding[] = [];
    const artifact = file.artifact;
    if (artifact?.size !== undefined && artifact.size !== stat.size) {
      findings.push(finding('artifact-size-mismatch', `${artifact.pointer}/size`, 'value', `The file is ${stat.size} bytes, not ${artifact.size}: the artifact changed; pin its digest and size again.`));
    } else if (artifact?.digest !== undefined && host.digest) {
      const actual = await host.digest(path, stat, options.signal);
      if (actual !== undefined && actual !== artifact.digest) {
        findings.push(
          finding(
            'digest-mismatch',
            `${artifact.pointer}/digest`,
            'value',
            `The file's bytes changed: it hashes to ${actual}, not the pinned digest. If the change is intended, pin the new digest (quick fix); otherwise restore the file.`,
            { data: { artifact: artifact.pointer, digest: actual, size: stat.size } },
          ),
        );
      }
    }
    if (file.role === 'shard' && stat.size <= MAX_SHARD_CHECK_BYTES) findings.push(...checkShardRows(await host.readText(path), file));
    return findings;
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const outside = error instanceof FileAccessError && error.reason === 'outside-roots';
    return [finding(outside ? 'artifact-outside-roots' : 'artifact-unreadable', file.pointer, 'value', outside ? describeFileError(error) : `Cannot read ${path}: ${describeFileError(error)}. Check the file's permissions and the disk.`)];
  }
}

/** Row problems of a JSONL shard: by line number only (row content is never quoted). */
function checkShardRows(text: string, file: NamedFile): Finding[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const dim = file.embeddingDim;
  let lineNumber = 0;
  for (let start = 0; start <= text.length && problems.length < MAX_ROW_PROBLEMS; ) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end).trim();
    start = end < 0 ? text.length + 1 : end + 1;
    lineNumber++;
    if (line === '') continue;
    const where = `line ${lineNumber}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      problems.push(`${where} is not JSON`);
      continue;
    }
    const object = asObject(row);
    const id = asString(own(object, 'id'));
    const vector = own(object, 'vector');
    if (id === undefined) problems.push(`${where} has no string "id"`);
    else if (ids.has(id)) problems.push(`${where} repeats the id of line ${ids.get(id)}`);
    else ids.set(id, lineNumber);
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      problems.push(`${where} has no "vector" of numbers`);
    } else if (dim !== undefined && dim > 0 && vector.length !== dim) {
      problems.push(`${where} has a vector of ${vector.length} numbers, not embeddingDim ${dim}`);
    }
  }
  if (problems.length === 0) return [];
  return [finding('invalid-knowledge-row', file.pointer, 'value', `The shard's rows are not valid: ${problems.join('; ')}. Fix the file or embeddingDim.`)];
}
