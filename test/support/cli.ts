/** Runs the built `reloadctl` (dist/cli.js) as a user would, capturing its output and exit code. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `input` is written to the CLI's standard input (closed at once when absent). */
export function reloadctl(args: string[], cwd = ROOT, env: Record<string, string> = {}, input: string | Buffer = ''): CliRun {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { cwd, input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Like `reloadctl`, without blocking the event loop (for tests that serve the CLI over HTTP). */
export function reloadctlAsync(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
