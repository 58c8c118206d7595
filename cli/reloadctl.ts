/** `reloadctl`: argument parsing and dispatch to the commands. */
import { parseArgs } from 'node:util';
import { LANGUAGES, type LanguageId } from '../core/formats';
import { escapeControlCharacters } from '../core/terminalText';
import { EXIT, UsageError, type CommandIo } from './io';
import { migrateCommand } from './migrateCommand';
import { traceConvertCommand } from './traceCommand';
import { STDIN_ARGUMENT } from './readInput';
import { OUTPUT_FORMATS, type OutputFormat } from './report';
import { validateCommand } from './validateCommand';

declare const RELOADCTL_VERSION: string | undefined;

const LANGUAGE_IDS = Object.keys(LANGUAGES) as LanguageId[];

export const USAGE = `Usage: reloadctl <command> [options]

Commands:
  validate <file…> [--format text|json|github] [--root <dir>…] [--workspace <dir>] [--max-hash-bytes <n>]
      Check manifests (*.reload.json, *.mcp-context.json) with the editor's diagnostics, the
      files they name included: those must lie in the manifest's folder or a --root; pinned
      digests are checked for files up to --max-hash-bytes (default 268435456). Adapters'
      baseModel is checked against the reload manifests under --workspace (default: here).
      Exit 0 valid (warnings allowed), 1 errors, 2 usage or unreadable input.
  migrate <file…> [--to <apiVersion>] [--write [--force]] [--check]
      Migrate legacy manifests (reload/v1, mcp-context/v1) to the current version. Prints the
      result, or rewrites files in place with --write (through symbolic links, keeping mode,
      owner and byte order mark; read-only files only with --force); --check exits 1 when a
      file needs it. Exit 0 done or nothing to do, 1 refused or --check found work, 2 usage.
  dry-run <file> [--trace-out <file>] [--format text|json] [--otlp-endpoint <url>] [--allow-http]
          [--root <dir>…] [--language reload-manifest|mcp-context]
      Run the manifest against a local in-process runtime (hash artifacts, load models, run
      probes, swap, roll back) and print the traced timeline. Files the manifest names must lie
      in its folder or a --root. --trace-out writes OTLP JSON; traces also go to
      OTEL_EXPORTER_OTLP_ENDPOINT when set. --language overrides the language the file name
      gives (standard input has none: its content decides).
      Exit 0 succeeded, 1 failed, rolled back or trace not written, 2 invalid manifest or usage.
  trace convert <in> --to otlp|jaeger|chrome
      Convert a trace (OTLP JSON or Jaeger JSON) to OTLP, Jaeger or Chrome Trace Event JSON
      (for Perfetto). Exit 0 done, 1 unreadable trace, 2 usage.

  apply <file> --target <url|name>… [--key <ed25519.pem>] [--token-file <f>] [--targets-file <f>]
        [--trace-out <file>] [--format text|json] [--root <dir>…]
      Apply the manifest on reload agents: it is validated here first, local artifacts a target
      lacks are uploaded by digest, --key signs it (DSSE, ed25519). Several targets (or the
      manifest's spec.targets, named in --targets-file: [{"name", "url", "tokenFile"?}]) are
      applied in waves by spec.rollout.steps; a failed wave stops the rollout and rolls back the
      targets it changed. Prints the merged trace (this client's spans and the agents').
      Exit 0 succeeded, 1 failed, rolled back or refused, 2 invalid manifest or usage.
  rollback --target <url|name> [--to previousStable|<serial>] [--trace-out <file>] [--format text|json]
      Bring back an earlier generation on a target (as a new, higher serial). Exit as apply.
  status --target <url|name>… [--format text|json]
      The active generation: serial, models, configs, flags, context. Exit 0, 1 when refused.
  history --target <url|name> [--format text|json]
      One row per apply and rollback, oldest first. Exit 0, 1 when refused.
  agent [--port 7070] [--host 127.0.0.1] --state-dir <dir> [--token-file <f>] [--trust-key <pub.pem>…]
        [--artifact-root <dir>…] [--allow-url <prefix>…] [--max-blob-bytes <n>] [--otlp-endpoint <url>]
        [--mcp-stdio] [--mcp-allow-host <name>…]
      Run a reload agent (DESIGN.md §6.2) until SIGTERM or SIGINT: the HTTP API, durable state
      in --state-dir, Open Inference Protocol on /v2, the active context over MCP on /mcp (and on
      standard input/output with --mcp-stdio; the log then goes to stderr), Prometheus /metrics,
      JSON-lines logs.

The token for a target comes from --token-file or RELOAD_TOKEN (never an argument).
A file argument "-" reads standard input (validate, migrate without --write, dry-run), shown as
<stdin>; its relative artifact paths resolve in the current folder.

Options:
  -h, --help      Show this help.
  --version       Show the version.
`;

