/** What one generation of the runtime serves: an immutable snapshot, swapped in as a whole. */
import type { FlagDefinition } from './flags';
import type { KnowledgeShard } from './knowledge';
import type { ModelSession, TensorSignature } from './modelEngine';
import type { SessionState } from './sessions';

export interface LoadedModel {
  id: string;
  version: string;
  digest: string;
  session: ModelSession;
  inputs: readonly TensorSignature[];
  outputs: readonly TensorSignature[];
}

export interface ConfigState {
  id: string;
  version?: string;
  data: unknown;
  digest?: string;
}

export interface PromptState {
  name: string;
  version?: string;
  title?: string;
  description?: string;
  arguments: { name: string; description?: string; required: boolean }[];
  template: string;
}

export interface ResourceState {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  text: string;
}

export interface AdapterState {
  name: string;
  version?: string;
  baseModel: string;
  digest: string;
  rank: number;
  targetModules: string[];
}

export interface Generation {
  /** Increases with every activation, rollbacks included. */
  readonly number: number;
  /** The serial of the manifest that produced it (0 for the empty start). */
  readonly serial: number;
  readonly manifest?: { name: string; uid?: string };
  readonly models: ReadonlyMap<string, LoadedModel>;
  readonly configs: ReadonlyMap<string, ConfigState>;
  /** Flag set id → flag key → definition. */
  readonly flags: ReadonlyMap<string, Readonly<Record<string, FlagDefinition>>>;
  readonly prompts: ReadonlyMap<string, PromptState>;
  /** By resource URI. */
  readonly resources: ReadonlyMap<string, ResourceState>;
  readonly adapters: ReadonlyMap<string, AdapterState>;
  /** Index → shard → rows. */
  readonly knowledge: ReadonlyMap<string, ReadonlyMap<string, KnowledgeShard>>;
  readonly sessions: ReadonlyMap<string, SessionState>;
}

export const EMPTY_GENERATION: Generation = {
  number: 0,
  serial: 0,
  models: new Map(),
  configs: new Map(),
  flags: new Map(),
  prompts: new Map(),
  resources: new Map(),
  adapters: new Map(),
  knowledge: new Map(),
  sessions: new Map(),
};

/** A mutable copy of a generation's maps, for building the next one. */
export interface GenerationDraft {
  models: Map<string, LoadedModel>;
  configs: Map<string, ConfigState>;
  flags: Map<string, Readonly<Record<string, FlagDefinition>>>;
  prompts: Map<string, PromptState>;
  resources: Map<string, ResourceState>;
  adapters: Map<string, AdapterState>;
  knowledge: Map<string, ReadonlyMap<string, KnowledgeShard>>;
  sessions: Map<string, SessionState>;
}

export function draftOf(generation: Generation): GenerationDraft {
  return {
    models: new Map(generation.models),
    configs: new Map(generation.configs),
    flags: new Map(generation.flags),
    prompts: new Map(generation.prompts),
    resources: new Map(generation.resources),
    adapters: new Map(generation.adapters),
    knowledge: new Map(generation.knowledge),
    sessions: new Map(generation.sessions),
  };
}

/** Every model a generation serves, for release bookkeeping. */
export function modelsOf(generation: Generation | undefined): Set<LoadedModel> {
  return new Set(generation ? generation.models.values() : []);
}
