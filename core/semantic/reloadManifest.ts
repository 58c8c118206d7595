/** Semantic checks on reload/v2 manifests: what the schema cannot say. */
import { finding, type Finding } from '../diagnostics';
import { childPointer } from '../jsonc/pointer';
import type { RefKind } from '../model/refs';
import type { ManifestChange, ManifestModel, ReferenceSite } from '../model/types';
import { checkArtifactDigest, checkTargets, checkUniqueItems, checkUniqueNames, listNames, type AnalysisCache, type SemanticOptions } from './common';
import { checkProbe } from './probes';
import { asObject, asString, field, own, type JsonObject } from '../jsonc/read';

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** What the changes list declares (first declaration of each `kind:id`), and the findings that depend on it alone. */
interface ChangesAnalysis {
  declared: Map<string, ManifestChange>;
  /** `kind:id` names declared per kind, for messages (built once, on the first unresolved reference). */
  names: Partial<Record<RefKind, string>>;
  findings: Finding[];
}

/** Findings about one change alone: an unpinned artifact, flags whose default variant is not a variant. */
function changeFindings(change: ManifestChange, cache: AnalysisCache | undefined): readonly Finding[] {
  // Most changes have no flags to look through: their findings cost less than a cache lookup.
  if (change.kind !== 'FlagSet') return change.artifact && change.artifact.digest === undefined ? checkArtifactDigest(change.artifact) : NO_FINDINGS;
  let findings = cache?.changeFindings.get(change);
  if (findings) return findings;
  findings = [];
  const flags = asObject(field(change.spec, 'flags'));
  for (const key of Object.keys(flags ?? {})) {
    const flag = asObject(own(flags, key));
    const variants = asObject(field(flag, 'variants'));
    const defaultVariant = asString(field(flag, 'defaultVariant'));
    if (!variants || defaultVariant === undefined || own(variants, defaultVariant) !== undefined) continue;
    findings.push(
      finding(
        'unknown-variant',
        childPointer(childPointer(`${change.pointer}/flags`, key), 'defaultVariant'),
        'value',
        `Default variant "${defaultVariant}" is not one of this flag's variants (${listNames(Object.keys(variants).map((n) => `"${n}"`))}): use one of them or add it.`,
      ),
    );
  }
  cache?.changeFindings.set(change, findings);
  return findings;
}

/** Resolves a reference against the declared changes; a missing or mismatched target is a finding. */
function resolveReference(analysis: ChangesAnalysis, site: ReferenceSite, findings: Finding[]): ManifestChange | undefined {
  const ref = site.ref;
  if (!ref || ref.kind !== site.expects) return undefined; // the schema's pattern reports malformed references
  const target = analysis.declared.get(site.key!);
  if (!target) {
    const names = (analysis.names[ref.kind] ??= listNames([...analysis.declared.keys()].filter((key) => key.startsWith(`${ref.kind}:`))));
    const hint = names.length > 0 ? `Declared: ${names}.` : `Add a ${ref.kind} change with id "${ref.id}".`;
    findings.push(finding('unresolved-reference', site.pointer, 'value', `"${site.text}" points at no change in this manifest. ${hint}`));
    return undefined;
  }
  if (ref.version !== undefined && target.version !== undefined && ref.version !== target.version) {
    findings.push(finding('unresolved-reference', site.pointer, 'value', `"${site.text}" asks for version ${ref.version}, but ${target.ref} is version ${target.version}: fix one of them.`));
  }
  return target;
}

function analyseChanges(changes: readonly ManifestChange[], cache: AnalysisCache | undefined): ChangesAnalysis {
  const cached = cache?.lists.get(changes) as ChangesAnalysis | undefined;
  if (cached) return cached;
  const analysis: ChangesAnalysis = { declared: new Map(), names: {}, findings: [] };
  for (const change of changes) {
    if (change.id === '') continue;
    const first = analysis.declared.get(change.ref);
    if (first) {
      analysis.findings.push(
        finding('duplicate-id', `${change.pointer}/id`, 'value', `Another ${change.kind} change already has id "${change.id}" (${first.pointer}): ids are unique per kind, rename one.`),
      );
    } else {
      analysis.declared.set(change.ref, change);
    }
  }
  for (const change of changes) {
    if (change.id === '') continue;
    for (const site of change.references) resolveReference(analysis, site, analysis.findings);
    const alone = changeFindings(change, cache);
    if (alone.length > 0) analysis.findings.push(...alone);
  }
  cache?.lists.set(changes, analysis);
  return analysis;
}

export function checkReloadManifest(root: JsonObject, model: ManifestModel, options: SemanticOptions): Finding[] {
  const spec = asObject(own(root, 'spec'));
  if (!spec) return [];
  const analysis = analyseChanges(model.changes, options.cache);
  const findings: Finding[] = [...analysis.findings];
  findings.push(...checkUniqueNames(model.healthChecks.map((check) => [`${check.pointer}/id`, own(check.spec, 'id')]), 'health check id'));
  for (const check of model.healthChecks) {
    const probed = check.change ? resolveReference(analysis, check.change, findings) : undefined;
    findings.push(...checkProbe(check, probed));
  }
  findings.push(...checkUniqueItems(own(spec, 'targets'), '/spec/targets'), ...checkTargets(model, options), ...checkRollout(model));
  const activation = asObject(own(spec, 'activation'));
  if (own(activation, 'deadline') !== undefined && own(activation, 'timeoutSeconds') !== undefined) {
    findings.push(finding('conflicting-properties', '/spec/activation/timeoutSeconds', 'key', '"timeoutSeconds" and "deadline" both set the deadline: remove "timeoutSeconds".'));
  }
  return findings;
}

function checkRollout(model: ManifestModel): Finding[] {
  const findings: Finding[] = [];
  let last = -1;
  let lastPointer = '';
  for (const step of model.rollout) {
    if (step.setWeight === undefined) continue;
    lastPointer = `${step.pointer}/setWeight`;
    if (step.setWeight < last) {
      findings.push(finding('rollout-order', lastPointer, 'value', `setWeight ${step.setWeight} is below the previous step's ${last}: weights only grow; reorder the steps.`));
    }
    last = Math.max(last, step.setWeight);
  }
  if (last >= 0 && last < 100) {
    findings.push(finding('rollout-order', lastPointer, 'value', `The rollout stops at ${last}% of targets: end with { "setWeight": 100 } to reach all of them.`));
  }
  return findings;
}
