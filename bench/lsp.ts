/**
 * `npm run bench:lsp`: the language server over stdio on a 10,000-change (≈2.6 MB) manifest,
 * beside vscode-json-languageservice behind the same transport with the same schema
 * (bench/jsonPeerServer.ts). Prints didChange → publishDiagnostics (200 single-character edits,
 * debounce off), completion and hover latency, and resident memory.
 * Goals: diagnostics p95 < 50 ms and ≥ 5× faster than the peer; completion and hover p95 < 10 ms.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { generateReloadManifest } from './generate';
import { median, ms, percentile } from './stats';

const ROOT = join(__dirname, '..');
const DATA = join(__dirname, '.data');

interface Server {
  name: string;
  connection: MessageConnection;
  pid: number;
  waitFor(version: number): Promise<void>;
  stop(): Promise<void>;
}

async function start(name: string, command: string[], settings: unknown): Promise<Server> {
  const child = spawn(process.execPath, command, { stdio: 'pipe' });
  child.stderr.resume();
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const seen = new Map<number, () => void>();
  const arrived = new Set<number>();
  connection.onNotification('textDocument/publishDiagnostics', (params: { version?: number }) => {
    if (params.version === undefined) return;
    arrived.add(params.version);
    seen.get(params.version)?.();
  });
  connection.onRequest('workspace/configuration', () => [settings]);
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(DATA).href,
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
    initializationOptions: { settings },
  });
  await connection.sendNotification('initialized', {});
  return {
    name,
    connection,
    pid: child.pid!,
    waitFor: (version) =>
      arrived.has(version)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${name}: no diagnostics for version ${version}`)), 120_000);
            seen.set(version, () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    stop: async () => {
      await connection.sendRequest('shutdown', null).catch(() => undefined);
      await connection.sendNotification('exit').catch(() => undefined);
      connection.dispose();
      child.kill();
    },
  };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** A single-character edit at `at`: even steps insert one, odd steps delete it again. */
function toggle(at: { line: number; character: number }, step: number): { range: unknown; text: string } {
  return step % 2 === 0 ? { range: { start: at, end: at }, text: 'x' } : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
}

interface Results {
  diagnostics: number[];
  diagnosticsInChange: number[];
  completion: number[];
  completionAfterEdit: number[];
  hover: number[];
  rss: number;
}

async function measure(server: Server, uri: string, text: string): Promise<Results> {
  const lines = text.split('\n');
  const editLine = lines.findIndex((l) => l.includes('"name": "bench-10000"'));
  const editAt = { line: editLine, character: lines[editLine].indexOf('bench-') };
  const keyLine = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('"kind": "Model"'));
  const keyAt = { line: keyLine, character: lines[keyLine].indexOf('"kind"') };
  const hoverAt = { line: keyLine, character: lines[keyLine].indexOf('"kind"') + 2 };
  let version = 1;
  await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'reload-manifest', version, text } });
  await server.waitFor(version);
  // Two places a user types: metadata (outside the changes) and a change's version mid-document
  // (the changes are analysed again, and the edit makes the version invalid: ranges are located).
  const versionLine = lines.findIndex((l, i) => i > lines.length / 2 && l.includes('"version": "1.'));
  const insideChange = { line: versionLine, character: lines[versionLine].indexOf('"1.') + 2 };
  const diagnostics: number[] = [];
  const diagnosticsInChange: number[] = [];
  for (let i = 0; i < 200; i++) {
    version++;
    const inChange = i % 4 >= 2;
    const change = toggle(inChange ? insideChange : editAt, i);
    const started = performance.now();
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    await server.waitFor(version);
    (inChange ? diagnosticsInChange : diagnostics).push(performance.now() - started);
  }
  const timeRequest = async (method: string, position: unknown): Promise<number> => {
    const started = performance.now();
    await server.connection.sendRequest(method, { textDocument: { uri }, position });
    return performance.now() - started;
  };
  const completion: number[] = [];
  const hover: number[] = [];
  for (let i = 0; i < 50; i++) completion.push(await timeRequest('textDocument/completion', keyAt));
  for (let i = 0; i < 50; i++) hover.push(await timeRequest('textDocument/hover', hoverAt));
  const completionAfterEdit: number[] = [];
  for (let i = 0; i < 20; i++) {
    version++;
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [toggle(editAt, i)] });
    completionAfterEdit.push(await timeRequest('textDocument/completion', keyAt));
    await server.waitFor(version);
  }
  return { diagnostics, diagnosticsInChange, completion, completionAfterEdit, hover, rss: rssMb(server.pid) };
}

