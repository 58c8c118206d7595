/** Loading configs, flags, prompts, resources, adapters and knowledge shards into a generation draft. */
import { asArray, asNumber, asObject, asString, own, type JsonObject } from '../jsonc/read';
import { parseTemplate } from '../templates';
import { LineIndex } from '../lineIndex';
import { readAliased } from '../deprecations';
import { ReloadStepError } from '../errors';
import { compileConfigSchema, firstSchemaError } from './configSchema';
import { parseConfigSource } from './configSource';
import { fileStepError, requireLocalPath, statFile } from './localPath';
import type { FlagDefinition } from './flags';
import type { AdapterState, ConfigState, GenerationDraft, LoadedModel, PromptState, ResourceState } from './generation';
import { parseShard } from './knowledge';
import { loraShape, parseSafetensorsHeader } from './safetensors';
import type { ArtifactSource } from './artifactSource';
import type { StagedArtifact } from './stage';

/** Problems listed in one message; the rest are counted. */
const MAX_LISTED = 5;

/** What a loaded change does to the next generation. */
export type DraftUpdate = (draft: GenerationDraft) => void;

function text(staged: StagedArtifact): string {
  return new TextDecoder().decode(staged.bytes);
}

async function readLocal(source: ArtifactSource, uri: string, pointer: string, type: 'TemplateInvalid' | 'ResourceInvalid'): Promise<string> {
  const path = requireLocalPath(source, uri, pointer);
  const stat = await statFile(source, path, pointer);
  if (!stat?.isFile) throw new ReloadStepError(type, `No file at ${path}.`, pointer);
  return source.readText(path).catch((error: unknown) => {
    throw fileStepError(error, path, pointer);
  });
}

export function loadConfig(spec: JsonObject, pointer: string, staged: StagedArtifact | undefined): DraftUpdate {
  const id = asString(own(spec, 'id')) ?? '';
  const data = staged ? parseConfigSource(text(staged), staged.uri, `${pointer}/source`) : own(spec, 'data');
  const schema = own(spec, 'schema');
  if (schema !== undefined) {
    const error = firstSchemaError(compileConfigSchema(schema, `${pointer}/schema`), data);
    if (error) {
      const why = `${error.message ?? error.keyword} (schema ${error.schemaPath})`;
      // A file's keys are its content: its errors name the schema's part, never the file's path to the value.
      if (staged) throw new ReloadStepError('ConfigInvalid', `The config in ${staged.uri} does not satisfy its schema: a value ${why}.`, `${pointer}/source`);
      throw new ReloadStepError('ConfigInvalid', `The config does not satisfy its schema: ${error.instancePath || '(root)'} ${why}.`, `${pointer}/data${error.instancePath}`);
    }
  }
  const state: ConfigState = { id, version: asString(own(spec, 'version')), data, digest: staged?.digest };
  return (draft) => void draft.configs.set(id, state);
}

export function loadFlagSet(spec: JsonObject): DraftUpdate {
  const id = asString(own(spec, 'id')) ?? '';
  const flags = structuredClone(asObject(own(spec, 'flags')) ?? {}) as Record<string, FlagDefinition>;
  return (draft) => void draft.flags.set(id, Object.freeze(flags));
}

export async function loadPrompt(spec: JsonObject, pointer: string, source: ArtifactSource): Promise<DraftUpdate> {
  const name = asString(own(spec, 'name')) ?? '';
  const file = asString(own(spec, 'templateFile'));
  const template = file !== undefined ? await readLocal(source, file, `${pointer}/templateFile`, 'TemplateInvalid') : (asString(readAliased(spec, 'mcp-context/v2', ['spec', 'prompts', '*'], 'template')?.value) ?? '');
  const args = asArray(own(spec, 'arguments')).map((a) => ({
    name: asString(own(asObject(a), 'name')) ?? '',
    description: asString(own(asObject(a), 'description')),
    required: own(asObject(a), 'required') === true,
  }));
  const declared = new Set(args.map((a) => a.name));
  const { placeholders, problems } = parseTemplate(template);
  const undeclared = placeholders.filter((p) => !declared.has(p.name));
  const used = new Set(placeholders.map((p) => p.name));
  const unused = args.filter((a) => a.required && !used.has(a.name)).map((a) => `required argument "${a.name}" is unused`);
  if (problems.length > 0 || undeclared.length > 0 || unused.length > 0) {
    let why: string[];
    if (file === undefined) {
      why = [...problems.map((p) => p.message), ...undeclared.map((p) => `{{${p.name}}} is not a declared argument`), ...unused];
    } else {
      // A template file's text is never quoted (the agent reads files named by manifests from the network): positions only.
      const lines = new LineIndex(template);
      const at = (offset: number): string => {
        const { line, character } = lines.positionAt(offset);
        return `line ${line + 1}, column ${character + 1}`;
      };
      why = [
        ...problems.map((p) => `${at(p.offset)}: a malformed placeholder (write {{argument_name}} with letters, digits and '_')`),
        ...undeclared.map((p) => `${at(p.offset)}: a placeholder for an argument the prompt does not declare`),
        ...unused,
      ];
    }
    const shown = why.length > MAX_LISTED ? [...why.slice(0, MAX_LISTED), `and ${why.length - MAX_LISTED} more`] : why;
    throw new ReloadStepError('TemplateInvalid', `Prompt "${name}": ${shown.join('; ')}.`, file !== undefined ? `${pointer}/templateFile` : pointer);
  }
  const state: PromptState = { name, version: asString(own(spec, 'version')), title: asString(own(spec, 'title')), description: asString(own(spec, 'description')), arguments: args, template };
  return (draft) => void draft.prompts.set(name, state);
}

