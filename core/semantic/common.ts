/** Checks shared by both manifest languages, and what every semantic check is given. */
import { finding, type Finding } from '../diagnostics';
import { ModelCache } from '../model/readManifest';
import type { ArtifactSpec, ManifestChange, ManifestModel } from '../model/types';

/**
 * What semantic checks remember between versions of a document: per-change findings keyed by the
 * (cached) change, and per changes list. Owned by the manifest service.
 */
export class AnalysisCache {
  readonly model = new ModelCache();
  readonly changeFindings = new WeakMap<ManifestChange, Finding[]>();
  readonly lists = new WeakMap<readonly ManifestChange[], unknown>();
}

export interface SemanticOptions {
  /** The current time, for `expires`. */
  now: Date;
  /** Configured target names; when given, `spec.targets` entries must be among them. */
  knownTargets?: readonly string[];
  /** Model references (`model:<id>`) declared by the reload manifests around this one, for adapters. */
  knownModels?: ReadonlySet<string>;
  /** Shared by the versions of a document (the manifest service); without it, nothing is remembered. */
  cache?: AnalysisCache;
}

/** The missing-digest finding for an artifact without one: allowed while editing, refused at apply. */
export function checkArtifactDigest(artifact: ArtifactSpec | undefined): Finding[] {
  if (!artifact || artifact.digest !== undefined) return [];
  return [
    finding('missing-digest', `${artifact.pointer}/uri`, 'value', 'No "digest": applying requires one. Add "digest": "sha256:<64 hex>" (quick fix "Pin artifact digest" computes it for a local file).', {
      data: { artifact: artifact.pointer },
    }),
  ];
}

/** Reports the second and later occurrences of each name; entries are [pointer, value]. */
export function checkUniqueNames(entries: Iterable<[string, unknown]>, what: string): Finding[] {
  const findings: Finding[] = [];
  const first = new Map<string, string>();
  for (const [pointer, value] of entries) {
    if (typeof value !== 'string') continue;
    const earlier = first.get(value);
    if (earlier !== undefined) {
      findings.push(finding('duplicate-id', pointer, 'value', `Duplicate ${what} "${value}" (first at ${earlier}): rename one.`));
    } else {
      first.set(value, pointer);
    }
  }
  return findings;
}

/**
 * The items of an array that the schema says must be unique (`uniqueItems`, checked here with a
 * set rather than by ajv's pairwise comparison): each repeat is reported at its position.
 */
export function checkUniqueItems(items: unknown, pointer: string): Finding[] {
  if (!Array.isArray(items)) return [];
  const findings: Finding[] = [];
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const key = JSON.stringify(item) ?? 'undefined';
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else findings.push(finding('duplicate-item', `${pointer}/${index}`, 'value', `Duplicate of item ${earlier}: remove it.`));
  });
  return findings;
}

export function checkTargets(model: ManifestModel, options: SemanticOptions): Finding[] {
  if (!options.knownTargets) return [];
  const known = new Set(options.knownTargets);
  const list = known.size > 0 ? `configured: ${options.knownTargets.join(', ')}` : 'none are configured';
  return model.targets
    .filter((target) => !known.has(target.name))
    .map((target) => finding('unknown-target', target.pointer, 'value', `No target named "${target.name}" (${list}): add it to tracingReload.targets or fix the name.`));
}

/** "a, b, c" for at most `max` names, then how many in all: messages stay short whatever the input. */
export function listNames(names: readonly string[], max = 8): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, … (${names.length} in all)` : names.join(', ');
}
