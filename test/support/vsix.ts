/**
 * The packaged extension: where `npm run package` writes it, what it must hold (the one list the
 * packaging test compares against; .vscodeignore is the allow-list that produces it), and a
 * function that packages it as a user would.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './fixtures';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/** `vsce package --out dist/` names the file after package.json. */
export const VSIX_PATH = join(ROOT, 'dist', `${pkg.name}-${pkg.version}.vsix`);

/** The timeline page's bundle: built from webview/, which lands on main from another branch. */
export const WEBVIEW_FILES = ['extension/dist/webview.css', 'extension/dist/webview.js'];

/** Whether this checkout has the timeline page's sources (so the build writes WEBVIEW_FILES). */
export const HAS_WEBVIEW_SOURCES = existsSync(join(ROOT, 'webview'));

/** Every entry of the .vsix, sorted; vsce adds the first two and renames LICENSE, README and CHANGELOG. */
export const VSIX_FILES = [
  '[Content_Types].xml',
  'extension.vsixmanifest',
  'extension/changelog.md',
  'extension/LICENSE.txt',
  'extension/dist/cli.js',
  'extension/dist/client.js',
  'extension/dist/dryRunWorker.js',
  'extension/dist/ort-wasm-simd-threaded.mjs',
  'extension/dist/ort-wasm-simd-threaded.wasm',
  'extension/dist/server.js',
  'extension/dist/targetActions.js',
  ...WEBVIEW_FILES,
  'extension/images/icon.png',
  'extension/language-configuration.json',
  'extension/package.json',
  'extension/readme.md',
  'extension/schemas/mcp-context-v1.schema.json',
  'extension/schemas/mcp-context-v2.schema.json',
  'extension/schemas/reload-v1.schema.json',
  'extension/schemas/reload-v2.schema.json',
  'extension/syntaxes/mcp-context.tmLanguage.json',
  'extension/syntaxes/reload-manifest.tmLanguage.json',
  'extension/syntaxes/template-placeholders.injection.json',
].sort();

/** The JavaScript bundles, which a package ships minified and without source maps. */
export const VSIX_BUNDLES = VSIX_FILES.filter((name) => name.endsWith('.js'));

/**
 * Runs `npm run package` (production build, then vsce) and returns the .vsix path. Its output is
 * kept and shown only when it fails.
 */
export async function packageExtension(): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await promisify(execFile)(npm, ['run', 'package'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run package failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
  return VSIX_PATH;
}
