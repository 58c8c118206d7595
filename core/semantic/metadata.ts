/** Checks on `metadata` shared by both manifest languages. */
import { finding, type Finding } from '../diagnostics';
import { asObject, asString, own, type JsonObject } from './read';

export interface MetadataCheckOptions {
  /** The current time, for `expires`. */
  now: Date;
}

export function checkMetadata(root: JsonObject, options: MetadataCheckOptions): Finding[] {
  const findings: Finding[] = [];
  const metadata = asObject(own(root, 'metadata'));
  if (!metadata) return findings;
  const expires = asString(own(metadata, 'expires'));
  if (expires !== undefined) {
    const at = Date.parse(expires);
    if (!Number.isNaN(at) && at <= options.now.getTime()) {
      findings.push(
        finding('manifest-expired', '/metadata/expires', 'value', `This manifest expired at ${expires}; targets refuse it. Move "expires" into the future or remove it.`),
      );
    }
  }
  const missing = ['uid', 'serial'].filter((key) => own(metadata, key) === undefined);
  if (missing.length > 0) {
    const what = missing.map((key) => `"${key}"`).join(' and ');
    findings.push(
      finding(
        'missing-apply-field',
        '/metadata',
        'start',
        `Add ${what} before applying: ${missing.includes('uid') ? 'the uid (a UUID) makes the apply idempotent' : ''}${missing.length === 2 ? '; ' : ''}${missing.includes('serial') ? 'the serial (1 or more) orders applies on a target' : ''}.`,
        { data: { missing } },
      ),
    );
  }
  return findings;
}
