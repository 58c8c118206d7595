/** Reading the changes of both manifest languages into `ManifestChange`s (see types.ts). */
import { readAliased } from '../deprecations';
import type { ApiVersion } from '../formats';
import { childPointer } from '../jsonc/pointer';
import { asNumber, asObject, asString, field, own, type JsonObject } from '../jsonc/read';
import { parseChangeRef, REF_KIND_OF, refKey, type RefKind } from './refs';
import type { ArtifactSpec, ChangeKind, ManifestChange, NamedFile, ReferenceSite } from './types';

/** Shared by every change that names no file or makes no reference (thousands in a large manifest). */
const NONE: never[] = [];
Object.freeze(NONE);

/** The artifact object under `key` of a change, when it names a uri. */
function artifactOf(change: JsonObject, key: string, changePointer: string): ArtifactSpec | undefined {
  const object = asObject(field(change, key));
  const uri = asString(field(object, 'uri'));
  if (uri === undefined) return undefined;
  const artifact: ArtifactSpec = { uri, pointer: `${changePointer}/${key}` };
  const digest = asString(field(object, 'digest'));
  const size = asNumber(field(object, 'size'));
  if (digest !== undefined) artifact.digest = digest;
  if (size !== undefined) artifact.size = size;
  return artifact;
}

function artifactFile(artifact: ArtifactSpec): NamedFile {
  return { role: 'artifact', uri: artifact.uri, pointer: `${artifact.pointer}/uri`, artifact };
}

export function referenceSite(field: ReferenceSite['field'], value: unknown, expects: RefKind, pointer: string): ReferenceSite | undefined {
  if (typeof value !== 'string') return undefined;
  const ref = parseChangeRef(value);
  return ref ? { field, text: value, ref, key: refKey(ref), expects, pointer } : { field, text: value, expects, pointer };
}

/** A Model, Config or FlagSet change of a reload manifest; undefined for an unknown kind. */
export function readReloadChange(change: JsonObject, index: number): ManifestChange | undefined {
  const kind = field(change, 'kind');
  const refKind = typeof kind === 'string' ? REF_KIND_OF[kind] : undefined;
  if (refKind === undefined) return undefined;
  const id = asString(field(change, 'id')) ?? '';
  const pointer = `/spec/changes/${index}`;
  const artifact = kind === 'Model' ? artifactOf(change, 'artifact', pointer) : kind === 'Config' ? artifactOf(change, 'source', pointer) : undefined;
  const site = kind === 'Model' ? referenceSite('configRef', field(asObject(field(change, 'preprocessing')), 'configRef'), 'config', `${pointer}/preprocessing/configRef`) : undefined;
  // Every field set in one literal, in one order: the checks loop over thousands of these, and
  // objects of one shape keep those loops fast.
  return {
    kind: kind as ChangeKind,
    id,
    ref: `${refKind}:${id}`,
    refKind,
    version: asString(field(change, 'version')),
    pointer,
    index,
    spec: change,
    artifact,
    files: artifact ? [artifactFile(artifact)] : NONE,
    references: site ? [site] : NONE,
  };
}

/** The `spec` arrays of a context manifest, the kind of change each item is, and how it is named. */
export const CONTEXT_ARRAYS: readonly { key: string; kind: ChangeKind; id: (item: JsonObject) => string | undefined }[] = [
  { key: 'prompts', kind: 'Prompt', id: (item) => asString(own(item, 'name')) },
  { key: 'resources', kind: 'Resource', id: (item) => asString(own(item, 'uri')) },
  { key: 'adapters', kind: 'Adapter', id: (item) => asString(own(item, 'name')) },
  {
    key: 'knowledge',
    kind: 'Knowledge',
    id: (item) => {
      const index = asString(own(item, 'index'));
      const shard = asString(own(item, 'shard'));
      return index !== undefined && shard !== undefined ? `${index}/${shard}` : undefined;
    },
  },
  { key: 'sessions', kind: 'Session', id: (item) => asString(own(item, 'sessionId')) },
];

/** An item of one of the context manifest's `spec` arrays. */
export function readContextChange(item: JsonObject, index: number, array: (typeof CONTEXT_ARRAYS)[number], apiVersion: ApiVersion): ManifestChange {
  const pointer = `${childPointer('/spec', array.key)}/${index}`;
  const id = array.id(item) ?? '';
  const files: NamedFile[] = [];
  const references: ReferenceSite[] = [];
  const change: ManifestChange = {
    kind: array.kind,
    id,
    ref: array.kind === 'Session' ? `session:${id}#${index}` : `${array.kind.toLowerCase()}:${id}`,
    refKind: undefined,
    version: asString(own(item, 'version')),
    pointer,
    index,
    spec: item,
    artifact: undefined,
    files,
    references,
  };
  switch (array.kind) {
    case 'Prompt': {
      const file = asString(own(item, 'templateFile'));
      if (file !== undefined) files.push({ role: 'templateFile', uri: file, pointer: `${pointer}/templateFile` });
      break;
    }
    case 'Resource': {
      const file = asString(own(item, 'file'));
      if (file !== undefined) files.push({ role: 'resourceFile', uri: file, pointer: `${pointer}/file` });
      break;
    }
    case 'Adapter': {
      change.artifact = artifactOf(item, 'artifact', pointer);
      if (change.artifact) files.push(artifactFile(change.artifact));
      const site = referenceSite('baseModel', own(item, 'baseModel'), 'model', `${pointer}/baseModel`);
      if (site) references.push(site);
      break;
    }
    case 'Knowledge': {
      if (own(item, 'op') === 'delete') break;
      change.artifact = artifactOf(item, 'artifact', pointer);
      if (!change.artifact) break;
      const dim = asNumber(readAliased(item, apiVersion, ['spec', 'knowledge', '*'], 'embeddingDim')?.value);
      files.push({ ...artifactFile(change.artifact), role: 'shard', ...(dim !== undefined ? { embeddingDim: dim } : {}) });
      break;
    }
    default:
      break;
  }
  return change;
}
