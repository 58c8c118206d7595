/**
 * `reloadctl agent [--port 7070] [--host 127.0.0.1] --state-dir <dir> [--token-file <f>]
 * [--trust-key <pub.pem>…] [--artifact-root <dir>…] [--allow-url <prefix>…]`: runs the reload agent
 * until SIGTERM or SIGINT, then stops taking requests, lets a running apply end and exits 0.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createOnnxEngine } from '../core/runtime/onnxEngine';
import { escapeControlCharacters } from '../core/terminalText';
import { jsonLinesLogger } from '../agent/log';
import { startAgent } from '../agent/start';
import { KeyError, publicKeyFromPem } from '../node/dsse';
import { otlpExportFromEnv } from '../node/otlpExporter';
import { EXIT, type CommandIo } from './io';

export interface AgentFlags {
  host: string;
  port: number;
  stateDir: string;
  tokenFile?: string;
  trustKeys: readonly string[];
  artifactRoots: readonly string[];
  allowUrls: readonly string[];
  maxBlobBytes?: number;
  otlpEndpoint?: string;
  mcpStdio: boolean;
  mcpAllowHosts: readonly string[];
}

function wasmDir(): string | undefined {
  return existsSync(join(__dirname, 'ort-wasm-simd-threaded.wasm')) ? __dirname : undefined;
}

export async function agentCommand(flags: AgentFlags, io: CommandIo, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`reloadctl agent: ${escapeControlCharacters(message)}\n`);
    return EXIT.usage;
  };
  let token: string | undefined;
  if (flags.tokenFile !== undefined) {
    try {
      token = (await fs.readFile(flags.tokenFile, 'utf8')).trim();
    } catch (error) {
      return fail(`cannot read the token file ${flags.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (token === '' || /\s/.test(token)) return fail(`the token file ${flags.tokenFile} must hold one token (no spaces or line breaks inside it)`);
  }
  const trustKeys: KeyObject[] = [];
  for (const file of flags.trustKeys) {
    try {
      trustKeys.push(publicKeyFromPem(await fs.readFile(file, 'utf8'), `--trust-key ${file}`));
    } catch (error) {
      return fail(error instanceof KeyError ? error.message : `cannot read --trust-key ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  for (const root of flags.artifactRoots) {
    const stat = await fs.stat(root).catch(() => undefined);
    if (!stat?.isDirectory()) return fail(`--artifact-root ${root} is not a folder`);
  }
  for (const prefix of flags.allowUrls) {
    if (!/^https?:\/\/[^/]+\//i.test(prefix)) return fail(`--allow-url ${prefix} must be an http(s) URL prefix ending in a path, e.g. https://models.example.com/`);
  }
  await fs.mkdir(flags.stateDir, { recursive: true, mode: 0o700 });
  const otlp = otlpExportFromEnv(env, flags.otlpEndpoint);
  // With --mcp-stdio, standard output is the MCP channel: the log goes to standard error.
  const log = jsonLinesLogger(flags.mcpStdio ? io.stderr : io.stdout);
  let running;
  try {
    running = await startAgent({
      host: flags.host,
      port: flags.port,
      stateDir: resolve(flags.stateDir),
      token,
      trustKeys,
      artifactRoots: flags.artifactRoots.map((r) => resolve(r)),
      allowUrls: flags.allowUrls,
      maxBlobBytes: flags.maxBlobBytes,
      engine: createOnnxEngine({ wasmDir: wasmDir() }),
      log,
      exporter: otlp?.exporter,
      mcpStdio: flags.mcpStdio,
      mcpAllowedHosts: flags.mcpAllowHosts,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return fail(`port ${flags.port} on ${flags.host} is in use: pick another with --port`);
    if (code === 'EACCES') return fail(`cannot listen on ${flags.host}:${flags.port} (permission denied): use a port above 1023`);
    return fail(error instanceof Error ? error.message : String(error));
  }
  const agent = running;
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      log('info', 'stopping', { signal });
      void agent.close().then(done, done);
    };
    const onTerm = (): void => stop('SIGTERM');
    const onInt = (): void => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    // A client that launched the agent for MCP over stdio ends it by closing its input.
    if (flags.mcpStdio) process.stdin.once('end', () => stop('end of standard input'));
  });
  log('info', 'stopped');
  return EXIT.ok;
}