async function keystrokes(server: Server, uri: string, text: string): Promise<number[]> {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('"name": "bench-10000"'));
  const at = { line, character: lines[line].indexOf('bench-') };
  let version = 1_000;
  await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'reload-manifest', version, text } });
  await server.waitFor(version);
  const rss = [rssMb(server.pid)];
  for (let i = 1; i <= 10_000; i++) {
    version++;
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [toggle(at, i - 1)] });
    if (i % 50 === 0) await server.waitFor(version);
    if (i % 2_500 === 0) rss.push(rssMb(server.pid));
  }
  return rss;
}

function row(label: string, samples: number[]): string {
  return `${label.padEnd(34)} median ${ms(median(samples)).padStart(10)}   p95 ${ms(percentile(samples, 95)).padStart(10)}`;
}

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const text = generateReloadManifest(10_000);
  const file = join(DATA, 'bench.reload.json');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  console.log(`bench/lsp — ${(text.length / 1024 / 1024).toFixed(2)} MB manifest, 10,000 changes, over stdio`);
  const ours = await start('tracing-reload', [join(ROOT, 'dist', 'server.js'), '--stdio'], { validation: { delayMs: 0, checkLocalFiles: false } });
  const oursResults = await measure(ours, uri, text);
  await ours.stop();
  const peer = await start('vscode-json-languageservice', ['--import', 'tsx', join(__dirname, 'jsonPeerServer.ts'), '--stdio'], {});
  const peerResults = await measure(peer, uri, text);
  await peer.stop();
  for (const [name, r] of [
    ['tracing-reload', oursResults],
    ['vscode-json-languageservice', peerResults],
  ] as const) {
    console.log(`\n${name}`);
    console.log(row('didChange → diagnostics (metadata)', r.diagnostics));
    console.log(row('didChange → diagnostics (a change)', r.diagnosticsInChange));
    console.log(row('didChange → diagnostics (all 200)', [...r.diagnostics, ...r.diagnosticsInChange]));
    console.log(row('completion (document unchanged)', r.completion));
    console.log(row('completion (right after an edit)', r.completionAfterEdit));
    console.log(row('hover', r.hover));
    console.log(`${'resident memory after the run'.padEnd(34)} ${r.rss.toFixed(0)} MB`);
  }
  const ratio = (a: number[], b: number[]): string => `${(percentile(b, 50) / percentile(a, 50)).toFixed(1)}× (median), ${(percentile(b, 95) / percentile(a, 95)).toFixed(1)}× (p95)`;
  const all = (r: Results): number[] => [...r.diagnostics, ...r.diagnosticsInChange];
  console.log(`\nours vs peer: diagnostics ${ratio(all(oursResults), all(peerResults))}; completion ${ratio(oursResults.completion, peerResults.completion)}; hover ${ratio(oursResults.hover, peerResults.hover)}`);
  const steady = await start('tracing-reload', [join(ROOT, 'dist', 'server.js'), '--stdio'], { validation: { delayMs: 150, checkLocalFiles: true } });
  const rss = await keystrokes(steady, uri, text);
  await steady.stop();
  console.log(`10,000 keystrokes (default 150 ms debounce), resident memory every 2,500: ${rss.map((v) => `${v.toFixed(0)} MB`).join(' → ')}`);
}

void main();