type Env = Readonly<Record<string, string | undefined>>;

/** The commands: each parses its own arguments (throwing UsageError) and runs. */
const COMMANDS: Record<string, (args: string[], io: CommandIo, env: Env) => Promise<number>> = {
  validate: runValidate,
  migrate: runMigrate,
  'dry-run': runDryRun,
  trace: runTrace,
  apply: runApply,
  rollback: runRollback,
  status: (args, io, env) => runTargetQuery('status', args, io, env),
  history: (args, io, env) => runTargetQuery('history', args, io, env),
  agent: runAgent,
};

export async function runReloadctl(argv: string[], io: CommandIo, env: Env = {}): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '--version') {
      io.stdout(`${typeof RELOADCTL_VERSION === 'string' ? RELOADCTL_VERSION : 'dev'}\n`);
      return EXIT.ok;
    }
    const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(rest, io, env);
  } catch (e) {
    if (e instanceof UsageError) {
      // Usage messages quote the arguments given, which may carry control characters.
      io.stderr(`reloadctl: ${escapeControlCharacters(e.message)}\nRun "reloadctl --help" for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

function runValidate(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      options: {
        format: { type: 'string', default: 'text' },
        root: { type: 'string', multiple: true, default: [] },
        workspace: { type: 'string', default: '.' },
        'max-hash-bytes': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  const format = String(values.format);
  if (!OUTPUT_FORMATS.includes(format as OutputFormat)) throw new UsageError(`unknown --format "${format}": use text, json or github`);
  if (positionals.length === 0) throw new UsageError('validate needs at least one file');
  if (positionals.filter((p) => p === STDIN_ARGUMENT).length > 1) throw new UsageError('"-" (standard input) can be given once');
  const maxHashBytes = values['max-hash-bytes'] === undefined ? undefined : byteCount(values['max-hash-bytes'], '--max-hash-bytes');
  return validateCommand(positionals, { format: format as OutputFormat, roots: values.root, workspace: values.workspace, maxHashBytes }, io);
}

function runMigrate(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      options: {
        to: { type: 'string' },
        write: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (positionals.length === 0) throw new UsageError('migrate needs at least one file');
  return migrateCommand(positionals, { to: values.to, write: values.write, check: values.check, force: values.force }, io);
}

async function runDryRun(args: string[], io: CommandIo, env: Env): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      options: {
        format: { type: 'string', default: 'text' },
        'trace-out': { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        'allow-http': { type: 'boolean', default: false },
        root: { type: 'string', multiple: true, default: [] },
        language: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`unknown --format "${values.format}": use text or json`);
  if (positionals.length !== 1) throw new UsageError('dry-run takes exactly one manifest file');
  const language = values.language;
  if (language !== undefined && !LANGUAGE_IDS.includes(language as LanguageId)) {
    throw new UsageError(`unknown --language "${language}": use ${LANGUAGE_IDS.join(' or ')}`);
  }
  // Loaded on demand: the runtime brings onnxruntime-web, which validate and migrate do not need.
  const { dryRunCommand } = await import('./dryRunCommand');
  const flags = {
    format: values.format as 'text' | 'json',
    traceOut: values['trace-out'],
    language: language as LanguageId | undefined,
    otlpEndpoint: values['otlp-endpoint'],
    allowHttp: values['allow-http'],
    roots: values.root,
    progress: io.stderrIsTerminal === true || env.RELOADCTL_PROGRESS === '1',
    color: io.stderrIsTerminal === true && env.NO_COLOR === undefined,
  };
  return dryRunCommand(positionals[0], flags, io, env);
}

function runTrace(args: string[], io: CommandIo): Promise<number> {
  const [sub, ...more] = args;
  if (sub !== 'convert') throw new UsageError(`unknown trace command "${sub ?? ''}": use "trace convert <in> --to otlp|jaeger|chrome"`);
  const { values, positionals } = parseOrUsage(() => parseArgs({ args: more, options: { to: { type: 'string' } }, allowPositionals: true, strict: true }));
  if (positionals.length !== 1 || values.to === undefined) throw new UsageError('trace convert takes one input file and --to otlp|jaeger|chrome');
  return traceConvertCommand(positionals[0], values.to, io);
}

const TARGET_OPTIONS = {
  target: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  'targets-file': { type: 'string' as const },
  'token-file': { type: 'string' as const },
  format: { type: 'string' as const, default: 'text' },
};

function targetFlags(values: { target: string[]; 'targets-file'?: string; 'token-file'?: string; format: string }, env: Env) {
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`unknown --format "${values.format}": use text or json`);
  return { targets: values.target, targetsFile: values['targets-file'] ?? env.RELOAD_TARGETS_FILE, tokenFile: values['token-file'], format: values.format as 'text' | 'json' };
}

async function runApply(args: string[], io: CommandIo, env: Env): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({ args, options: { ...TARGET_OPTIONS, key: { type: 'string' }, 'trace-out': { type: 'string' }, root: { type: 'string', multiple: true, default: [] } }, allowPositionals: true, strict: true }),
  );
  if (positionals.length !== 1) throw new UsageError('apply takes exactly one manifest file');
  const { applyCommand } = await import('./targetCommands');
  return applyCommand(positionals[0], { ...targetFlags(values, env), key: values.key, traceOut: values['trace-out'], roots: values.root, color: io.stderrIsTerminal === true && env.NO_COLOR === undefined }, io, env);
}

async function runRollback(args: string[], io: CommandIo, env: Env): Promise<number> {
  const { values, positionals } = parseOrUsage(() => parseArgs({ args, options: { ...TARGET_OPTIONS, to: { type: 'string', default: 'previousStable' }, 'trace-out': { type: 'string' } }, allowPositionals: true, strict: true }));
  if (positionals.length > 0) throw new UsageError('rollback takes no file: --target <url> [--to previousStable|<serial>]');
  if (values.target.length !== 1) throw new UsageError('rollback takes exactly one --target');
  const { rollbackCommand } = await import('./targetCommands');
  return rollbackCommand(values.to, { ...targetFlags(values, env), traceOut: values['trace-out'], color: io.stderrIsTerminal === true && env.NO_COLOR === undefined }, io, env);
}

async function runTargetQuery(which: 'status' | 'history', args: string[], io: CommandIo, env: Env): Promise<number> {
  const { values, positionals } = parseOrUsage(() => parseArgs({ args, options: TARGET_OPTIONS, allowPositionals: true, strict: true }));
  if (positionals.length > 0) throw new UsageError(`${which} takes no file: --target <url>`);
  if (values.target.length === 0) throw new UsageError(`${which} needs --target <url>`);
  if (which === 'history' && values.target.length !== 1) throw new UsageError('history takes exactly one --target');
  const commands = await import('./targetCommands');
  return which === 'status' ? commands.statusCommand(targetFlags(values, env), io, env) : commands.historyCommand(targetFlags(values, env), io, env);
}

async function runAgent(args: string[], io: CommandIo, env: Env): Promise<number> {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args,
      options: {
        port: { type: 'string', default: '7070' },
        host: { type: 'string', default: '127.0.0.1' },
        'state-dir': { type: 'string' },
        'token-file': { type: 'string' },
        'trust-key': { type: 'string', multiple: true, default: [] },
        'artifact-root': { type: 'string', multiple: true, default: [] },
        'allow-url': { type: 'string', multiple: true, default: [] },
        'max-blob-bytes': { type: 'string' },
        'otlp-endpoint': { type: 'string' },
        'mcp-stdio': { type: 'boolean', default: false },
        'mcp-allow-host': { type: 'string', multiple: true, default: [] },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (positionals.length > 0) throw new UsageError('agent takes no file arguments');
  if (values['state-dir'] === undefined) throw new UsageError('agent needs --state-dir <dir>: where it keeps its generations, history and artifacts');
  if (!/^(0|[1-9][0-9]{0,4})$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port takes a port number from 0 to 65535 (0: any free port), not "${values.port}"`);
  const { agentCommand } = await import('./agentCommand');
  return agentCommand(
    {
      host: values.host,
      port: Number(values.port),
      stateDir: values['state-dir'],
      tokenFile: values['token-file'],
      trustKeys: values['trust-key'],
      artifactRoots: values['artifact-root'],
      allowUrls: values['allow-url'],
      maxBlobBytes: values['max-blob-bytes'] === undefined ? undefined : byteCount(values['max-blob-bytes'], '--max-blob-bytes'),
      otlpEndpoint: values['otlp-endpoint'],
      mcpStdio: values['mcp-stdio'],
      mcpAllowHosts: values['mcp-allow-host'],
    },
    io,
    env,
  );
}

/** A whole number of bytes from a flag's value (0 or more). */
function byteCount(text: string, flag: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw new UsageError(`${flag} takes a whole number of bytes, e.g. 268435456`);
  return Number(text);
}

/** Runs an argument parse, turning its complaints into usage errors. */
function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
}
