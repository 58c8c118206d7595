/** Semantic checks on mcp-context/v2 manifests: what the schema cannot say. */
import { finding, type Finding } from '../diagnostics';
import { applyPatch, type PatchOperation } from '../jsonPatch';
import { parseTemplate } from '../templates';
import { checkArtifactDigest, checkTargets, checkUniqueNames, type SemanticOptions } from './common';
import { asArray, asObject, asString, objectsOf, own, type JsonObject } from './read';

const PATCH_OPS = new Set<unknown>(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function checkContextManifest(root: JsonObject, options: SemanticOptions): Finding[] {
  const spec = asObject(own(root, 'spec'));
  if (!spec) return [];
  const findings: Finding[] = [];
  const prompts = objectsOf(own(spec, 'prompts'));
  findings.push(...checkUniqueNames(prompts.map(([i, p]) => [`/spec/prompts/${i}/name`, own(p, 'name')]), 'prompt name'));
  for (const [index, prompt] of prompts) findings.push(...checkPrompt(prompt, `/spec/prompts/${index}`));

  const resources = objectsOf(own(spec, 'resources'));
  findings.push(...checkUniqueNames(resources.map(([i, r]) => [`/spec/resources/${i}/uri`, own(r, 'uri')]), 'resource uri'));

  const adapters = objectsOf(own(spec, 'adapters'));
  findings.push(...checkUniqueNames(adapters.map(([i, a]) => [`/spec/adapters/${i}/name`, own(a, 'name')]), 'adapter name'));
  for (const [index, adapter] of adapters) {
    const pointer = `/spec/adapters/${index}`;
    findings.push(...checkArtifactDigest(own(adapter, 'artifact'), `${pointer}/artifact`));
    const baseModel = asString(own(adapter, 'baseModel'));
    if (baseModel !== undefined && baseModel.startsWith('model:') && options.knownModels && !options.knownModels.has(baseModel.replace(/@.*$/, ''))) {
      const known = [...options.knownModels];
      findings.push(
        finding(
          'unresolved-reference',
          `${pointer}/baseModel`,
          'value',
          `No reload manifest here declares "${baseModel}"${known.length > 0 ? ` (declared: ${known.join(', ')})` : ''}: fix the reference or add the Model change.`,
          { severity: 'warning' },
        ),
      );
    }
  }

  const shards = objectsOf(own(spec, 'knowledge'));
  findings.push(
    ...checkUniqueNames(
      shards.map(([i, s]) => [`/spec/knowledge/${i}/shard`, typeof own(s, 'shard') === 'string' ? `${String(own(s, 'index'))}/${String(own(s, 'shard'))}` : undefined]),
      'knowledge shard (index/shard)',
    ),
  );
  for (const [index, shard] of shards) {
    const pointer = `/spec/knowledge/${index}`;
    if (own(shard, 'op') === 'delete') {
      if (own(shard, 'artifact') !== undefined) {
        findings.push(finding('ignored-field', `${pointer}/artifact`, 'key', 'A delete needs no artifact; it is ignored: remove it.', { tags: ['unnecessary'] }));
      }
    } else {
      findings.push(...checkArtifactDigest(own(shard, 'artifact'), `${pointer}/artifact`));
    }
  }
  findings.push(...checkSessions(objectsOf(own(spec, 'sessions'))));
  findings.push(...checkTargets(spec, options));
  return findings;
}

function checkPrompt(prompt: JsonObject, pointer: string): Finding[] {
  const findings: Finding[] = [];
  const args = objectsOf(own(prompt, 'arguments'));
  findings.push(...checkUniqueNames(args.map(([i, a]) => [`${pointer}/arguments/${i}/name`, own(a, 'name')]), 'argument name'));
  const templateKey = own(prompt, 'template') !== undefined ? 'template' : 'text';
  const template = asString(own(prompt, templateKey));
  if (template === undefined) return findings; // templateFile: checked with the file
  const { placeholders, problems } = parseTemplate(template);
  const templatePointer = `${pointer}/${templateKey}`;
  for (const problem of problems) {
    findings.push(finding('invalid-template', templatePointer, { substring: [problem.offset, problem.length] }, problem.message));
  }
  const declared = new Set(args.map(([, a]) => asString(own(a, 'name'))).filter((n): n is string => n !== undefined));
  for (const placeholder of placeholders) {
    if (!declared.has(placeholder.name)) {
      findings.push(
        finding(
          'undeclared-placeholder',
          templatePointer,
          { substring: [placeholder.offset, placeholder.length] },
          `"{{${placeholder.name}}}" is not a declared argument: add { "name": "${placeholder.name}" } to "arguments" (quick fix) or fix the name.`,
          { data: { argument: placeholder.name, prompt: pointer } },
        ),
      );
    }
  }
  const used = new Set(placeholders.map((p) => p.name));
  for (const [index, arg] of args) {
    const name = asString(own(arg, 'name'));
    if (name !== undefined && own(arg, 'required') === true && !used.has(name)) {
      findings.push(
        finding('unused-argument', `${pointer}/arguments/${index}/name`, 'value', `Required argument "${name}" is never used in the template: add {{${name}}} to it, or remove the argument.`),
      );
    }
  }
  return findings;
}

/** Replays loads and updates in order, so a patch or revision that cannot apply is caught here. */
function checkSessions(sessions: [number, JsonObject][]): Finding[] {
  const findings: Finding[] = [];
  const state = new Map<string, { context: unknown; revision: number }>();
  for (const [index, session] of sessions) {
    const pointer = `/spec/sessions/${index}`;
    const id = asString(own(session, 'sessionId'));
    if (id === undefined) continue;
    if (own(session, 'op') === 'load') {
      state.set(id, { context: own(session, 'context'), revision: 1 });
      continue;
    }
    if (own(session, 'op') !== 'update') continue;
    const current = state.get(id);
    const ifRevision = own(session, 'ifRevision');
    if (current && typeof ifRevision === 'number' && ifRevision !== current.revision) {
      findings.push(
        finding('revision-conflict', `${pointer}/ifRevision`, 'value', `Session "${id}" is at revision ${current.revision} here, not ${ifRevision}: this update would be refused. Use ${current.revision}.`),
      );
    }
    const patch = asArray(own(session, 'patch'));
    const operations = patch.filter((op): op is PatchOperation => {
      const o = asObject(op);
      return o !== undefined && PATCH_OPS.has(own(o, 'op')) && typeof own(o, 'path') === 'string';
    });
    if (operations.length !== patch.length) continue; // the schema reports malformed operations
    const structural = operations.findIndex((op) => op.path.endsWith('/-') && op.op !== 'add');
    if (structural >= 0) {
      findings.push(finding('invalid-patch', `${pointer}/patch/${structural}/path`, 'value', `"-" (past the end of an array) only works with "add": point at an existing index.`));
      continue;
    }
    if (!current) continue; // loaded elsewhere: only the target can check the paths
    const result = applyPatch(current.context, operations);
    if (result.ok) {
      state.set(id, { context: result.value, revision: current.revision + 1 });
    } else {
      const field = result.field === 'op' ? 'op' : result.field;
      findings.push(finding('invalid-patch', `${pointer}/patch/${result.index}/${field}`, 'value', `This patch cannot apply to session "${id}": ${result.message}`));
    }
  }
  return findings;
}
