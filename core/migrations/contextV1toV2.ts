/** mcp-context/v1 (flat, snake_case) → mcp-context/v2, mapped as docs/formats.md describes. */
import { childPointer } from '../jsonc/pointer';
import { asNumber, asObject, asString, own, type JsonObject } from '../jsonc/read';
import { parseTemplate } from '../templates';
import { copyExtensions, isUuid, refuse, slug, type MigrationStep, type StepResult } from './step';

const PROMPT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const SHARD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SESSION = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** What the mapping builds, section by section: each section returns a refusal, or nothing when it mapped. */
interface Mapping {
  v1: JsonObject;
  spec: JsonObject;
  annotations: Record<string, string>;
  moved: Map<string, string>;
}

type Refusal = StepResult | undefined;

function mapPrompts({ v1, spec, annotations, moved }: Mapping): Refusal {
  const templates = asObject(own(v1, 'prompt_templates'));
  const promptVersion = asString(own(v1, 'prompt_template_version'));
  if (!templates || Object.keys(templates).length === 0) {
    if (promptVersion !== undefined) {
      annotations['reload/legacy-prompt-template-version'] = promptVersion;
      moved.set('/prompt_template_version', '/metadata/annotations');
    }
    return undefined;
  }
  const prompts: JsonObject[] = [];
  for (const promptName of Object.keys(templates)) {
    if (!PROMPT_NAME.test(promptName)) {
      return refuse(childPointer('/prompt_templates', promptName), `prompt name "${promptName}" is not a valid MCP prompt name (1-128 letters, digits, '_', '.' or '-'); rename it first.`);
    }
    const template = asString(own(templates, promptName)) ?? '';
    const names = [...new Set(parseTemplate(template).placeholders.map((p) => p.name))];
    const prompt: JsonObject = { name: promptName };
    if (promptVersion !== undefined) prompt.version = promptVersion;
    if (names.length > 0) prompt.arguments = names.map((argument) => ({ name: argument, required: true }));
    prompt.template = template;
    moved.set(childPointer('/prompt_templates', promptName), `/spec/prompts/${prompts.length}/template`);
    prompts.push(prompt);
  }
  spec.prompts = prompts;
  if (promptVersion !== undefined) moved.set('/prompt_template_version', '/spec/prompts/0/version');
  moved.set('/prompt_templates', '/spec/prompts');
  return undefined;
}

function mapAdapter({ v1, spec, annotations, moved }: Mapping): Refusal {
  const adapterId = asString(own(v1, 'adapter_id'));
  const baseModel = asString(own(v1, 'base_model'));
  const adapterVersion = asString(own(v1, 'adapter_version'));
  if (adapterId === undefined) {
    // Without an adapter, its version and base model have no place but the annotations.
    for (const [key, annotation] of [
      ['adapter_version', 'reload/legacy-adapter-version'],
      ['base_model', 'reload/legacy-base-model'],
    ] as const) {
      const kept = asString(own(v1, key));
      if (kept === undefined) continue;
      annotations[annotation] = kept;
      moved.set(`/${key}`, '/metadata/annotations');
    }
    return undefined;
  }
  const adapterName = slug(adapterId);
  if (!adapterName) return refuse('/adapter_id', `"${adapterId}" has no letters or digits to make an adapter name from; rename it.`);
  if (baseModel === undefined) return refuse('/adapter_id', 'mcp-context/v2 adapters name their base model: add "base_model" (the model id) first.');
  const modelId = slug(baseModel);
  if (!modelId) return refuse('/base_model', `"${baseModel}" is not usable as a model id; fix it first.`);
  const adapter: JsonObject = { name: adapterName };
  if (adapterVersion !== undefined) adapter.version = adapterVersion;
  adapter.baseModel = `model:${modelId}`;
  adapter.artifact = { uri: asString(own(v1, 'adapter_uri')) ?? '' };
  spec.adapters = [adapter];
  if (adapterName !== adapterId) annotations['reload/legacy-adapter-id'] = adapterId;
  if (modelId !== baseModel) annotations['reload/legacy-base-model'] = baseModel;
  moved.set('/adapter_id', '/spec/adapters/0/name');
  moved.set('/adapter_uri', '/spec/adapters/0/artifact');
  if (adapterVersion !== undefined) moved.set('/adapter_version', '/spec/adapters/0/version');
  moved.set('/base_model', '/spec/adapters/0/baseModel');
  return undefined;
}

