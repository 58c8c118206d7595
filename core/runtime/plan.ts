/** The changes a manifest makes, in apply order, with the artifact each one stages. */
import type { LanguageId } from '../formats';
import { asArray, asNumber, asObject, asString, objectsOf, own, type JsonObject } from '../semantic/read';
import type { ArtifactRef } from './stage';

export type ChangeKind = 'Model' | 'Config' | 'FlagSet' | 'Prompt' | 'Resource' | 'Adapter' | 'Knowledge' | 'Session';

export interface PlannedChange {
  /** Stable reference used in spans and results, e.g. `model:sentiment`, `session:s-1#0`. */
  ref: string;
  kind: ChangeKind;
  /** JSON pointer of the change in the manifest. */
  pointer: string;
  spec: JsonObject;
  artifact?: { ref: ArtifactRef; pointer: string };
}

function artifactOf(node: unknown, pointer: string): PlannedChange['artifact'] {
  const object = asObject(node);
  const uri = asString(own(object, 'uri'));
  if (uri === undefined) return undefined;
  return { ref: { uri, digest: asString(own(object, 'digest')), size: asNumber(own(object, 'size')) }, pointer };
}

export function planChanges(manifest: JsonObject, languageId: LanguageId): PlannedChange[] {
  const spec = asObject(own(manifest, 'spec'));
  const changes: PlannedChange[] = [];
  const add = (kind: ChangeKind, ref: string, pointer: string, object: JsonObject, artifactKey?: string): void => {
    const artifact = artifactKey ? artifactOf(own(object, artifactKey), `${pointer}/${artifactKey}`) : undefined;
    changes.push({ ref, kind, pointer, spec: object, artifact });
  };
  if (languageId === 'reload-manifest') {
    for (const [i, change] of objectsOf(own(spec, 'changes'))) {
      const id = asString(own(change, 'id')) ?? String(i);
      const pointer = `/spec/changes/${i}`;
      const kind = own(change, 'kind');
      if (kind === 'Model') add('Model', `model:${id}`, pointer, change, 'artifact');
      else if (kind === 'Config') add('Config', `config:${id}`, pointer, change, 'source');
      else if (kind === 'FlagSet') add('FlagSet', `flagset:${id}`, pointer, change);
    }
    return changes;
  }
  for (const [i, prompt] of objectsOf(own(spec, 'prompts'))) add('Prompt', `prompt:${String(own(prompt, 'name'))}`, `/spec/prompts/${i}`, prompt);
  for (const [i, resource] of objectsOf(own(spec, 'resources'))) add('Resource', `resource:${String(own(resource, 'uri'))}`, `/spec/resources/${i}`, resource);
  for (const [i, adapter] of objectsOf(own(spec, 'adapters'))) add('Adapter', `adapter:${String(own(adapter, 'name'))}`, `/spec/adapters/${i}`, adapter, 'artifact');
  for (const [i, shard] of objectsOf(own(spec, 'knowledge'))) {
    add('Knowledge', `knowledge:${String(own(shard, 'index'))}/${String(own(shard, 'shard'))}`, `/spec/knowledge/${i}`, shard, own(shard, 'op') === 'delete' ? undefined : 'artifact');
  }
  asArray(own(spec, 'sessions')).forEach((session, i) => {
    const object = asObject(session);
    if (object) add('Session', `session:${String(own(object, 'sessionId'))}#${i}`, `/spec/sessions/${i}`, object);
  });
  return changes;
}
