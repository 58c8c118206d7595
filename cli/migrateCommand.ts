/** `reloadctl migrate <file…> [--to <apiVersion>] [--write] [--check]`. */
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FORMATS, languageIdForPath, type ApiVersion } from '../core/formats';
import { migrateManifest } from '../core/migrate';
import { EXIT, UsageError, type CommandIo } from './io';
import { describeError, readManifestFile } from './readInput';
import { formatText } from './report';

export interface MigrateFlags {
  to?: string;
  write: boolean;
  check: boolean;
}

export async function migrateCommand(files: readonly string[], flags: MigrateFlags, io: CommandIo): Promise<number> {
  if (flags.to !== undefined && !FORMATS.some((f) => f.apiVersion === flags.to)) {
    throw new UsageError(`unknown --to "${flags.to}": use one of ${FORMATS.map((f) => f.apiVersion).join(', ')}`);
  }
  if (flags.write && flags.check) throw new UsageError('--write and --check exclude each other: --check only reports');
  if (files.length > 1 && !flags.write && !flags.check) {
    throw new UsageError('several files: pass --write to migrate them in place, or --check to list those that need it');
  }
  let exit: number = EXIT.ok;
  for (const file of files) {
    const input = await readManifestFile(file);
    if (!input.ok) {
      io.stderr(`reloadctl: ${input.message}\n`);
      exit = EXIT.usage;
      continue;
    }
    const result = migrateManifest(input.text, { languageId: languageIdForPath(file), to: flags.to as ApiVersion | undefined });
    if (result.status === 'refused') {
      io.stderr(`reloadctl: ${file} was not migrated:\n${formatText([{ file, diagnostics: result.diagnostics }])}`);
      exit = Math.max(exit, EXIT.failed);
      continue;
    }
    if (flags.check) {
      if (result.status === 'migrated') {
        io.stdout(`${file}: needs migration ${result.from} → ${result.to}\n`);
        exit = Math.max(exit, EXIT.failed);
      }
    } else if (flags.write) {
      if (result.status === 'migrated') {
        try {
          await writeAtomically(file, result.text);
        } catch (e) {
          io.stderr(`reloadctl: cannot write ${file}: ${describeError(e)}\n`);
          exit = Math.max(exit, EXIT.failed);
          continue;
        }
        io.stderr(`${file}: migrated ${result.from} → ${result.to}\n`);
      } else {
        io.stderr(`${file}: already ${result.to}\n`);
      }
    } else {
      io.stdout(result.text);
    }
  }
  return exit;
}

/** Writes beside the file and renames over it, so an interrupted write never leaves half a manifest. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const mode = (await fs.stat(file)).mode;
  await fs.writeFile(temp, text, { mode });
  try {
    await fs.rename(temp, file);
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}
