/** Checks on `metadata` shared by both manifest languages. */
import { finding, type Finding } from '../diagnostics';
import type { ManifestModel } from '../model/types';
import { asObject, own, type JsonObject } from '../jsonc/read';

export interface MetadataCheckOptions {
  /** The current time, for `expires`. */
  now: Date;
}

export function checkMetadata(root: JsonObject, model: ManifestModel, options: MetadataCheckOptions): Finding[] {
  const findings: Finding[] = [];
  const metadata = asObject(own(root, 'metadata'));
  if (!metadata) return findings;
  const { expires, expiresAt } = model.metadata;
  if (expires !== undefined && expiresAt !== undefined) {
    if (Number.isNaN(expiresAt)) {
      // The schema's pattern accepts any digits; an impossible moment must not read as "never expires".
      findings.push(finding('invalid-value', '/metadata/expires', 'value', `"${expires}" is not a real moment (check the month, day, hour, minute and second): use an RFC 3339 time such as 2026-12-31T00:00:00Z.`));
    } else if (expiresAt <= options.now.getTime()) {
      findings.push(finding('manifest-expired', '/metadata/expires', 'value', `This manifest expired at ${expires}; targets refuse it. Move "expires" into the future or remove it.`));
    }
  }
  const missing = ['uid', 'serial'].filter((key) => own(metadata, key) === undefined);
  if (missing.length > 0) {
    const what = missing.map((key) => `"${key}"`).join(' and ');
    const reasons = [
      ...(missing.includes('uid') ? ['the uid (a UUID) makes the apply idempotent'] : []),
      ...(missing.includes('serial') ? ['the serial (1 or more) orders applies on a target'] : []),
    ];
    findings.push(finding('missing-apply-field', '/metadata', 'start', `Add ${what} before applying: ${reasons.join('; ')}.`, { data: { missing } }));
  }
  return findings;
}
