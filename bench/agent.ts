/**
 * `npm run bench:agent`: the reload agent (`reloadctl agent`, dist/cli.js) as separate processes.
 * 1. Inference under reloads: one agent serving the sentiment model, autocannon from a process of
 *    its own (bench/inferenceLoad.ts), with applies and rollbacks alternating (each swaps the model
 *    version) and without; requests, failures (goal 0), p50/p99/max and the p99 ratio (goal ≤ 2×).
 * 2. Apply latency of a ≈1 MB ONNX model (generated here): the first apply with its upload, then
 *    applies with the blob present; client-side (what `reloadctl apply` waits) and agent-side.
 * 3. Fleet apply time for 1, 10 and 50 agents, 3 waves (setWeight 10, 50, 100): cold (first apply:
 *    upload and onnxruntime-web's WASM start in each agent) and warm (goal: time grows with the
 *    waves, not the targets).
 * Options: --rounds <n> (part 1, default 3), --seconds <s> (load per run, default 15),
 * --reloads <n> (per loaded run, default 100), --applies <n> (part 2, default 20), --fleets 1,10,50,
 * --parts 1,2,3 (which parts run).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeDurably } from '../agent/durable';
import { agentMs, applyToAgents, uploadOf, type AgentSpan, type TargetTiming, type TimedFleetApply } from './agentCalls';
import { inferenceUnderReloads } from './agentInference';
import { megabyteModel, modelManifest, sentimentModel } from './agentManifests';
import { AgentFleet, rssMiB } from './agentProcesses';
import { median, ms, percentile, timeRuns, verdict } from './stats';

const CONNECTIONS = 10;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const ROUNDS = Number(option('rounds', '3'));
const SECONDS = Number(option('seconds', '15'));
const RELOADS = Number(option('reloads', '100'));
const APPLIES = Number(option('applies', '20'));
const FLEETS = option('fleets', '1,10,50').split(',').map(Number);
const PARTS = new Set(option('parts', '1,2,3').split(',').map(Number));

/** Medians over targets: the driver's time per target = before the agent's apply span + the span + after it. */
function split(targets: readonly TargetTiming[]): string {
  const m = (value: (t: TargetTiming) => number): string => ms(median(targets.map(value)));
  return `${m((t) => t.client.end - t.client.start)} = before the agent's span ${m((t) => t.root.start - t.client.start)} + span ${m((t) => t.root.end - t.root.start)} + after ${m((t) => t.client.end - t.root.end)}`;
}

async function megabyteApplies(folder: string, fleet: AgentFleet): Promise<void> {
  const model = megabyteModel(folder);
  console.log(`\n2. apply latency of a ${(model.size / 2 ** 20).toFixed(2)} MiB ONNX model (4 → 43,690 → 2 MLP, generated), fresh agent, ${APPLIES} applies after the first`);
  const [agent] = await fleet.start(1, folder);
  const sentiment = sentimentModel(folder, '2.0.0');
  const warm = await applyToAgents([agent.url], modelManifest(folder, sentiment, 1).text, [uploadOf(sentiment)]);
  console.log(`  first apply on the fresh agent (the 269-byte sentiment model, so onnxruntime-web's WASM starts): ${ms(warm.ms)}, its reload.load span ${ms(agentMs(warm.targets[0].agent, 'reload.load'))}`);
  const upload = uploadOf(model);
  const steps = (spans: readonly AgentSpan[]): string => ['stage', 'load', 'probe', 'activate'].map((step) => `${step} ${ms(agentMs(spans, `reload.${step}`))}`).join(', ');
  const first = await applyToAgents([agent.url], modelManifest(folder, model, 2).text, [upload]);
  const uploadMs = first.local.get('reload.upload')?.[0];
  console.log(`  first 1 MB apply, with its upload: ${ms(first.ms)} (upload ${uploadMs === undefined ? 'none' : ms(uploadMs)}); per target ${split(first.targets)}; ${steps(first.targets[0].agent)}`);
  const runs: TimedFleetApply[] = [];
  for (let i = 0; i < APPLIES; i++) runs.push(await applyToAgents([agent.url], modelManifest(folder, model, 3 + i).text, [upload]));
  if (runs.some((r) => r.local.has('reload.upload'))) throw new Error('a later apply uploaded the blob again');
  const client = runs.map((r) => r.ms);
  const span = runs.map((r) => r.targets[0].root.end - r.targets[0].root.start);
  const step = (name: string): string => ms(median(runs.map((r) => agentMs(r.targets[0].agent, `reload.${name}`))));
  console.log(`  blob present, ${APPLIES} applies: reloadctl-equivalent (validate, HEAD, POST, events to the end) p50 ${ms(median(client))}, p95 ${ms(percentile(client, 95))}; agent-side reload.apply span p50 ${ms(median(span))}, p95 ${ms(percentile(span, 95))}`);
  console.log(`    medians: stage ${step('stage')}, load ${step('load')}, probe ${step('probe')}, activate ${step('activate')}; per target ${split(runs.flatMap((r) => r.targets))}`);
  await fleet.stopAll();
}

