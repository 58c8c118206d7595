/** Checks shared by both manifest languages. */
import { finding, type Finding } from '../diagnostics';
import { asArray, asObject, asString, field, own, type JsonObject } from './read';

export interface SemanticOptions {
  /** The current time, for `expires`. */
  now: Date;
  /** Configured target names; when given, `spec.targets` entries must be among them. */
  knownTargets?: readonly string[];
  /** Model references (`model:<id>`) declared by the reload manifests around this one, for adapters. */
  knownModels?: ReadonlySet<string>;
}

/** An artifact with a uri but no digest: allowed while editing, refused at apply. */
export function lacksDigest(artifact: unknown): boolean {
  const object = asObject(artifact);
  return object !== undefined && field(object, 'digest') === undefined && field(object, 'uri') !== undefined;
}

/** The finding for an artifact (at `pointer`) that `lacksDigest`. */
export function missingDigest(artifactPointer: string): Finding {
  return finding('missing-digest', `${artifactPointer}/uri`, 'value', 'No "digest": applying requires one. Add "digest": "sha256:<64 hex>" (quick fix "Pin artifact digest" computes it for a local file).', {
    data: { artifact: artifactPointer },
  });
}

/** The missing-digest finding for an artifact, if it lacks one. */
export function checkArtifactDigest(artifact: unknown, artifactPointer: string): Finding[] {
  return lacksDigest(artifact) ? [missingDigest(artifactPointer)] : [];
}

/** Reports the second and later occurrences of each name; entries are [pointer, value]. */
export function checkUniqueNames(entries: [string, unknown][], what: string): Finding[] {
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

export function checkTargets(spec: JsonObject, options: SemanticOptions): Finding[] {
  if (!options.knownTargets) return [];
  const known = options.knownTargets;
  const findings: Finding[] = [];
  asArray(own(spec, 'targets')).forEach((target, index) => {
    const name = asString(target);
    if (name !== undefined && !known.includes(name)) {
      const list = known.length > 0 ? `configured: ${known.join(', ')}` : 'none are configured';
      findings.push(finding('unknown-target', `/spec/targets/${index}`, 'value', `No target named "${name}" (${list}): add it to tracingReload.targets or fix the name.`));
    }
  });
  return findings;
}
