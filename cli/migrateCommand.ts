/** `reloadctl migrate <file…> [--to <apiVersion>] [--write [--force]] [--check]`. */
import { FORMATS, languageIdForPath, type ApiVersion } from '../core/formats';
import { migrateManifest } from '../core/migrate';
import { escapeControlCharacters } from '../core/terminalText';
import { writeFileAtomically } from '../node/atomicWrite';
import { EXIT, UsageError, type CommandIo } from './io';
import { inputName, readManifestFile, STDIN_ARGUMENT } from './readInput';
import { formatText } from './report';

export interface MigrateFlags {
  to?: string;
  write: boolean;
  check: boolean;
  /** With --write: also replace files whose mode makes them read-only. */
  force: boolean;
}

export async function migrateCommand(files: readonly string[], flags: MigrateFlags, io: CommandIo): Promise<number> {
  if (flags.to !== undefined && !FORMATS.some((f) => f.apiVersion === flags.to)) {
    throw new UsageError(`unknown --to "${flags.to}": use one of ${FORMATS.map((f) => f.apiVersion).join(', ')}`);
  }
  if (flags.write && flags.check) throw new UsageError('--write and --check exclude each other: --check only reports');
  if (flags.force && !flags.write) throw new UsageError('--force only applies to --write (it replaces read-only files)');
  if (flags.write && files.includes(STDIN_ARGUMENT)) throw new UsageError('--write cannot rewrite standard input: drop --write to print the migrated document');
  if (files.length > 1 && !flags.write && !flags.check) {
    throw new UsageError('several files: pass --write to migrate them in place, or --check to list those that need it');
  }
  if (files.filter((f) => f === STDIN_ARGUMENT).length > 1) throw new UsageError('"-" (standard input) can be given once');
  let exit: number = EXIT.ok;
  for (const file of files) {
    const name = inputName(file);
    const shown = escapeControlCharacters(name);
    const input = await readManifestFile(file, 'manifest', io.stdin);
    if (!input.ok) {
      io.stderr(`reloadctl: ${shown}: ${escapeControlCharacters(input.reason)}\n`);
      exit = EXIT.usage;
      continue;
    }
    const result = migrateManifest(input.text, { languageId: languageIdForPath(file), to: flags.to as ApiVersion | undefined });
    if (result.status === 'refused') {
      io.stderr(`reloadctl: ${shown} was not migrated:\n${formatText([{ file: name, diagnostics: result.diagnostics }])}`);
      exit = Math.max(exit, EXIT.failed);
      continue;
    }
    if (flags.check) {
      if (result.status === 'migrated') {
        io.stdout(`${shown}: needs migration ${result.from} → ${result.to}\n`);
        exit = Math.max(exit, EXIT.failed);
      }
    } else if (flags.write) {
      if (result.status === 'migrated') {
        // The byte order mark the file began with goes back in front: tools that wrote it may expect it.
        const written = await writeFileAtomically(file, `${input.bom ? '\uFEFF' : ''}${result.text}`, { force: flags.force });
        if (!written.ok) {
          const hint = written.reason === 'read-only' ? '; pass --force to replace it anyway' : '';
          io.stderr(`reloadctl: cannot write ${shown}: ${escapeControlCharacters(written.message)}${hint}\n`);
          exit = Math.max(exit, EXIT.failed);
          continue;
        }
        for (const warning of written.warnings) io.stderr(`reloadctl: ${shown}: ${escapeControlCharacters(warning)}\n`);
        io.stderr(`${shown}: migrated ${result.from} → ${result.to}\n`);
      } else {
        io.stderr(`${shown}: already ${result.to}\n`);
      }
    } else {
      io.stdout(result.text);
    }
  }
  return exit;
}
