/**
 * The analysis after the schema, shared by full and incremental validation: one place composes
 * the semantic checks, on the manifest model read once.
 */
import type { Finding } from './diagnostics';
import { checkDeprecations } from './deprecations';
import type { FormatVersion } from './formats';
import { readManifest } from './model/readManifest';
import type { ManifestModel } from './model/types';
import type { SemanticOptions } from './semantic/common';
import { checkContextManifest } from './semantic/contextManifest';
import { checkMetadata } from './semantic/metadata';
import type { JsonObject } from './jsonc/read';
import { checkReloadManifest } from './semantic/reloadManifest';

export interface Analysis {
  model: ManifestModel;
  findings: Finding[];
}

/** Semantic findings of a document of a current format version (legacy documents get none). */
export function analyseManifest(value: JsonObject, format: FormatVersion, options: SemanticOptions): Analysis {
  const model = readManifest(value, format, options.cache?.model);
  if (format.legacy) return { model, findings: [] };
  const findings = [...checkMetadata(value, model, options), ...checkDeprecations(value, format.apiVersion)];
  findings.push(...(format.languageId === 'reload-manifest' ? checkReloadManifest(value, model, options) : checkContextManifest(value, model, options)));
  return { model, findings };
}
