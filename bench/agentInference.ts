/**
 * Part 1 of bench/agent: inference on one agent under reloads. The load comes from a process of
 * its own (bench/inferenceLoad.ts); the reloads from this one: applies of sentiment 2.1.0 (a new
 * serial each) and rollbacks to the previous stable generation (2.0.0), alternating, so each swaps
 * the version served, spread evenly over the load. The same load without reloads beside it, in
 * alternating order per round. Besides latency, each run's CPU use per process (the agent, the
 * load generator, this driver, everything else on the machine), so a run disturbed by other work
 * on a shared machine shows as such, and what a reload costs the agent in CPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { agentMs, agentSpans, applyOnce, applyToAgents, clientOf, rollbackOnce, uploadOf, type AgentSpan } from './agentCalls';
import { INFER_BODY, modelManifest, sentimentModel, type BenchModel } from './agentManifests';
import { cpuMs, machineCpuMs, rssMiB, type AgentFleet } from './agentProcesses';
import type { LoadResult } from './inferenceLoad';
import { median, ms, range, timeRuns, verdict } from './stats';

export interface InferenceOptions {
  folder: string;
  fleet: AgentFleet;
  /** Load generators running, for the bench to kill when it stops. */
  children: Set<ChildProcess>;
  rounds: number;
  seconds: number;
  reloads: number;
  connections: number;
}

/** Cores used on average during a run, by whom. */
interface CpuShare {
  agent: number;
  loadGenerator: number;
  driver: number;
  others: number;
  steal: number;
}

interface LoadRun {
  load: LoadResult;
  cpu: CpuShare;
  /** Epoch ms. */
  endedAt: number;
}

interface Reload {
  kind: 'apply' | 'rollback';
  /** Epoch ms (sub-millisecond), the driver's clock; the agent's spans are on the same machine's clock. */
  start: number;
  end: number;
  spans: AgentSpan[];
  /** The agent's root span (reload.apply / reload.rollback). */
  root: AgentSpan;
}

/** Reloads run with no load first, for what one costs the agent by itself. */
const ALONE = 20;

const epochMs = (): number => performance.timeOrigin + performance.now();

/** Runs bench/inferenceLoad.ts; `onStarted` is called once the load runs. CPU is counted from then to its results. */
function runLoad(url: string, agentPid: number, options: InferenceOptions, onStarted: () => void): Promise<LoadRun> {
  const settings = { url: `${url}/v2/models/sentiment/infer`, body: INFER_BODY, connections: options.connections, seconds: options.seconds };
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'inferenceLoad.ts'), JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
  options.children.add(child);
  return new Promise((resolve, reject) => {
    let run: LoadRun | undefined;
    let before: { at: number; agent: number; driver: NodeJS.CpuUsage; machine: ReturnType<typeof machineCpuMs> } | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as LoadResult | { event: 'started' };
      if (message.event === 'started') {
        before = { at: performance.now(), agent: cpuMs(agentPid), driver: process.cpuUsage(), machine: machineCpuMs() };
        onStarted();
        return;
      }
      const wall = performance.now() - before!.at;
      const agent = cpuMs(agentPid) - before!.agent;
      const driverUsage = process.cpuUsage(before!.driver);
      const driver = (driverUsage.user + driverUsage.system) / 1000;
      const machine = machineCpuMs();
      const busy = machine.busy - before!.machine.busy;
      const cores = (value: number): number => value / wall;
      run = {
        load: message,
        endedAt: Date.now(),
        cpu: { agent: cores(agent), loadGenerator: cores(message.cpuMs), driver: cores(driver), others: cores(Math.max(0, busy - agent - message.cpuMs - driver)), steal: cores(machine.steal - before!.machine.steal) },
      };
    });
    child.once('exit', (code) => {
      options.children.delete(child);
      if (run) resolve(run);
      else reject(new Error(`the load generator exited ${code} without results`));
    });
  });
}

