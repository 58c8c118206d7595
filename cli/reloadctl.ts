/** `reloadctl`: argument parsing and dispatch to the commands. */
import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CommandIo } from './io';
import { migrateCommand } from './migrateCommand';
import { OUTPUT_FORMATS, type OutputFormat } from './report';
import { validateCommand } from './validateCommand';

declare const RELOADCTL_VERSION: string | undefined;

export const USAGE = `Usage: reloadctl <command> [options]

Commands:
  validate <file…> [--format text|json|github]
      Check manifests (*.reload.json, *.mcp-context.json) with the editor's diagnostics.
      Exit 0 valid (warnings allowed), 1 errors, 2 usage or unreadable input.
  migrate <file…> [--to <apiVersion>] [--write] [--check]
      Migrate legacy manifests (reload/v1, mcp-context/v1) to the current version. Prints the
      result, or rewrites files in place with --write; --check exits 1 when a file needs it.
      Exit 0 done or nothing to do, 1 refused or --check found work, 2 usage.

Options:
  -h, --help      Show this help.
  --version       Show the version.
`;

export async function runReloadctl(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case 'validate': {
        const { values, positionals } = parseOrUsage(() =>
          parseArgs({ args: rest, options: { format: { type: 'string', default: 'text' } }, allowPositionals: true, strict: true }),
        );
        const format = String(values.format);
        if (!OUTPUT_FORMATS.includes(format as OutputFormat)) throw new UsageError(`unknown --format "${format}": use text, json or github`);
        if (positionals.length === 0) throw new UsageError('validate needs at least one file');
        return await validateCommand(positionals, format as OutputFormat, io);
      }
      case 'migrate': {
        const { values, positionals } = parseOrUsage(() =>
          parseArgs({
            args: rest,
            options: { to: { type: 'string' }, write: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } },
            allowPositionals: true,
            strict: true,
          }),
        );
        if (positionals.length === 0) throw new UsageError('migrate needs at least one file');
        return await migrateCommand(positionals, { to: values.to, write: values.write, check: values.check }, io);
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case '--version':
        io.stdout(`${typeof RELOADCTL_VERSION === 'string' ? RELOADCTL_VERSION : 'dev'}\n`);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`reloadctl: ${e.message}\nRun "reloadctl --help" for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/** Runs an argument parse, turning its complaints into usage errors. */
function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
}
