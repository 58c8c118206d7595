/**
 * Checks that read the files a manifest points at: local artifacts exist with the declared size,
 * knowledge shards hold well-formed rows, template and resource files exist. File access comes in
 * through `FileHost`, so the CLI, the language server and tests each bring their own.
 */
import { finding, type Finding } from './diagnostics';
import type { FormatVersion } from './formats';
import { asNumber, asObject, asString, objectsOf, own, type JsonObject } from './semantic/read';

export interface FileStat {
  size: number;
  isFile: boolean;
}

export interface FileHost {
  /** Resolves a manifest-relative path or `file:` URI against the manifest; undefined for remote URIs. */
  resolve(uri: string): string | undefined;
  stat(path: string): Promise<FileStat | undefined>;
  readText(path: string): Promise<string>;
}

/** Shards larger than this are not read while editing; the dry run checks them. */
export const MAX_SHARD_CHECK_BYTES = 64 * 1024 * 1024;
const MAX_ROW_PROBLEMS = 5;

interface FileRef {
  pointer: string;
  uri: string;
  size?: number;
  /** For knowledge shards: the expected vector length. */
  embeddingDim?: number;
}

function fileRefs(value: JsonObject, format: FormatVersion): FileRef[] {
  const spec = asObject(own(value, 'spec'));
  const refs: FileRef[] = [];
  const artifact = (node: unknown, pointer: string, extra: Partial<FileRef> = {}): void => {
    const uri = asString(own(asObject(node), 'uri'));
    if (uri !== undefined) refs.push({ pointer: `${pointer}/uri`, uri, size: asNumber(own(asObject(node), 'size')), ...extra });
  };
  if (format.languageId === 'reload-manifest') {
    for (const [index, change] of objectsOf(own(spec, 'changes'))) {
      artifact(own(change, 'artifact'), `/spec/changes/${index}/artifact`);
      artifact(own(change, 'source'), `/spec/changes/${index}/source`);
    }
    return refs;
  }
  for (const [index, prompt] of objectsOf(own(spec, 'prompts'))) {
    const file = asString(own(prompt, 'templateFile'));
    if (file !== undefined) refs.push({ pointer: `/spec/prompts/${index}/templateFile`, uri: file });
  }
  for (const [index, resource] of objectsOf(own(spec, 'resources'))) {
    const file = asString(own(resource, 'file'));
    if (file !== undefined) refs.push({ pointer: `/spec/resources/${index}/file`, uri: file });
  }
  for (const [index, adapter] of objectsOf(own(spec, 'adapters'))) artifact(own(adapter, 'artifact'), `/spec/adapters/${index}/artifact`);
  for (const [index, shard] of objectsOf(own(spec, 'knowledge'))) {
    if (own(shard, 'op') === 'delete') continue;
    artifact(own(shard, 'artifact'), `/spec/knowledge/${index}/artifact`, { embeddingDim: asNumber(own(shard, 'embeddingDim')) ?? -1 });
  }
  return refs;
}

export async function checkLocalFiles(value: unknown, format: FormatVersion, host: FileHost): Promise<Finding[]> {
  const root = asObject(value);
  if (!root || format.legacy) return [];
  const findings: Finding[] = [];
  await Promise.all(
    fileRefs(root, format).map(async (ref) => {
      const path = host.resolve(ref.uri);
      if (path === undefined) return;
      const stat = await host.stat(path);
      if (!stat || !stat.isFile) {
        findings.push(finding('artifact-not-found', ref.pointer, 'value', `${stat ? 'Not a file' : 'No file'} at ${path}: fix the path (relative to this manifest) or add the file.`));
        return;
      }
      if (ref.size !== undefined && ref.size !== stat.size) {
        findings.push(
          finding('artifact-size-mismatch', ref.pointer.replace(/uri$/, 'size'), 'value', `The file is ${stat.size} bytes, not ${ref.size}: the artifact changed; pin its digest and size again.`),
        );
      }
      if (ref.embeddingDim !== undefined && stat.size <= MAX_SHARD_CHECK_BYTES) {
        findings.push(...checkShardRows(await host.readText(path), ref));
      }
    }),
  );
  return findings;
}

function checkShardRows(text: string, ref: FileRef): Finding[] {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && problems.length < MAX_ROW_PROBLEMS; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `line ${i + 1}`;
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
    else if (ids.has(id)) problems.push(`${where} repeats id "${id}" (first on line ${ids.get(id)})`);
    else ids.set(id, i + 1);
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      problems.push(`${where} has no "vector" of numbers`);
    } else if (ref.embeddingDim !== undefined && ref.embeddingDim > 0 && vector.length !== ref.embeddingDim) {
      problems.push(`${where} has a vector of ${vector.length} numbers, not embeddingDim ${ref.embeddingDim}`);
    }
  }
  if (problems.length === 0) return [];
  return [finding('invalid-knowledge-row', ref.pointer, 'value', `The shard's rows are not valid: ${problems.join('; ')}. Fix the file or embeddingDim.`)];
}