/** `count` reloads, alternating apply and rollback, started at even intervals across `windowMs`. */
async function reloadDuring(url: string, next: BenchModel, folder: string, serial: { value: number }, count: number, windowMs: number): Promise<Reload[]> {
  const client = clientOf(url);
  const reloads: Reload[] = [];
  // Spread over the load's window, leaving its first and last second; back to back when there is no window.
  const first = Date.now() + (windowMs > 0 ? 1000 : 0);
  const interval = Math.max(0, windowMs - 2000) / count;
  for (let i = 0; i < count; i++) {
    const wait = first + i * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const kind = i % 2 === 0 ? 'apply' : 'rollback';
    const text = kind === 'apply' ? modelManifest(folder, next, serial.value + 1).text : '';
    const start = epochMs();
    const status = kind === 'apply' ? await applyOnce(client, text) : await rollbackOnce(client);
    const end = epochMs();
    serial.value = status.serial!;
    const spans = agentSpans(status.spans);
    const root = spans.find((s) => s.name === `reload.${kind}`);
    if (!root) throw new Error(`the ${kind} ${status.id} has no reload.${kind} span`);
    reloads.push({ kind, start, end, spans, root });
  }
  return reloads;
}

/** Where the slowest responses fell: during a reload's spans on the agent, during the rest of a reload, or with no reload running. */
function slowestBeside(load: LoadResult, reloads: readonly Reload[]): string {
  let inSpans = 0;
  let outside = 0;
  for (const slow of load.slowest) {
    const from = slow.at - slow.ms;
    const reload = reloads.find((r) => r.start < slow.at && r.end > from);
    if (reload && reload.root.start < slow.at && reload.root.end > from) inSpans++;
    else if (reload) outside++;
  }
  return `${inSpans} during a reload's spans on the agent, ${outside} during the rest of a reload (HTTP, admission, durable writes), ${load.slowest.length - inSpans - outside} with no reload running`;
}

const loadLine = (label: string, run: LoadRun): string => {
  const { load, cpu } = run;
  return `  ${label}: ${load.ok} served (${Math.round(load.ok / load.seconds)}/s), failed ${load.non2xx + load.errors} (non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts}); p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, max ${ms(load.max)}; CPU in cores: agent ${cpu.agent.toFixed(2)}, load generator ${cpu.loadGenerator.toFixed(2)}, driver ${cpu.driver.toFixed(2)}, other processes ${cpu.others.toFixed(2)}, steal ${cpu.steal.toFixed(2)}`;
};

