/** Semantic checks on mcp-context/v2 manifests: what the schema cannot say. */
import { finding, type Finding } from '../diagnostics';
import { readAliased } from '../deprecations';
import { refKey } from '../model/refs';
import type { ManifestChange, ManifestModel } from '../model/types';
import { parseTemplate } from '../templates';
import { checkArtifactDigest, checkTargets, checkUniqueItems, checkUniqueNames, listNames, type SemanticOptions } from './common';
import { asObject, asString, objectsOf, own, type JsonObject } from '../jsonc/read';
import { checkSessions } from './sessions';

const NAME_FIELDS: Partial<Record<ManifestChange['kind'], [field: string, what: string]>> = {
  Prompt: ['name', 'prompt name'],
  Resource: ['uri', 'resource uri'],
  Adapter: ['name', 'adapter name'],
};

export function checkContextManifest(root: JsonObject, model: ManifestModel, options: SemanticOptions): Finding[] {
  const spec = asObject(own(root, 'spec'));
  if (!spec) return [];
  const findings: Finding[] = [...checkUniqueItems(own(spec, 'targets'), '/spec/targets')];
  const byKind = (kind: ManifestChange['kind']): ManifestChange[] => model.changes.filter((change) => change.kind === kind);
  for (const [kind, [field, what]] of Object.entries(NAME_FIELDS) as [ManifestChange['kind'], [string, string]][]) {
    findings.push(...checkUniqueNames(byKind(kind).map((change) => [`${change.pointer}/${field}`, own(change.spec, field)]), what));
  }
  for (const prompt of byKind('Prompt')) findings.push(...checkPrompt(prompt, model));
  for (const adapter of byKind('Adapter')) {
    findings.push(...checkArtifactDigest(adapter.artifact), ...checkUniqueItems(own(adapter.spec, 'targetModules'), `${adapter.pointer}/targetModules`), ...checkBaseModel(adapter, options));
  }
  const shards = byKind('Knowledge');
  findings.push(
    ...checkUniqueNames(
      shards.map((shard) => [`${shard.pointer}/shard`, typeof own(shard.spec, 'shard') === 'string' ? `${String(own(shard.spec, 'index'))}/${String(own(shard.spec, 'shard'))}` : undefined]),
      'knowledge shard (index/shard)',
    ),
  );
  for (const shard of shards) {
    if (own(shard.spec, 'op') !== 'delete') findings.push(...checkArtifactDigest(shard.artifact));
    else if (own(shard.spec, 'artifact') !== undefined) {
      findings.push(finding('ignored-field', `${shard.pointer}/artifact`, 'key', 'A delete needs no artifact; it is ignored: remove it.', { tags: ['unnecessary'] }));
    }
  }
  findings.push(...checkSessions(byKind('Session')));
  findings.push(...checkTargets(model, options));
  return findings;
}

/** An adapter's base model must be declared by a reload manifest around this one (when those are known). */
function checkBaseModel(adapter: ManifestChange, options: SemanticOptions): Finding[] {
  const site = adapter.references.find((reference) => reference.field === 'baseModel');
  if (!site?.ref || site.ref.kind !== 'model' || !options.knownModels || options.knownModels.has(refKey(site.ref))) return [];
  const known = [...options.knownModels];
  return [
    finding(
      'unresolved-reference',
      site.pointer,
      'value',
      `No reload manifest here declares "${site.text}"${known.length > 0 ? ` (declared: ${listNames(known)})` : ''}: fix the reference or add the Model change.`,
      { severity: 'warning' },
    ),
  ];
}

function checkPrompt(prompt: ManifestChange, model: ManifestModel): Finding[] {
  const { spec, pointer } = prompt;
  const findings: Finding[] = [];
  const args = objectsOf(own(spec, 'arguments'));
  findings.push(...checkUniqueNames(args.map(([i, a]) => [`${pointer}/arguments/${i}/name`, own(a, 'name')]), 'argument name'));
  const aliased = readAliased(spec, model.format.apiVersion, ['spec', 'prompts', '*'], 'template');
  const template = asString(aliased?.value);
  if (!aliased || template === undefined) return findings; // templateFile: checked with the file
  const { placeholders, problems } = parseTemplate(template);
  const templatePointer = `${pointer}/${aliased.key}`;
  for (const problem of problems) {
    findings.push(finding('invalid-template', templatePointer, { substring: [problem.offset, problem.length] }, problem.message));
  }
  const declared = new Set(args.map(([, a]) => asString(own(a, 'name'))).filter((n): n is string => n !== undefined));
  for (const placeholder of placeholders) {
    if (declared.has(placeholder.name)) continue;
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
  const used = new Set(placeholders.map((p) => p.name));
  for (const [index, arg] of args) {
    const name = asString(own(arg, 'name'));
    if (name !== undefined && own(arg, 'required') === true && !used.has(name)) {
      findings.push(finding('unused-argument', `${pointer}/arguments/${index}/name`, 'value', `Required argument "${name}" is never used in the template: add {{${name}}} to it, or remove the argument.`));
    }
  }
  return findings;
}
