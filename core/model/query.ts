/** Questions editor features ask of a manifest model: what a reference names, what sits at a pointer. */
import { refKey, type ChangeRef } from './refs';
import type { HealthCheck, ManifestChange, ManifestModel, NamedFile, ReferenceSite } from './types';

/** The change a reference names in this manifest (first declaration wins, as in validation). */
export function findChange(model: ManifestModel, ref: Pick<ChangeRef, 'kind' | 'id'>): ManifestChange | undefined {
  const key = refKey(ref);
  return model.changes.find((change) => change.refKind !== undefined && change.ref === key);
}

/** Every reference the manifest makes, in document order of their owners. */
export function referenceSites(model: ManifestModel): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  for (const change of model.changes) sites.push(...change.references);
  for (const check of model.healthChecks) if (check.change) sites.push(check.change);
  return sites;
}

/** The reference written at `pointer`, if the value there is one. */
export function referenceAt(model: ManifestModel, pointer: string): ReferenceSite | undefined {
  return referenceSites(model).find((site) => site.pointer === pointer);
}

/** Every file the manifest names. */
export function namedFiles(model: ManifestModel): NamedFile[] {
  return model.changes.flatMap((change) => change.files);
}

/** The file named by the string at `pointer`, if the value there names one. */
export function fileAt(model: ManifestModel, pointer: string): NamedFile | undefined {
  return namedFiles(model).find((file) => file.pointer === pointer);
}

/** The health check whose `change` probes `ref` (by `kind:id`). */
export function checksOf(model: ManifestModel, changeRef: string): HealthCheck[] {
  return model.healthChecks.filter((check) => check.change?.ref !== undefined && refKey(check.change.ref) === changeRef);
}