function mapShardUpdate({ v1, spec, annotations, moved }: Mapping): Refusal {
  const shardUpdate = asObject(own(v1, 'vector_db_shard_update_v1'));
  if (!shardUpdate) return undefined;
  const indexName = asString(own(shardUpdate, 'index_name')) ?? '';
  const index = slug(indexName);
  if (!index) return refuse('/vector_db_shard_update_v1/index_name', `"${indexName}" is not usable as an index name; fix it first.`);
  const shardId = asString(own(shardUpdate, 'shard_id')) ?? '';
  if (!SHARD.test(shardId)) return refuse('/vector_db_shard_update_v1/shard_id', `"${shardId}" is not a valid shard id (1-128 letters, digits, '.', '_' or '-'); fix it first.`);
  const op = asString(own(shardUpdate, 'operation')) ?? 'upsert';
  const source = asString(own(shardUpdate, 'source_uri'));
  if (op === 'upsert' && source === undefined) return refuse('/vector_db_shard_update_v1', 'an upsert needs the rows: add "source_uri" (the JSONL file) first.');
  const shard: JsonObject = { index, shard: shardId, op };
  if (source !== undefined) shard.artifact = { uri: source };
  const dim = asNumber(own(shardUpdate, 'embedding_dim'));
  if (dim !== undefined) shard.embeddingDim = dim;
  spec.knowledge = [shard];
  if (index !== indexName) annotations['reload/legacy-index-name'] = indexName;
  moved.set('/vector_db_shard_update_v1', '/spec/knowledge/0');
  for (const [from, to] of [
    ['index_name', 'index'],
    ['shard_id', 'shard'],
    ['operation', 'op'],
    ['source_uri', 'artifact'],
    ['embedding_dim', 'embeddingDim'],
  ]) {
    moved.set(`/vector_db_shard_update_v1/${from}`, `/spec/knowledge/0/${to}`);
  }
  return undefined;
}

function mapSession({ v1, spec, annotations, moved }: Mapping): Refusal {
  const sessionId = asString(own(v1, 'session_id'));
  if (sessionId === undefined) return undefined;
  if (!SESSION.test(sessionId)) return refuse('/session_id', `"${sessionId}" is not a valid session id (1-128 letters, digits, '.', '_', ':' or '-'); fix it first.`);
  const initialContext = asObject(own(v1, 'initial_context'));
  if (initialContext) {
    spec.sessions = [{ op: 'load', sessionId, context: initialContext }];
    moved.set('/session_id', '/spec/sessions/0/sessionId');
    moved.set('/initial_context', '/spec/sessions/0/context');
  } else {
    annotations['reload/legacy-session-id'] = sessionId;
    moved.set('/session_id', '/metadata/annotations');
  }
  return undefined;
}

export const contextV1toV2: MigrationStep = {
  from: 'mcp-context/v1',
  to: 'mcp-context/v2',
  migrate(v1: JsonObject): StepResult {
    const contextName = asString(own(v1, 'context_name')) ?? '';
    const name = slug(contextName);
    if (!name) return refuse('/context_name', `"${contextName}" has no letters or digits to make metadata.name from; rename it.`);
    const mapping: Mapping = {
      v1,
      spec: {},
      annotations: { 'reload/legacy-context-name': contextName },
      moved: new Map([
        ['/apiVersion', '/apiVersion'],
        ['/context_name', '/metadata/name'],
      ]),
    };
    const metadata: JsonObject = { name };
    const deploymentId = asString(own(v1, 'deployment_id'));
    if (deploymentId !== undefined) {
      mapping.annotations['reload/legacy-deployment-id'] = deploymentId;
      if (isUuid(deploymentId)) metadata.uid = deploymentId.toLowerCase();
      mapping.moved.set('/deployment_id', '/metadata/annotations');
    }
    const initiator = asString(own(v1, 'initiator_user_id'));
    if (initiator !== undefined) {
      metadata.initiator = initiator;
      mapping.moved.set('/initiator_user_id', '/metadata/initiator');
    }
    for (const section of [mapPrompts, mapAdapter, mapShardUpdate, mapSession]) {
      const refusal = section(mapping);
      if (refusal) return refusal;
    }
    metadata.annotations = mapping.annotations;
    const value: JsonObject = { apiVersion: 'mcp-context/v2', kind: 'ContextManifest', metadata, spec: mapping.spec };
    copyExtensions(v1, value, mapping.moved);
    return { ok: true, value, moved: mapping.moved };
  },
};