export async function inferenceUnderReloads(options: InferenceOptions): Promise<void> {
  const { folder, fleet, rounds, seconds, reloads: count } = options;
  console.log(`\n1. inference under reloads: 1 agent, autocannon ${options.connections} connections × ${seconds} s from its own process, ${count} reloads (applies and rollbacks alternating, each swapping the model version) per loaded run; ${rounds} rounds`);
  const [agent] = await fleet.start(1, folder);
  const previous = sentimentModel(folder, '2.0.0');
  const next = sentimentModel(folder, '2.1.0');
  // Serves 2.0.0 with both blobs uploaded (and WASM started): the runs below only reload.
  await applyToAgents([agent.url], modelManifest(folder, previous, 1).text, [uploadOf(previous), uploadOf(next)]);
  const serial = { value: 1 };
  const cpuBefore = cpuMs(agent.pid);
  const alone = await reloadDuring(agent.url, next, folder, serial, ALONE, 0);
  const wall = alone.map((r) => r.end - r.start);
  console.log(`reloads alone (no inference load), ${ALONE} back to back: median ${ms(median(wall))} each (the agent's span ${ms(median(alone.map((r) => r.root.end - r.root.start)))}); the agent's CPU per reload ${ms((cpuMs(agent.pid) - cpuBefore) / ALONE)} (all its threads and the kernel's work for it)`);
  const ratios: number[] = [];
  let failed = 0;
  for (let round = 0; round < rounds; round++) {
    const runs: { quiet?: LoadRun; loaded?: LoadRun; reloads?: Reload[] } = {};
    // Alternating which run goes first, so drift in the machine's load hits both alike.
    for (const withReloads of round % 2 === 0 ? [false, true] : [true, false]) {
      if (!withReloads) {
        runs.quiet = await runLoad(agent.url, agent.pid, options, () => undefined);
        continue;
      }
      const driver: { reloads?: Promise<Reload[]> } = {};
      runs.loaded = await runLoad(agent.url, agent.pid, options, () => {
        driver.reloads = reloadDuring(agent.url, next, folder, serial, count, seconds * 1000);
        // Awaited once the load has ended; a failure is reported then.
        driver.reloads.catch(() => undefined);
      });
      if (!driver.reloads) throw new Error('the load never started');
      runs.reloads = await driver.reloads;
    }
    const { quiet, loaded, reloads } = runs as Required<typeof runs>;
    const applies = reloads.filter((r) => r.kind === 'apply');
    const rollbacks = reloads.filter((r) => r.kind === 'rollback');
    const ratio = loaded.load.p99 / quiet.load.p99;
    ratios.push(ratio);
    failed += loaded.load.non2xx + loaded.load.errors + quiet.load.non2xx + quiet.load.errors;
    const medianOf = (list: Reload[], value: (r: Reload) => number): string => ms(median(list.map(value)));
    console.log(`round ${round + 1}:`);
    console.log(loadLine('no reloads  ', quiet));
    console.log(loadLine('with reloads', loaded));
    console.log(`  reloads: ${applies.length} applies, ${rollbacks.length} rollbacks, all Succeeded, ${reloads.filter((r) => r.end <= loaded.endedAt).length} ended inside the load`);
    console.log(
      `  medians, apply | rollback: client-side ${medianOf(applies, (r) => r.end - r.start)} | ${medianOf(rollbacks, (r) => r.end - r.start)}; ` +
        `before the agent's root span (POST, validation, a durable write, 202, event stream) ${medianOf(applies, (r) => r.root.start - r.start)} | ${medianOf(rollbacks, (r) => r.root.start - r.start)}; ` +
        `the span ${medianOf(applies, (r) => r.root.end - r.root.start)} (load ${medianOf(applies, (r) => agentMs(r.spans, 'reload.load'))}, probe ${medianOf(applies, (r) => agentMs(r.spans, 'reload.probe'))}) | ${medianOf(rollbacks, (r) => r.root.end - r.root.start)}; ` +
        `after it (3 durable writes, the result event) ${medianOf(applies, (r) => r.end - r.root.end)} | ${medianOf(rollbacks, (r) => r.end - r.root.end)}`,
    );
    console.log(`  p99 with reloads / without: ${ratio.toFixed(2)}× (goal ≤ 2×: ${verdict(ratio <= 2)}); the ${loaded.load.slowest.length} slowest responses: ${slowestBeside(loaded.load, reloads)}`);
  }
  // Every commit clones and serializes the whole state (history and idempotency keys included), on the event loop.
  const state = readFileSync(join(folder, 'agent-0', 'state.json'), 'utf8');
  const parsed = JSON.parse(state) as { history: unknown[]; keys: unknown[] };
  const commit = await timeRuns(() => JSON.stringify(structuredClone(parsed)), 20, 2);
  console.log(`the agent's state.json now: ${parsed.history.length} history entries, ${parsed.keys.length} idempotency keys, ${(state.length / 1024).toFixed(0)} KiB; structuredClone + JSON.stringify of it (what each of an apply's 2 commits does on the event loop) median ${ms(median(commit))}`);
  console.log(`part 1 over ${rounds} rounds: p99 ratio median ${median(ratios).toFixed(2)}×, rounds ${range(ratios)}× (goal ≤ 2×: ${verdict(Math.max(...ratios) <= 2)}); failed requests ${failed} (goal 0: ${verdict(failed === 0)}); agent RSS ${rssMiB(agent.pid).toFixed(0)} MiB`);
  await fleet.stopAll();
}
