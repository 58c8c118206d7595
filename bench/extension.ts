/**
 * `npm run bench:extension [-- --runs <n>]`: what the packaged extension costs a VS Code user.
 * 1. The .vsix: its size, and the size of the bundle activation loads (dist/client.js).
 * 2. Activation in VS Code 1.139 (code-server 4.139.1, in headless Chromium), goal < 100 ms:
 *    a fresh profile per run; the window's own startup activations are let finish (no new
 *    activation in the extension host log for 2 s), then opening a reload manifest activates
 *    the extension alone. The figures are VS Code's own, from Developer: Startup Performance
 *    ("Extension Activation Stats"): Load Code (reading and evaluating dist/client.js), Call
 *    Activate (the synchronous part of activate()), Finish Activate (from there until activate()'s
 *    promise settles: it awaits the language server's start). VS Code's Running Extensions view
 *    shows Load Code + Call Activate as "Activation"; the goal applies to that sum. The machine's
 *    load average is printed beside them: on a shared machine the spread is the other processes'.
 * 3. The extension host's longest event-loop stall during a dry run (goal < 50 ms), in VS Code and
 *    against the runtime on the caller's thread (bench/extensionHostStall.ts).
 * (bench/webview.ts measures the timeline page.)
 */
import { statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCodeServer, waitFor, CODE_SERVER_VERSION, EXTENSION_ID } from '../test/e2e/support/codeServer';
import { Workbench } from '../test/e2e/support/workbench';
import { packageExtension } from '../test/support/vsix';
import { ZipArchive } from '../test/support/zip';
import { median } from './stats';
import { stallInVsCode, stallPeer, stopWorkers } from './extensionHostStall';

const GOAL_MS = 100;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

interface Activation {
  loadCode: number;
  callActivate: number;
  finishActivate: number;
  event: string;
}

/** Our row of the "Extension Activation Stats" table. */
function activationStats(report: string): Activation {
  const row = report.split('\n').find((line) => line.startsWith(`| ${EXTENSION_ID} `));
  if (!row) throw new Error(`no activation stats for ${EXTENSION_ID} in Startup Performance`);
  const [, , loadCode, callActivate, finishActivate, event] = row.split('|').map((cell) => cell.trim()).slice(1);
  return { loadCode: Number(loadCode), callActivate: Number(callActivate), finishActivate: Number(finishActivate), event };
}

/** Resolves once the extension host has activated nothing new for `quietMs` after its eager activations. */
async function startupSettled(log: () => string, quietMs = 2000): Promise<void> {
  let count = -1;
  let since = Date.now();
  await waitFor('the window to finish its startup activations', () => {
    const text = log();
    if (!text.includes('Eager extensions activated')) return undefined;
    const activations = text.split('ExtensionService#_doActivateExtension').length;
    if (activations !== count) {
      count = activations;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since >= quietMs ? true : undefined;
  }, 60_000, 200);
}

async function measureActivation(vsix: string): Promise<Activation> {
  const session = await startCodeServer({ trusted: true, vsix });
  try {
    const workbench = new Workbench(session.page);
    await startupSettled(() => session.log(join('exthost1', 'remoteexthost.log')));
    if (session.extensionLog() !== '') throw new Error('the extension activated before a manifest was opened');
    await workbench.openFile('sentiment-legacy.reload.json');
    await waitFor('the language server to be ready', () => (session.extensionLog().includes('Language server ready') ? true : undefined));
    return activationStats(await workbench.startupPerformance());
  } finally {
    await session.close();
  }
}

async function main(): Promise<void> {
  console.log('Packaging (npm run package) …');
  const vsix = await packageExtension();
  const archive = new ZipArchive(vsix);
  const client = archive.entries.find((entry) => entry.name === 'extension/dist/client.js');
  console.log(`\n.vsix: ${(statSync(vsix).size / 1024 / 1024).toFixed(2)} MiB (${statSync(vsix).size} bytes, ${archive.entries.length} files); activation loads dist/client.js, ${((client?.size ?? 0) / 1024).toFixed(0)} KiB`);
  for (const entry of [...archive.entries].sort((a, b) => b.size - a.size).slice(0, 5)) {
    console.log(`  ${entry.name.padEnd(45)} ${(entry.size / 1024).toFixed(0).padStart(7)} KiB, ${(entry.compressedSize / 1024).toFixed(0).padStart(6)} KiB compressed`);
  }

  console.log(`\nActivation in VS Code 1.139 (code-server ${CODE_SERVER_VERSION}), ${runs} fresh windows; VS Code's Startup Performance figures, in ms:`);
  console.log('  run   load code   call activate   = activation   finish activate   = until activate() settled   load average (1 min)');
  const results: Activation[] = [];
  for (let run = 1; run <= runs; run++) {
    const result = await measureActivation(vsix);
    results.push(result);
    const cells = [result.loadCode, result.callActivate, result.loadCode + result.callActivate, result.finishActivate, result.loadCode + result.callActivate + result.finishActivate];
    console.log(`  ${String(run).padStart(3)}   ${cells.map((c, i) => String(c).padStart([9, 13, 12, 15, 26][i])).join('   ')}   ${loadavg()[0].toFixed(2).padStart(20)}   (${result.event})`);
  }
  const summary = (values: number[]): string => `median ${median(values)} ms (min ${Math.min(...values)}, max ${Math.max(...values)})`;
  const activation = results.map((r) => r.loadCode + r.callActivate);
  console.log(`\nActivation (Load Code + Call Activate, as Running Extensions shows it): ${summary(activation)}; goal < ${GOAL_MS} ms: ${median(activation) < GOAL_MS ? 'met' : 'NOT met'}`);
  console.log(`Until activate() settled (the language server started too): ${summary(results.map((r) => r.loadCode + r.callActivate + r.finishActivate))}`);
  console.log(`${cpus().length} CPUs; each window fresh, the manifest opened once the window's own startup activations had finished.`);

  console.log(`\nThe extension host's event loop during Dry Run of examples/sentiment.reload.json (the run is on a worker thread):`);
  for (const line of await stallInVsCode(vsix, runs)) console.log(line);
  for (const line of await stallPeer(runs)) console.log(line);
  stopWorkers();
}

void main();
