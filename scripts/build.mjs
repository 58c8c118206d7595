// Bundles the extension, the language server, the CLI and the timeline webview page into dist/ with esbuild.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const production = process.argv.includes('--production');
// Schema validators compiled ahead of time (core/generated/validators.js), bundled below.
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/compile-validators.ts'], { stdio: 'inherit' });

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning',
  mainFields: ['module', 'main'],
  // The CommonJS build of onnxruntime-web for Node: its ESM build needs import.meta, which a CommonJS bundle lacks.
  alias: { 'onnxruntime-web': './node_modules/onnxruntime-web/dist/ort.node.min.js' },
};

await Promise.all([
  build({ ...common, entryPoints: ['client/main.ts'], outfile: 'dist/client.js', external: ['vscode'] }),
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
  }),
  build({
    ...common,
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    define: { RELOADCTL_VERSION: JSON.stringify(pkg.version) },
  }),
]);
await chmod('dist/cli.js', 0o755);
await copyFile('webview/timeline.css', 'dist/webview.css');
// onnxruntime-web loads its WebAssembly runtime at run time; ship it beside the bundles.
for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs']) {
  await copyFile(`node_modules/onnxruntime-web/dist/${file}`, `dist/${file}`);
}
