/** `reloadctl validate <file…> [--format text|json|github]`: the editor's diagnostics, in a terminal or CI. */
import { resolve } from 'node:path';
import { languageIdForPath } from '../core/formats';
import { createManifestService } from '../core/service';
import { hasErrors, sortDiagnostics } from '../core/validate';
import { nodeFileHost } from '../node/fileHost';
import { findManifests, knownModelsOf } from '../node/workspaceManifests';
import { EXIT, type CommandIo } from './io';
import { inputName, readManifestFile, STDIN_ARGUMENT, STDIN_NAME, unreadableFileDiagnostic } from './readInput';
import { formatReports, type FileReport, type OutputFormat } from './report';

export interface ValidateFlags {
  format: OutputFormat;
  /** Further artifact roots besides each manifest's folder. */
  roots: readonly string[];
  /** The folder whose reload manifests declare the models adapters may name (the editor's workspace). */
  workspace: string;
  /** Pinned digests are checked for files up to this size. */
  maxHashBytes?: number;
}

export async function validateCommand(files: readonly string[], flags: ValidateFlags, io: CommandIo): Promise<number> {
  const reports: FileReport[] = [];
  let unreadable = false;
  const knownModels = files.some((f) => languageIdForPath(f) !== 'reload-manifest') ? await modelsAround(files, flags.workspace, io) : undefined;
  const service = createManifestService({
    knownModels: () => knownModels,
    files: { hostFor: (path) => nodeFileHost(path, { roots: flags.roots, maxHashBytes: flags.maxHashBytes }) },
  });
  for (const file of files) {
    const input = await readManifestFile(file, 'manifest', io.stdin);
    if (!input.ok) {
      reports.push({ file: inputName(file), diagnostics: [unreadableFileDiagnostic(input.reason)] });
      unreadable = true;
      continue;
    }
    const result = service.validate(input.text, languageIdForPath(file));
    // Standard input has no folder of its own: its relative paths resolve in the current one.
    const local = await service.checkFiles(input.text, result, file === STDIN_ARGUMENT ? resolve(STDIN_NAME) : file);
    reports.push({ file: inputName(file), diagnostics: sortDiagnostics([...result.diagnostics, ...local]) });
  }
  io.stdout(formatReports(flags.format, reports));
  if (unreadable) return EXIT.usage;
  return reports.some((r) => hasErrors(r.diagnostics)) ? EXIT.failed : EXIT.ok;
}

/**
 * The models declared by the reload manifests of the workspace (found as the language server finds
 * them in its workspace folders) and of the files given.
 */
async function modelsAround(files: readonly string[], workspace: string, io: CommandIo): Promise<Set<string> | undefined> {
  const found = await findManifests([resolve(workspace)]);
  if (found.leftOut > 0) {
    io.stderr(`reloadctl: ${found.leftOut} manifests past the first ${found.paths.length} in ${workspace} were not searched for models: pass a smaller --workspace.\n`);
  }
  const given = files.filter((f) => languageIdForPath(f) === 'reload-manifest').map((f) => resolve(f));
  return knownModelsOf([...new Set([...found.paths, ...given])]);
}
