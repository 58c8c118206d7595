/** Runs the built `reloadctl` (dist/cli.js) as a user would, capturing its output and exit code. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function reloadctl(args: string[], cwd = ROOT): CliRun {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
