// Bundles the extension, its dry-run worker, the language server, the CLI and the timeline webview page into dist/ with esbuild.
// `--production` (run by `vscode:prepublish`, so by every `npm run package`): minified, no source maps.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const production = process.argv.includes('--production');
// Schema validators compiled ahead of time (core/generated/validators.js), bundled below.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/compile-validators.ts'], { stdio: 'inherit' });

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning',
  mainFields: ['module', 'main'],
  // The CommonJS build of onnxruntime-web for Node: its ESM build needs import.meta, which a CommonJS bundle lacks.
  alias: { 'onnxruntime-web': './node_modules/onnxruntime-web/dist/ort.node.min.js' },
  // Written below, each file replaced by a rename: a test that starts dist/cli.js while the
  // packaging test rebuilds dist/ runs the old bundle or the new one, never half of one.
  write: false,
};

/** Writes a file by renaming a finished temporary file over it. */
async function replaceFile(path, contents, mode = 0o644) {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents, { mode });
  await rename(temporary, path);
}

const results = await Promise.all([
  build({ ...common, entryPoints: ['client/main.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
  // Apply and Rollback (the validator, the OpenTelemetry SDK, fleets): loaded by the extension on first use.
  build({ ...common, entryPoints: ['client/targetActions.ts'], outfile: 'dist/targetActions.js', external: ['vscode'] }),
  build({ ...common, entryPoints: ['server/main.ts'], outfile: 'dist/server.js' }),
  // The extension's dry run runs on a worker thread (client/dryRun/runner.ts starts it).
  build({ ...common, entryPoints: ['client/dryRun/worker.ts'], outfile: 'dist/dryRunWorker.js' }),
  // The timeline page runs in the webview (a browser): no Node built-ins resolve there.
  build({
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    write: false,
  }),
  build({
    ...common,
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { RELOADCTL_VERSION: JSON.stringify(pkg.version) },
  }),
]);
for (const file of results.flatMap((result) => result.outputFiles)) {
  await replaceFile(file.path, file.contents, file.path.endsWith('cli.js') ? 0o755 : 0o644);
}
// A production build leaves no source map of an earlier development build beside its bundles.
if (production) {
  for (const name of await readdir('dist')) if (name.endsWith('.js.map')) await rm(`dist/${name}`);
}
await replaceFile('dist/webview.css', await readFile('webview/timeline.css'));
// onnxruntime-web loads its WebAssembly runtime at run time; ship it beside the bundles.
for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) {
  await replaceFile(`dist/${file}`, await readFile(`node_modules/onnxruntime-web/dist/${file}`));
}