export async function loadResource(spec: JsonObject, pointer: string, source: ArtifactSource): Promise<DraftUpdate> {
  const file = asString(own(spec, 'file'));
  const content = file !== undefined ? await readLocal(source, file, `${pointer}/file`, 'ResourceInvalid') : (asString(own(spec, 'text')) ?? '');
  const state: ResourceState = {
    uri: asString(own(spec, 'uri')) ?? '',
    name: asString(own(spec, 'name')) ?? '',
    title: asString(own(spec, 'title')),
    description: asString(own(spec, 'description')),
    mimeType: asString(own(spec, 'mimeType')),
    text: content,
  };
  return (draft) => void draft.resources.set(state.uri, state);
}

/** `model` is the base model when this runtime serves it (or stages it in the same run). */
export function loadAdapter(spec: JsonObject, pointer: string, staged: StagedArtifact, model: LoadedModel | undefined): DraftUpdate {
  if (!staged.bytes) throw new Error('adapter bytes were not retained by staging');
  const header = parseSafetensorsHeader(staged.bytes, `${pointer}/artifact/uri`);
  const shape = loraShape(header, `${pointer}/artifact/uri`);
  const rank = asNumber(own(spec, 'rank'));
  if (rank !== undefined && rank !== shape.rank) {
    throw new ReloadStepError('AdapterMismatch', `The adapter's tensors have rank ${shape.rank}, the manifest says ${rank}.`, `${pointer}/rank`);
  }
  const wanted = asArray(own(spec, 'targetModules')).filter((m): m is string => typeof m === 'string');
  if (wanted.length > 0) {
    // Only the manifest's own module names are quoted; the file's are named by tensor position.
    const missing = wanted.filter((m) => !shape.modules.includes(m));
    const extra = shape.moduleTensors.filter((_, i) => !wanted.includes(shape.modules[i]));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `no tensors for ${missing.join(', ')}` : '',
        extra.length > 0 ? `tensors for ${extra.length} module${extra.length === 1 ? '' : 's'} targetModules does not list (first tensor${extra.length === 1 ? '' : 's'} ${extra.map((i) => `#${i}`).join(', ')} in the header)` : '',
      ].filter(Boolean);
      throw new ReloadStepError('AdapterMismatch', `The adapter has ${parts.join(' and ')}; it adapts ${shape.modules.length} module${shape.modules.length === 1 ? '' : 's'}: list exactly those in targetModules.`, `${pointer}/targetModules`);
    }
  }
  const width = model?.inputs[0]?.shape?.at(-1);
  if (model && width !== undefined && width > 0 && width !== shape.inputWidth) {
    throw new ReloadStepError('AdapterMismatch', `The adapter's layers take width ${shape.inputWidth}, base model ${model.id} takes ${width}.`, `${pointer}/baseModel`);
  }
  const name = asString(own(spec, 'name')) ?? '';
  const state: AdapterState = {
    name,
    version: asString(own(spec, 'version')),
    baseModel: asString(own(spec, 'baseModel')) ?? '',
    digest: staged.digest,
    rank: shape.rank,
    targetModules: shape.modules,
  };
  return (draft) => void draft.adapters.set(name, state);
}

export function loadKnowledge(spec: JsonObject, pointer: string, staged: StagedArtifact | undefined): DraftUpdate {
  const index = asString(own(spec, 'index')) ?? '';
  const shardId = asString(own(spec, 'shard')) ?? '';
  if (own(spec, 'op') === 'delete') {
    return (draft) => {
      const shards = new Map(draft.knowledge.get(index) ?? []);
      shards.delete(shardId);
      if (shards.size > 0) draft.knowledge.set(index, shards);
      else draft.knowledge.delete(index);
    };
  }
  if (!staged) throw new ReloadStepError('KnowledgeInvalid', `Shard ${index}/${shardId} has no artifact to upsert.`, pointer);
  const shard = parseShard(text(staged), { index, shard: shardId, embeddingDim: asNumber(readAliased(spec, 'mcp-context/v2', ['spec', 'knowledge', '*'], 'embeddingDim')?.value), digest: staged.digest }, `${pointer}/artifact/uri`);
  return (draft) => {
    const shards = new Map(draft.knowledge.get(index) ?? []);
    shards.set(shardId, shard);
    draft.knowledge.set(index, shards);
  };
}
