/**
 * The extension host's longest event-loop stall during a dry run of the sentiment example (goal
 * < 50 ms), part of `npm run bench:extension`:
 * 1. in VS Code 1.139 (code-server): Dry Run from the Command Palette, several times in one window;
 *    the extension measures its own event loop (perf_hooks.monitorEventLoopDelay, 10 ms
 *    resolution) while each run lasts and logs the maximum;
 * 2. the peer, in plain Node on the same manifest: the runtime on the caller's thread (how the
 *    extension ran dry runs before this issue) against the worker thread the extension uses now.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DryRunWorkers } from '../client/dryRun/runner';
import { createOnnxEngine } from '../core/runtime/onnxEngine';
import { runReload } from '../core/runtime/pipeline';
import { LocalRuntime } from '../core/runtime/runtime';
import { createTraceRecorder } from '../core/tracing/recorder';
import { nodeArtifactSource } from '../node/fileHost';
import { startCodeServer, waitFor } from '../test/e2e/support/codeServer';
import { Workbench } from '../test/e2e/support/workbench';
import { median } from './stats';

const GOAL_MS = 50;
const ROOT = resolve(__dirname, '..');
const MANIFEST = join(ROOT, 'examples', 'sentiment.reload.json');
const STALL = /Dry run of .*sentiment\.reload\.json: (\w+) in (\d+) ms; longest extension-host event-loop stall during the run: ([\d.]+) ms/g;

/** Longest event-loop delay (ms) while `run` runs, at 10 ms resolution (as the extension measures it). */
async function longestStall(run: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await run();
    // A delay is recorded when the sampling timer finally fires: let it fire once more, or a loop
    // blocked until the very end records nothing.
    await new Promise((resolve) => setTimeout(resolve, 25));
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

async function inProcess(): Promise<void> {
  const recorder = createTraceRecorder();
  const runtime = new LocalRuntime(createOnnxEngine({ wasmDir: join(ROOT, 'dist') }));
  try {
    await runReload({ text: readFileSync(MANIFEST, 'utf8'), languageId: 'reload-manifest', mode: 'dryRun', runtime, source: nodeArtifactSource(MANIFEST), tracer: recorder.tracer });
  } finally {
    await runtime.dispose();
    await recorder.shutdown();
  }
}

/** One pool for the whole bench, as the extension keeps one: its worker stays between runs. */
const workers = new DryRunWorkers({ workerFile: join(ROOT, 'dist', 'dryRunWorker.js') });
const onWorker = () =>
  workers.run({ text: readFileSync(MANIFEST, 'utf8'), languageId: 'reload-manifest', manifestPath: MANIFEST, roots: [], wasmDir: join(ROOT, 'dist'), serviceName: 'bench' });

export async function stallInVsCode(vsix: string, runs: number): Promise<string[]> {
  const session = await startCodeServer({ trusted: true, vsix });
  const lines: string[] = [];
  try {
    const workbench = new Workbench(session.page);
    await workbench.openFile('sentiment.reload.json');
    // Let the language server finish with the opened document (its diagnostics, lenses and the
    // background hashing of pinned digests), so what is measured is the dry run alone.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    for (let run = 1; run <= runs; run++) {
      await workbench.runCommand('Tracing Reload: Dry Run');
      await waitFor(`dry run ${run} in the log`, () => ([...session.extensionLog().matchAll(STALL)].length >= run ? true : undefined), 120_000, 200);
      await workbench.clearNotifications();
    }
    const found = [...session.extensionLog().matchAll(STALL)].map((m) => ({ outcome: m[1], ms: Number(m[2]), stall: Number(m[3]) }));
    for (const [i, run] of found.entries()) lines.push(`  run ${i + 1}: ${run.outcome} in ${run.ms} ms, longest stall ${run.stall.toFixed(1)} ms`);
    const stalls = found.map((f) => f.stall);
    lines.push(`Longest extension-host stall during a dry run in VS Code: median ${median(stalls).toFixed(1)} ms, max ${Math.max(...stalls).toFixed(1)} ms; goal < ${GOAL_MS} ms: ${Math.max(...stalls) < GOAL_MS ? 'met' : 'NOT met'}`);
  } finally {
    await session.close();
  }
  return lines;
}

export async function stallPeer(runs: number): Promise<string[]> {
  // The first run in a process compiles onnxruntime's WebAssembly: on the caller's thread that
  // happens on the event loop; the kept worker compiles it on its own thread, once.
  const coldCaller = await longestStall(inProcess);
  const coldWorker = await longestStall(onWorker);
  const caller: number[] = [];
  const worker: number[] = [];
  for (let i = 0; i < runs; i++) {
    caller.push(await longestStall(inProcess));
    worker.push(await longestStall(onWorker));
  }
  const c = median(caller);
  const w = median(worker);
  return [
    `Peer, plain Node, the same manifest: the runtime on the caller's thread (the extension before this issue) against a worker thread (now); longest event-loop stall per run:`,
    `  first run in the process (WebAssembly compiled): caller's thread ${coldCaller.toFixed(1)} ms, worker ${coldWorker.toFixed(1)} ms; ratio ${(coldCaller / coldWorker).toFixed(1)}×`,
    `  later runs (${runs} each, median): caller's thread ${c.toFixed(1)} ms (max ${Math.max(...caller).toFixed(1)}), worker ${w.toFixed(1)} ms (max ${Math.max(...worker).toFixed(1)}); ratio ${(c / w).toFixed(1)}×`,
  ];
}

/** Ends the bench's worker. */
export function stopWorkers(): void {
  workers.dispose();
}
