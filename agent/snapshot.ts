/**
 * A generation as durable state: everything it serves, with models by digest (their bytes are
 * blobs). Written before the state that makes it active, so a restart rebuilds exactly the
 * generation that was serving: its models loaded again from the blobs, the rest as it was.
 */
import type { AdapterState, ConfigState, Generation, LoadedModel, PromptState, ResourceState } from '../core/runtime/generation';
import type { FlagDefinition } from '../core/runtime/flags';
import type { KnowledgeShard } from '../core/runtime/knowledge';
import type { ModelEngine } from '../core/runtime/modelEngine';
import type { SessionState } from '../core/runtime/sessions';
import type { BlobStore } from './blobs';

export interface GenerationSnapshot {
  format: 1;
  number: number;
  serial: number;
  manifest?: { name: string; uid?: string };
  models: { id: string; version: string; digest: string }[];
  configs: ConfigState[];
  flags: [string, Readonly<Record<string, FlagDefinition>>][];
  prompts: PromptState[];
  resources: ResourceState[];
  adapters: AdapterState[];
  knowledge: [string, KnowledgeShard[]][];
  sessions: SessionState[];
}

export function snapshotOf(generation: Generation): GenerationSnapshot {
  return {
    format: 1,
    number: generation.number,
    serial: generation.serial,
    manifest: generation.manifest,
    models: [...generation.models.values()].map((m) => ({ id: m.id, version: m.version, digest: m.digest })),
    configs: [...generation.configs.values()],
    flags: [...generation.flags],
    prompts: [...generation.prompts.values()],
    resources: [...generation.resources.values()],
    adapters: [...generation.adapters.values()],
    knowledge: [...generation.knowledge].map(([index, shards]) => [index, [...shards.values()]]),
    sessions: [...generation.sessions.values()],
  };
}

/** Rebuilds a generation: models are loaded from their blobs (checked against their digests). */
export async function restoreGeneration(snapshot: GenerationSnapshot, blobs: BlobStore, engine: ModelEngine, number = snapshot.number): Promise<Generation> {
  const models = new Map<string, LoadedModel>();
  try {
    for (const m of snapshot.models) {
      const session = await engine.load(await blobs.read(m.digest));
      models.set(m.id, { id: m.id, version: m.version, digest: m.digest, session, inputs: session.inputs, outputs: session.outputs });
    }
  } catch (error) {
    await Promise.all([...models.values()].map((m) => m.session.release()));
    throw error;
  }
  return {
    number,
    serial: snapshot.serial,
    manifest: snapshot.manifest,
    models,
    configs: new Map(snapshot.configs.map((c) => [c.id, c])),
    flags: new Map(snapshot.flags),
    prompts: new Map(snapshot.prompts.map((p) => [p.name, p])),
    resources: new Map(snapshot.resources.map((r) => [r.uri, r])),
    adapters: new Map(snapshot.adapters.map((a) => [a.name, a])),
    knowledge: new Map(snapshot.knowledge.map(([index, shards]) => [index, new Map(shards.map((s) => [s.shard, s]))])),
    sessions: new Map(snapshot.sessions.map((s) => [s.sessionId, s])),
  };
}
