/**
 * `npm run test:electron`: the end-to-end flows in desktop VS Code, through @vscode/test-electron,
 * for machines that can download VS Code (it fetches it from update.code.visualstudio.com into
 * .vscode-test/). Where the download is refused, it says so and exits 0: the code-server suite
 * (test/e2e/*.test.ts, run by `npm test`) covers the same flows. Any other failure exits 1.
 *
 * VSCODE_VERSION picks the version (default: 1.139.1, the VS Code inside code-server 4.139.1;
 * "stable", or the oldest supported, 1.95.0, work too). On Linux without a display, run it under
 * `xvfb-run -a`.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { ROOT } from '../../support/fixtures';

const VERSION = process.env.VSCODE_VERSION ?? '1.139.1';

async function main(): Promise<number> {
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version: VERSION, cachePath: join(ROOT, '.vscode-test'), timeout: 30_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`skipped: @vscode/test-electron could not download VS Code (${reason}); the code-server suite covers the same flows`);
    return 0;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.error('test:electron: desktop VS Code needs a display; run it under `xvfb-run -a npm run test:electron`.');
    return 1;
  }
  const root = mkdtempSync(join(tmpdir(), 'tracing-reload-electron-'));
  try {
    const suite = join(root, 'suite.js');
    await build({ entryPoints: [join(__dirname, 'suite.ts')], outfile: suite, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'warning' });
    const folder = join(root, 'workspace');
    cpSync(join(ROOT, 'examples'), folder, { recursive: true });
    const userData = join(root, 'user-data');
    await runTests({
      vscodeExecutablePath,
      // The extension as built by `npm run build` (dist/): the development host loads it from the repository.
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { TRACING_RELOAD_E2E_USER_DATA: userData },
      // Trusted, so the dry run is allowed; no other extensions; nothing fetched in the background.
      launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', userData, '--disable-gpu', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (error) {
    console.error(`test:electron failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main().then((code) => {
  process.exitCode = code;
});
