/**
 * The typed manifest model: what a manifest says, read once from its parsed value. Every part that
 * needs a fact about a manifest (checks, the plan, links, hover, definition, the pipeline) reads it
 * here rather than from raw JSON. The reader is defensive: it also reads documents that have
 * schema errors (the editor needs facts while the user types) and leaves out what is malformed.
 */
import type { FormatVersion } from '../formats';
import type { JsonObject } from '../jsonc/read';
import type { ChangeRef, RefKind } from './refs';

export type ChangeKind = 'Model' | 'Config' | 'FlagSet' | 'Prompt' | 'Resource' | 'Adapter' | 'Knowledge' | 'Session';

/** An artifact object (`artifact`, or a Config's `source`): where bytes are and which bytes they must be. */
export interface ArtifactSpec {
  uri: string;
  digest?: string;
  size?: number;
  /** Pointer of the artifact object; its fields are `${pointer}/uri`, `/digest`, `/size`. */
  pointer: string;
}

/** A file a change names: an artifact (a knowledge shard is one too), a prompt's template file or a resource's file. */
export interface NamedFile {
  role: 'artifact' | 'shard' | 'templateFile' | 'resourceFile';
  uri: string;
  /** Pointer of the string naming the file. */
  pointer: string;
  /** For artifacts: the artifact object (digest and size are checked against the file). */
  artifact?: ArtifactSpec;
  /** For knowledge shards: the vector length every row must have. */
  embeddingDim?: number;
}

/** A value that refers to a change: a model's `configRef`, a probe's `change`, an adapter's `baseModel`. */
export interface ReferenceSite {
  field: 'configRef' | 'change' | 'baseModel';
  /** The reference as written. */
  text: string;
  /** Undefined when the text is not a change reference. */
  ref?: ChangeRef;
  /** `kind:id` of `ref` (made once, with the site): the key the changes are declared under. */
  key?: string;
  /** The kind of change this field must name. */
  expects: RefKind;
  /** Pointer of the string. */
  pointer: string;
}

export interface ManifestChange {
  kind: ChangeKind;
  /** The change's name within its kind: a change id, prompt name, resource uri, `index/shard`, session id. */
  id: string;
  /**
   * Stable name in spans and results: `model:sentiment`, `prompt:summarize`, `resource:ctx://x`,
   * `adapter:lora`, `knowledge:kb/2026-11`, `session:s-1#0` (sessions by position: one id may
   * have several operations).
   */
  ref: string;
  /** For the reload manifest's changes: `model`, `config` or `flagset`. */
  refKind?: RefKind;
  version?: string;
  /** Pointer of the change object. */
  pointer: string;
  /** Position in its `spec` array. */
  index: number;
  /** The change object as written (loaders read their kind-specific fields from it). */
  spec: JsonObject;
  /** The artifact staged for this change, if any. */
  artifact?: ArtifactSpec;
  /** Every file the change names, artifact included. */
  files: readonly NamedFile[];
  /** References this change makes to others (a model's configRef, an adapter's baseModel). */
  references: readonly ReferenceSite[];
}

export interface HealthCheck {
  id: string;
  index: number;
  pointer: string;
  /** The change probed (`model:<id>`). */
  change?: ReferenceSite;
  phase: 'preActivate' | 'postActivate';
  /** Longest accepted inference time, from `maxLatencyMs` or its deprecated alias `timeoutMs`. */
  maxLatency?: { ms: number; pointer: string };
  spec: JsonObject;
}

export interface RolloutStep {
  index: number;
  pointer: string;
  setWeight?: number;
  /** The pause's ISO 8601 duration as written, and in ms when it parses. */
  pause?: { text: string; ms?: number };
}

export interface ManifestModel {
  format: FormatVersion;
  metadata: {
    name?: string;
    uid?: string;
    serial?: number;
    /** As written; see `expiresAt`. */
    expires?: string;
    /** `expires` as epoch ms; NaN when it is not a valid RFC 3339 time (fail closed). */
    expiresAt?: number;
    initiator?: string;
  };
  targets: { name: string; pointer: string }[];
  changes: ManifestChange[];
  healthChecks: HealthCheck[];
  activation: {
    mode: 'atomic' | 'independent';
    /** From `deadline` or its deprecated alias `timeoutSeconds`; `ms` undefined when it does not parse. */
    deadline?: { ms?: number; pointer: string };
  };
  rollout: RolloutStep[];
  rollback: { onFailure: 'revert' | 'pause' | 'none' };
}
