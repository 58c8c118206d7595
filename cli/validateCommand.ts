/** `reloadctl validate <file…> [--format text|json|github]`: the editor's diagnostics, in a terminal or CI. */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { languageIdForPath } from '../core/formats';
import { parseJsonc } from '../core/jsonc/parse';
import { declaredChanges } from '../core/declaredChanges';
import { hasErrors, localFileDiagnostics, sortDiagnostics, validateManifest } from '../core/validate';
import { EXIT, type CommandIo } from './io';
import { nodeFileHost } from '../node/fileHost';
import { inputName, readManifestFile, unreadableFileDiagnostic } from './readInput';
import { formatReports, type FileReport, type OutputFormat } from './report';

export async function validateCommand(files: readonly string[], format: OutputFormat, io: CommandIo): Promise<number> {
  const reports: FileReport[] = [];
  let unreadable = false;
  const knownModels = await modelsNear(files);
  for (const file of files) {
    const input = await readManifestFile(file, 'manifest', io.stdin);
    if (!input.ok) {
      reports.push({ file: inputName(file), diagnostics: [unreadableFileDiagnostic(input.reason)] });
      unreadable = true;
      continue;
    }
    const languageId = languageIdForPath(file);
    const result = validateManifest(input.text, { languageId, knownModels });
    const local = await localFileDiagnostics(input.text, result, nodeFileHost(file));
    reports.push({ file: inputName(file), diagnostics: sortDiagnostics([...result.diagnostics, ...local]) });
  }
  io.stdout(formatReports(format, reports));
  if (unreadable) return EXIT.usage;
  return reports.some((r) => hasErrors(r.diagnostics)) ? EXIT.failed : EXIT.ok;
}

/**
 * Models declared by the reload manifests given and those beside each file, so a context
 * manifest's adapters can be checked against them. Undefined when there are none to check against.
 */
async function modelsNear(files: readonly string[]): Promise<Set<string> | undefined> {
  if (!files.some((f) => languageIdForPath(f) === 'mcp-context')) return undefined;
  const candidates = new Set(files.filter((f) => languageIdForPath(f) === 'reload-manifest'));
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    const entries = await fs.readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) if (languageIdForPath(entry) === 'reload-manifest') candidates.add(join(dir, entry));
  }
  const models = new Set<string>();
  for (const candidate of candidates) {
    const input = await readManifestFile(candidate);
    if (!input.ok) continue;
    for (const change of declaredChanges(parseJsonc(input.text).value)) if (change.kind === 'model') models.add(`model:${change.id}`);
  }
  return candidates.size > 0 ? models : undefined;
}