async function fleetApplies(folder: string, fleet: AgentFleet): Promise<void> {
  console.log(`\n3. fleet apply, rollout steps setWeight 10, 50, 100 (3 waves, no pauses), agents started concurrently (--port 0, own state folders)`);
  const steps = [{ setWeight: 10 }, { setWeight: 50 }, { setWeight: 100 }];
  const previous = sentimentModel(folder, '2.0.0');
  const next = sentimentModel(folder, '2.1.0');
  const times: Record<'cold' | 'warm', Map<number, number>> = { cold: new Map(), warm: new Map() };
  const waves = (applied: TimedFleetApply): string =>
    (applied.local.get('reload.wave') ?? [])
      .map((wave, i) => {
        const targets = applied.targets.filter((t) => t.wave === i);
        return `    wave ${i + 1}: ${targets.length} target${targets.length === 1 ? '' : 's'} in ${ms(wave)}; per target ${split(targets)}, slowest span ${ms(Math.max(...targets.map((t) => t.root.end - t.root.start)))}`;
      })
      .join('\n');
  for (const size of FLEETS) {
    const started = performance.now();
    const agents = await fleet.start(size, join(folder, `fleet-${size}`));
    const startMs = performance.now() - started;
    const urls = agents.map((a) => a.url);
    const cold = await applyToAgents(urls, modelManifest(folder, previous, 1, steps).text, [uploadOf(previous)]);
    const warm = await applyToAgents(urls, modelManifest(folder, next, 2, steps).text, [uploadOf(next)]);
    times.cold.set(size, cold.ms);
    times.warm.set(size, warm.ms);
    const rss = agents.map((a) => rssMiB(a.pid));
    console.log(`${size} agent${size === 1 ? '' : 's'}: all listening in ${ms(startMs)}; RSS after the applies ${rss.reduce((a, b) => a + b, 0).toFixed(0)} MiB in all (${median(rss).toFixed(0)} MiB each), free memory ${(freemem() / 2 ** 30).toFixed(1)} GiB, load average ${loadavg()[0].toFixed(2)}`);
    console.log(`  cold apply (upload, WASM start, load, probe): ${ms(cold.ms)}\n${waves(cold)}`);
    console.log(`  warm apply: ${ms(warm.ms)}\n${waves(warm)}`);
    await fleet.stopAll();
  }
  const one = FLEETS[0];
  for (const kind of ['cold', 'warm'] as const) {
    const base = times[kind].get(one)!;
    const ratios = FLEETS.slice(1).map((size) => `${size}/${one} ${(times[kind].get(size)! / base).toFixed(2)}×`);
    const met = FLEETS.every((size) => times[kind].get(size)! / base <= 2);
    console.log(`${kind} fleet apply time ratios: ${ratios.join(', ')} (goal: grows with the waves, not the targets; 3 waves for every size, so ≈1×, taken as ≤ 2×: ${verdict(met)})`);
  }
}

/** What one durable state write costs on this disk (agent/durable.ts: write, fsync, rename, folder fsync); an apply makes four. */
async function durableWriteMs(folder: string): Promise<number[]> {
  mkdirSync(folder, { recursive: true });
  const record = JSON.stringify({ history: Array.from({ length: 20 }, (_, i) => ({ serial: i, outcome: 'Succeeded' })) });
  return timeRuns(() => writeDurably(join(folder, 'state.json'), record), 20, 2);
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(`bench/agent — ${cpu.length} cores (${cpu[0]?.model.trim()}), node ${process.version}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const folder = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const fleet = new AgentFleet();
  const children = new Set<ChildProcess>();
  const killAll = (): void => {
    fleet.killAll();
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  try {
    const writes = await durableWriteMs(join(folder, 'durable'));
    console.log(`a durable write in the bench folder (${folder}; write, fsync, rename, folder fsync): p50 ${ms(median(writes))}, p95 ${ms(percentile(writes, 95))}; an apply makes 4 (1 before its 202, 3 after activation)`);
    if (PARTS.has(1)) await inferenceUnderReloads({ folder: join(folder, 'reloads'), fleet, children, rounds: ROUNDS, seconds: SECONDS, reloads: RELOADS, connections: CONNECTIONS });
    if (PARTS.has(2)) await megabyteApplies(join(folder, 'megabyte'), fleet);
    if (PARTS.has(3)) await fleetApplies(join(folder, 'fleets'), fleet);
    console.log(`\nload average at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await fleet.stopAll();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
