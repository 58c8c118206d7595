/** `readManifest`: the typed model (types.ts) of a parsed manifest of a known format version. */
import { readAliased } from '../deprecations';
import type { ApiVersion, FormatVersion } from '../formats';
import { childPointer } from '../jsonc/pointer';
import { asArray, asNumber, asObject, asString, field, own, type JsonObject } from '../jsonc/read';
import { parseDuration } from './duration';
import { CONTEXT_ARRAYS, readContextChange, readReloadChange, referenceSite } from './readChanges';
import { parseRfc3339 } from './time';
import type { HealthCheck, ManifestChange, ManifestModel, RolloutStep } from './types';

/**
 * What reading remembers between documents: the change read from each change object. Parsed
 * values are never mutated and incremental validation keeps the objects of unchanged changes, so
 * after a keystroke in a 10,000-change manifest only the edited change is read again. Owned by
 * whoever owns the documents (the manifest service); WeakMaps, so nothing outlives its document.
 */
export class ModelCache {
  readonly changes = new WeakMap<JsonObject, ManifestChange>();
  readonly lists = new WeakMap<unknown[], ManifestChange[]>();
  /** The last changes list read, raw and read: a keystroke changes one item, so the others are found by position. */
  last?: { raw: unknown[]; read: (ManifestChange | undefined)[] };
}

/** Reads a change object through the cache (when there is one); a cached change is reused only at the same position. */
function cachedChange(cache: ModelCache | undefined, object: JsonObject, index: number, read: () => ManifestChange | undefined): ManifestChange | undefined {
  if (!cache) return read();
  const cached = cache.changes.get(object);
  if (cached && cached.index === index) return cached;
  const change = read();
  if (change) cache.changes.set(object, change);
  return change;
}

function reloadChanges(list: unknown[], cache: ModelCache | undefined): ManifestChange[] {
  const known = cache?.lists.get(list);
  if (known) return known;
  const last = cache?.last;
  const read: (ManifestChange | undefined)[] = new Array(list.length);
  const changes: ManifestChange[] = [];
  for (let index = 0; index < list.length; index++) {
    const item = list[index];
    // Same object at the same position as in the last list: its reading is still right.
    let change = last && index < last.raw.length && last.raw[index] === item ? last.read[index] : undefined;
    if (change === undefined) {
      const object = asObject(item);
      change = object && cachedChange(cache, object, index, () => readReloadChange(object, index));
    }
    read[index] = change;
    if (change) changes.push(change);
  }
  if (cache) {
    cache.lists.set(list, changes);
    cache.last = { raw: list, read };
  }
  return changes;
}

function contextChanges(spec: JsonObject | undefined, apiVersion: ApiVersion, cache: ModelCache | undefined): ManifestChange[] {
  const changes: ManifestChange[] = [];
  for (const array of CONTEXT_ARRAYS) {
    const list = asArray(own(spec, array.key));
    for (let index = 0; index < list.length; index++) {
      const object = asObject(list[index]);
      const change = object && cachedChange(cache, object, index, () => readContextChange(object, index, array, apiVersion));
      if (change && change.kind === array.kind) changes.push(change);
    }
  }
  return changes;
}

function healthChecks(spec: JsonObject | undefined, apiVersion: ApiVersion): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const list = asArray(own(spec, 'healthChecks'));
  for (let index = 0; index < list.length; index++) {
    const object = asObject(list[index]);
    if (!object) continue;
    const pointer = `/spec/healthChecks/${index}`;
    const check: HealthCheck = { id: asString(field(object, 'id')) ?? '', index, pointer, phase: field(object, 'phase') === 'postActivate' ? 'postActivate' : 'preActivate', spec: object };
    const change = referenceSite('change', field(object, 'change'), 'model', `${pointer}/change`);
    if (change) check.change = change;
    const latency = readAliased(object, apiVersion, ['spec', 'healthChecks', '*'], 'maxLatencyMs');
    const ms = asNumber(latency?.value);
    if (latency && ms !== undefined) check.maxLatency = { ms, pointer: childPointer(pointer, latency.key) };
    checks.push(check);
  }
  return checks;
}

function rolloutSteps(spec: JsonObject | undefined): RolloutStep[] {
  const steps: RolloutStep[] = [];
  asArray(field(asObject(field(spec, 'rollout')), 'steps')).forEach((item, index) => {
    const object = asObject(item);
    if (!object) return;
    const step: RolloutStep = { index, pointer: `/spec/rollout/steps/${index}` };
    const weight = asNumber(field(object, 'setWeight'));
    if (weight !== undefined) step.setWeight = weight;
    const pause = asString(field(asObject(field(object, 'pause')), 'duration'));
    if (pause !== undefined) step.pause = { text: pause, ms: parseDuration(pause) };
    steps.push(step);
  });
  return steps;
}

function metadataOf(root: JsonObject): ManifestModel['metadata'] {
  const metadata = asObject(own(root, 'metadata'));
  const read: ManifestModel['metadata'] = {};
  for (const key of ['name', 'uid', 'expires', 'initiator'] as const) {
    const value = asString(field(metadata, key));
    if (value !== undefined) read[key] = value;
  }
  const serial = asNumber(field(metadata, 'serial'));
  if (serial !== undefined) read.serial = serial;
  if (read.expires !== undefined) read.expiresAt = parseRfc3339(read.expires);
  return read;
}

function activationOf(spec: JsonObject | undefined, apiVersion: ApiVersion): ManifestModel['activation'] {
  const activation = asObject(field(spec, 'activation'));
  const read: ManifestModel['activation'] = { mode: field(activation, 'mode') === 'independent' ? 'independent' : 'atomic' };
  const deadline = activation && readAliased(activation, apiVersion, ['spec', 'activation'], 'deadline');
  if (deadline) read.deadline = { ms: parseDuration(asString(deadline.value)), pointer: `/spec/activation/${deadline.key}` };
  return read;
}

const ON_FAILURE = new Set(['revert', 'pause', 'none']);

/**
 * The model of a parsed manifest; a legacy format yields its metadata and no changes (legacy
 * manifests are never applied). Without a cache (one-off reads) nothing is remembered.
 */
export function readManifest(value: unknown, format: FormatVersion, cache?: ModelCache): ManifestModel {
  const root = asObject(value) ?? {};
  const spec = asObject(own(root, 'spec'));
  const targets: ManifestModel['targets'] = [];
  asArray(field(spec, 'targets')).forEach((target, index) => {
    if (typeof target === 'string') targets.push({ name: target, pointer: `/spec/targets/${index}` });
  });
  const onFailure = field(asObject(field(spec, 'rollback')), 'onFailure');
  const model: ManifestModel = {
    format,
    metadata: metadataOf(root),
    targets,
    changes: [],
    healthChecks: [],
    activation: activationOf(spec, format.apiVersion),
    rollout: rolloutSteps(spec),
    rollback: { onFailure: typeof onFailure === 'string' && ON_FAILURE.has(onFailure) ? (onFailure as ManifestModel['rollback']['onFailure']) : 'revert' },
  };
  if (format.legacy) return model;
  if (format.languageId === 'reload-manifest') {
    model.changes = reloadChanges(asArray(field(spec, 'changes')), cache);
    model.healthChecks = healthChecks(spec, format.apiVersion);
  } else {
    model.changes = contextChanges(spec, format.apiVersion, cache);
  }
  return model;
}
