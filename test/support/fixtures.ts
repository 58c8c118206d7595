/** Validates a fixture file the way `reloadctl validate` does, for exact comparisons in tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { languageIdForPath } from '../../core/formats';
import { createManifestService } from '../../core/service';
import { sortDiagnostics } from '../../core/validate';
import { nodeFileHost } from '../../node/fileHost';
import type { ManifestDiagnostic } from '../../core/diagnostics';

export const ROOT = join(__dirname, '..', '..');
export const EXAMPLES = join(ROOT, 'examples');
export const INVALID = join(ROOT, 'test', 'fixtures', 'invalid');

/** A fixed "now" so `expires` checks do not depend on the day the tests run. */
export const NOW = new Date('2026-11-26T00:00:00Z');

export async function diagnosticsOf(path: string): Promise<ManifestDiagnostic[]> {
  const text = readFileSync(path, 'utf8');
  const service = createManifestService({ now: () => NOW, files: { hostFor: (manifest) => nodeFileHost(manifest) } });
  const result = service.validate(text, languageIdForPath(path));
  return sortDiagnostics([...result.diagnostics, ...(await service.checkFiles(text, result, path))]);
}

/** The part of a diagnostic a fixture pins: code, severity, range and pointer. */
export function essentials(d: ManifestDiagnostic): Pick<ManifestDiagnostic, 'code' | 'severity' | 'range' | 'pointer'> {
  return { code: d.code, severity: d.severity, range: d.range, pointer: d.pointer };
}
