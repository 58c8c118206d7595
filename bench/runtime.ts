/**
 * `npm run bench:runtime`: the local runtime's costs.
 * 1. sha256 throughput of a 512 MB artifact through staging (hash only, and keeping the bytes),
 *    beside `openssl dgst -sha256` of the same file, interleaved (goal ≥ 90% of openssl: hashing is
 *    the floor of staging). `--read-sizes` compares read sizes instead.
 * 2. The swap pause: how long activation blocks `infer()` (goal < 1 ms).
 * 3. Tracing overhead: a dry run with and without spans recorded (goal < 5%).
 * 4. Dry-run time of a 1,000-change config manifest.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openArtifactFile } from '../node/artifactFile';
import { nodeArtifactSource } from '../node/fileHost';
import { createOnnxEngine } from '../core/runtime/onnxEngine';
import { runReload } from '../core/runtime/pipeline';
import { LocalRuntime } from '../core/runtime/runtime';
import { stageArtifact } from '../core/runtime/stage';
import { READ_CHUNK_BYTES, readLocalFile } from '../core/runtime/stageFile';
import { createTraceRecorder } from '../core/tracing/recorder';
import { median, ms, percentile } from './stats';

const DATA = join(__dirname, '.data');
const ROOT = join(__dirname, '..');

function bigArtifact(): string {
  mkdirSync(DATA, { recursive: true });
  const path = join(DATA, 'artifact-512mb.bin');
  if (existsSync(path) && statSync(path).size === 512 * 1024 * 1024) return path;
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    writeSync(fd, block);
  }
  closeSync(fd);
  return path;
}

/** One timed run of `fn`, in ms. */
async function timeOne(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const range = (ratios: number[]): string => `${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)}%`;

/**
 * Staging throughput beside `openssl dgst -sha256` of the same file, hash-only and keeping the
 * bytes. Each round runs all three back to back, so drift in machine load hits them alike; the
 * ratio is taken per round and reported as its median and range.
 */
async function hashing(rounds: number): Promise<void> {
  const path = bigArtifact();
  const source = nodeArtifactSource(join(DATA, 'manifest.reload.json'));
  const mib = 512;
  const openssl: number[] = [];
  const hashOnly: number[] = [];
  const retained: number[] = [];
  await stageArtifact(source, { uri: path }, { retain: false });
  for (let i = 0; i < rounds; i++) {
    openssl.push(await timeOne(() => execFileSync('openssl', ['dgst', '-sha256', path])));
    hashOnly.push(await timeOne(() => stageArtifact(source, { uri: path }, { retain: false })));
    retained.push(await timeOne(() => stageArtifact(source, { uri: path }, { retain: true })));
  }
  const rate = (times: number[]): string => `${(mib / (median(times) / 1000)).toFixed(0)} MiB/s`;
  const ratios = (times: number[]): number[] => times.map((t, i) => openssl[i] / t);
  console.log(`hashing 512 MiB, ${rounds} interleaved rounds: openssl dgst ${ms(median(openssl))} (${rate(openssl)})`);
  for (const [label, times] of [['staging, hash only', hashOnly], ['staging, bytes kept', retained]] as const) {
    console.log(`  ${label}: ${ms(median(times))} (${rate(times)}) → ${(median(ratios(times)) * 100).toFixed(1)}% of openssl, rounds ${range(ratios(times))} (goal ≥ 90%)`);
  }
}

/** `--read-sizes`: hash-only reads of the 512 MB file per read size, each round beside openssl. */
async function readSizes(rounds: number): Promise<void> {
  const path = bigArtifact();
  const size = statSync(path).size;
  const sizes = [256, 512, 1024, 2048, 4096, 8192].map((kib) => kib * 1024);
  const runs = new Map<number, { ours: number[]; openssl: number[] }>(sizes.map((s) => [s, { ours: [], openssl: [] }]));
  for (let i = 0; i < rounds; i++) {
    for (const chunkBytes of sizes) {
      const run = runs.get(chunkBytes)!;
      run.openssl.push(await timeOne(() => execFileSync('openssl', ['dgst', '-sha256', path])));
      run.ours.push(
        await timeOne(async () => {
          const file = await openArtifactFile(path);
          try {
            await readLocalFile(file, size, { retain: false, chunkBytes });
          } finally {
            await file.close();
          }
        }),
      );
    }
  }
  const rate = (times: number[]): string => `${(size / 1024 / 1024 / (median(times) / 1000)).toFixed(0)} MiB/s`;
  console.log(`read size, hash only, ${rounds} rounds, each beside openssl dgst (READ_CHUNK_BYTES = ${READ_CHUNK_BYTES / 1024} KiB):`);
  for (const [chunkBytes, { ours, openssl }] of runs) {
    const ratios = ours.map((t, i) => openssl[i] / t);
    console.log(`  ${String(chunkBytes / 1024).padStart(5)} KiB: ${rate(ours)} (openssl ${rate(openssl)}) → median ${(median(ratios) * 100).toFixed(0)}%, rounds ${range(ratios)}`);
  }
}

function configManifest(changes: number, serial: number): string {
  return JSON.stringify({
    apiVersion: 'reload/v2',
    kind: 'ReloadManifest',
    metadata: { name: 'bench-configs', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial },
    spec: { changes: Array.from({ length: changes }, (_, i) => ({ kind: 'Config', id: `config-${i}`, data: { limit: i, enabled: i % 2 === 0, tags: ['a', 'b'] } })) },
  });
}

/** Dry-run time with and without spans recorded, runs interleaved so drift in machine load hits both alike. */
async function tracingOverhead(label: string, text: string, manifestPath: string, rounds: number): Promise<void> {
  const source = nodeArtifactSource(manifestPath);
  const engine = createOnnxEngine();
  let spanCount = 0;
  // One recorder per mode for the whole bench, reset between runs, as a long-lived host keeps it.
  const recorders = { true: createTraceRecorder({ record: true }), false: createTraceRecorder({ record: false }) };
  const run = async (record: boolean): Promise<void> => {
    const recorder = recorders[`${record}`];
    recorder.reset();
    const runtime = new LocalRuntime(engine);
    const outcome = await runReload({ text, languageId: 'reload-manifest', mode: 'dryRun', runtime, source, tracer: recorder.tracer });
    if (outcome.outcome !== 'Succeeded') throw new Error(`bench manifest failed: ${JSON.stringify(outcome.error)}`);
    if (record) spanCount = recorder.finishedSpans().length;
    await runtime.dispose();
  };
  const traced: number[] = [];
  const untraced: number[] = [];
  for (let i = 0; i < 5; i++) await run(i % 2 === 0);
  // Blocks of runs, alternating, so drift in machine load hits both alike.
  for (let block = 0; block < 6; block++) {
    const record = block % 2 === 0;
    for (let i = 0; i < rounds / 3; i++) {
      const started = performance.now();
      await run(record);
      (record ? traced : untraced).push(performance.now() - started);
    }
  }
  const overhead = (median(traced) / median(untraced) - 1) * 100;
  console.log(`${label}: ${ms(median(traced))} median, ${ms(percentile(traced, 95))} p95 with ${spanCount} spans; ${ms(median(untraced))} without → tracing overhead ${overhead.toFixed(1)}% (goal < 5%)`);
}

async function dryRunTimes(): Promise<void> {
  const examples = join(ROOT, 'examples');
  const { readFileSync } = await import('node:fs');
  await tracingOverhead('dry run, sentiment example (hash, ONNX load, probe)', readFileSync(join(examples, 'sentiment.reload.json'), 'utf8'), join(examples, 'sentiment.reload.json'), 100);
  await tracingOverhead('dry run, 1,000-change config manifest', configManifest(1_000, 1), join(examples, 'bench.reload.json'), 30);
}

async function swapPause(): Promise<void> {
  const manifestPath = join(ROOT, 'examples', 'sentiment.reload.json');
  const runtime = new LocalRuntime(createOnnxEngine());
  const source = nodeArtifactSource(manifestPath);
  const recorder = createTraceRecorder();
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(manifestPath, 'utf8');
  const feeds = { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 0.4] } };
  const pauses: number[] = [];
  const latencies: number[] = [];
  let stop = false;
  await runReload({ text, languageId: 'reload-manifest', mode: 'dryRun', runtime, source, tracer: recorder.tracer });
  const loop = (async () => {
    while (!stop) {
      const started = performance.now();
      await runtime.infer('sentiment', feeds);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 100; i++) {
    const outcome = await runReload({ text, languageId: 'reload-manifest', mode: 'dryRun', runtime, source, tracer: recorder.tracer });
    pauses.push(outcome.swapPauseMs ?? NaN);
    recorder.reset();
  }
  stop = true;
  await loop;
  await runtime.dispose();
  const us = (v: number): string => `${(v * 1000).toFixed(1)} µs`;
  console.log(`swap pause over 100 activations: median ${us(median(pauses))}, max ${us(Math.max(...pauses))} (goal < 1 ms); infer() during them: ${latencies.length} calls, p50 ${ms(median(latencies))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`);
}

async function main(): Promise<void> {
  console.log('bench/runtime');
  if (process.argv.includes('--read-sizes')) return readSizes(5);
  await hashing(7);
  await swapPause();
  await dryRunTimes();
}

void main();
