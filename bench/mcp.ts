/**
 * `npm run bench:mcp`: the reload agent's MCP endpoint (`/mcp`, Streamable HTTP with sessions)
 * under context reloads. One agent (`dist/cli.js agent --port 0`, a process of its own) serving an
 * `mcp-context/v2` manifest; the load comes from a second process (bench/mcpLoad.ts): N sessions
 * of the official MCP SDK client, each calling `prompts/get` with fresh arguments back to back, and
 * each checking every result (one of the two versions, its text that version's template rendered
 * with the request's arguments, its digest that template's, one version per serial: never a mix).
 * Meanwhile this process drives 100 context reloads through `TargetClient` (POST /applies with an
 * Idempotency-Key, then the event stream to the end), alternating the prompt template and a
 * subscribed resource's text between two versions (applies with increasing serials; with
 * `--mode rollbacks`, an apply of v2 and a rollback to v1 alternating), spread evenly over the
 * load. The same load without reloads runs beside it, in alternating order per round.
 * Prints requests, failures (goal 0), mismatches (goal 0), p50/p99/max, the p99 ratio with
 * reloads / without (goal ≤ 2×), the notifications each session received (goal: one
 * `prompts/list_changed` and one `resources/updated` per reload, no `resources/list_changed`),
 * and each run's CPU use per process, so a round disturbed by other work on the machine shows.
 * Options: --rounds <n> (default 3), --seconds <s> (per run, default 15), --reloads <n> (per loaded
 * run, default 100), --sessions <n> (default 10), --mode applies|rollbacks (default applies).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ApplyStatus } from '../core/target/api';
import type { TargetClient } from '../core/target/client';
import { agentSpans, applyOnce, clientOf, rollbackOnce, type AgentSpan } from './agentCalls';
import { AgentFleet, cpuMs, machineCpuMs, rssMiB } from './agentProcesses';
import type { McpLoadOptions, McpLoadResult } from './mcpLoad';
import { median, ms, range, verdict } from './stats';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const ROUNDS = Number(option('rounds', '3'));
const SECONDS = Number(option('seconds', '15'));
const RELOADS = Number(option('reloads', '100'));
const SESSIONS = Number(option('sessions', '10'));
const MODE = option('mode', 'applies');
if (MODE !== 'applies' && MODE !== 'rollbacks') throw new Error('--mode is applies or rollbacks');
/** Reloads run with no load first, for what one costs the agent by itself. */
const ALONE = 20;
/** Other processes' CPU (and steal) beyond this many cores marks a run as disturbed. */
const DISTURBED_CORES = 0.5;

const PROMPT = 'triage';
const RESOURCE = 'ctx://runbook';
type Version = '1.0.0' | '2.0.0';
const TEMPLATES: Record<Version, string> = {
  '1.0.0': 'Triage ticket {{ticket_id}} for team {{team}} (v1). Read the ticket, name its product area and severity (S1–S4), and say which runbook section applies. Reply in three lines.',
  '2.0.0': 'Version 2 triage of {{ticket_id}}: you are on team {{team}}. Classify the ticket by product area, severity (S1–S4) and customer impact, cite the runbook section, and propose the first reply. Reply as a JSON object.',
};
const RUNBOOK: Record<Version, string> = {
  '1.0.0': 'Runbook v1: S1 pages on-call at once; S2 within an hour; S3 and S4 go to the queue.',
  '2.0.0': 'Runbook v2: S1 pages on-call and the incident lead at once; S2 within 30 minutes; S3 within a day; S4 goes to the queue.',
};

/** An mcp-context/v2 manifest serving `version` of the prompt and the runbook (inline: the agent has no artifact root). */
function contextManifest(version: Version, serial: number): string {
  return JSON.stringify({
    apiVersion: 'mcp-context/v2',
    kind: 'ContextManifest',
    metadata: { name: 'bench-mcp', uid: randomUUID(), serial, initiator: 'bench@tracing-reload.dev' },
    spec: {
      prompts: [
        {
          name: PROMPT,
          version,
          title: 'Triage a ticket',
          arguments: [
            { name: 'ticket_id', description: 'The ticket to triage.', required: true },
            { name: 'team', description: 'The team triaging it.', required: true },
          ],
          template: TEMPLATES[version],
        },
        { name: 'summarize', version: '1.0.0', arguments: [{ name: 'ticket_id', required: true }], template: 'Summarize ticket {{ticket_id}} in three lines.' },
      ],
      resources: [
        { uri: RESOURCE, name: 'runbook', mimeType: 'text/plain', text: RUNBOOK[version] },
        { uri: 'ctx://escalation', name: 'escalation', mimeType: 'text/plain', text: 'Escalate to on-call after 2 failed replies.' },
      ],
    },
  });
}

const epochMs = (): number => performance.timeOrigin + performance.now();

interface Reload {
  kind: 'apply' | 'rollback';
  version: Version;
  serial: number;
  /** Epoch ms, the driver's clock (the agent's spans are on the same machine's clock). */
  start: number;
  end: number;
  root: AgentSpan;
}

/** What the agent serves: the serial and version now, and the version a rollback brings back. */
interface Served {
  serial: number;
  version: Version;
  previous: Version;
  /** The version each serial served, from the driver's side. */
  bySerial: Map<number, Version>;
}

const other = (version: Version): Version => (version === '1.0.0' ? '2.0.0' : '1.0.0');

async function reloadOnce(client: TargetClient, served: Served, kind: 'apply' | 'rollback'): Promise<Reload> {
  const version = kind === 'apply' ? other(served.version) : served.previous;
  const start = epochMs();
  const status: ApplyStatus = kind === 'apply' ? await applyOnce(client, contextManifest(version, served.serial + 1)) : await rollbackOnce(client);
  const end = epochMs();
  served.previous = served.version;
  served.version = version;
  served.serial = status.serial!;
  served.bySerial.set(served.serial, version);
  const root = agentSpans(status.spans).find((s) => s.name === `reload.${kind}`);
  if (!root) throw new Error(`the ${kind} ${status.id} has no reload.${kind} span`);
  return { kind, version, serial: served.serial, start, end, root };
}

/** `count` reloads started at even intervals across `windowMs` (leaving its first and last second); back to back when there is no window. */
async function reloadDuring(client: TargetClient, served: Served, count: number, windowMs: number): Promise<Reload[]> {
  const reloads: Reload[] = [];
  const first = Date.now() + (windowMs > 0 ? 1000 : 0);
  const interval = Math.max(0, windowMs - 2000) / count;
  for (let i = 0; i < count; i++) {
    const wait = first + i * interval - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    reloads.push(await reloadOnce(client, served, MODE === 'rollbacks' && i % 2 === 1 ? 'rollback' : 'apply'));
  }
  return reloads;
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
  load: McpLoadResult;
  cpu: CpuShare;
  reloads: Reload[];
}

/**
 * Runs bench/mcpLoad.ts; `duringLoad` runs once its sessions are connected and the load has
 * started, and its reloads are awaited before the load process is told to report. CPU is counted
 * from the start of the load until the reloads and the load have both ended.
 */
function runLoad(agentUrl: string, agentPid: number, children: Set<ChildProcess>, duringLoad: () => Promise<Reload[]>): Promise<LoadRun> {
  const settings: McpLoadOptions = { url: `${agentUrl}/mcp`, sessions: SESSIONS, seconds: SECONDS, prompt: PROMPT, templates: TEMPLATES, resource: RESOURCE };
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'mcpLoad.ts'), JSON.stringify(settings)], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let before: { at: number; agent: number; driver: NodeJS.CpuUsage; machine: ReturnType<typeof machineCpuMs> } | undefined;
    let reloading: Promise<Reload[]> | undefined;
    let result: LoadRun | undefined;
    let failure: unknown;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as McpLoadResult | { event: 'started' };
      if (message.event === 'started') {
        before = { at: performance.now(), agent: cpuMs(agentPid), driver: process.cpuUsage(), machine: machineCpuMs() };
        reloading = duringLoad();
        // The load ends by its own clock; once the reloads have too, it reports.
        reloading.then(
          () => child.stdin!.end('finish\n'),
          (error: unknown) => {
            failure = error;
            child.stdin!.end('finish\n');
          },
        );
        return;
      }
      // Measured until the load reports (it waits for the reloads): both are inside the window.
      const wall = performance.now() - before!.at;
      const agent = cpuMs(agentPid) - before!.agent;
      const driverUsage = process.cpuUsage(before!.driver);
      const driver = (driverUsage.user + driverUsage.system) / 1000;
      const machine = machineCpuMs();
      const busy = machine.busy - before!.machine.busy;
      const cores = (value: number): number => value / wall;
      void reloading!.then((reloads) => {
        result = {
          load: message,
          reloads,
          cpu: { agent: cores(agent), loadGenerator: cores(message.cpuMs), driver: cores(driver), others: cores(Math.max(0, busy - agent - message.cpuMs - driver)), steal: cores(machine.steal - before!.machine.steal) },
        };
      }, () => undefined);
    });
    // 'close', not 'exit': its output has been read by then.
    child.once('close', (code) => {
      children.delete(child);
      // The reloads' promise has settled by now: the load reports only after them.
      setImmediate(() => {
        if (failure) reject(failure instanceof Error ? failure : new Error(String(failure)));
        else if (result) resolve(result);
        else reject(new Error(`the MCP load generator exited ${code} without results`));
      });
    });
  });
}

/** Where the slowest responses fell: during a reload's spans on the agent, during the rest of a reload, or with no reload running. */
function slowestBeside(load: McpLoadResult, reloads: readonly Reload[]): string {
  let inSpans = 0;
  let outside = 0;
  for (const slow of load.slowest) {
    const from = slow.at - slow.ms;
    const reload = reloads.find((r) => r.start < slow.at && r.end > from);
    if (reload && reload.root.start < slow.at && reload.root.end > from) inSpans++;
    else if (reload) outside++;
  }
  // The same responses slid across the reloads' stretch at 400 even offsets: how many would overlap a span by chance.
  let chance = 0;
  const from = reloads[0]?.start ?? 0;
  const to = reloads.at(-1)?.end ?? 0;
  const OFFSETS = 400;
  for (const slow of load.slowest) {
    let hits = 0;
    for (let i = 0; i < OFFSETS; i++) {
      const end = from + slow.ms + ((to - from - slow.ms) * i) / OFFSETS;
      if (reloads.some((r) => r.root.start < end && r.root.end > end - slow.ms)) hits++;
    }
    chance += hits / OFFSETS;
  }
  return `${inSpans} during a reload's spans on the agent (${chance.toFixed(1)} expected by chance), ${outside} during the rest of a reload (HTTP, admission, durable writes, notifications), ${load.slowest.length - inSpans - outside} with no reload running`;
}

/** "all 100" when every session got the same count, else the spread. */
function perSession(counts: readonly number[]): string {
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  return min === max ? `${min} each` : `${min}–${max} (${counts.join(', ')})`;
}

function loadLine(label: string, run: LoadRun): string {
  const { load, cpu } = run;
  const failures = Object.entries(load.failures).map(([message, n]) => `${n}× ${message}`).join('; ');
  return (
    `  ${label}: ${load.ok} served (${Math.round(load.ok / load.seconds)}/s), failed ${load.failed}${failures ? ` (${failures})` : ''}, mismatched ${load.mismatches}; p50 ${ms(load.p50)}, p99 ${ms(load.p99)}, max ${ms(load.max)}; ` +
    `versions served ${Object.entries(load.versions).map(([v, n]) => `${v} ${n}`).join(', ')}; ` +
    `CPU in cores: agent ${cpu.agent.toFixed(2)}, load generator ${cpu.loadGenerator.toFixed(2)}, driver ${cpu.driver.toFixed(2)}, other processes ${cpu.others.toFixed(2)}, steal ${cpu.steal.toFixed(2)}` +
    (cpu.others + cpu.steal > DISTURBED_CORES ? ` (DISTURBED: other work took over ${DISTURBED_CORES} of the ${cpus().length} cores)` : '')
  );
}

/** Serials the load saw with a version other than the one the driver made them serve. */
function wrongSerials(load: McpLoadResult, served: Served): string[] {
  return Object.entries(load.serials).filter(([serial, version]) => served.bySerial.get(Number(serial)) !== version).map(([serial, version]) => `serial ${serial} served ${version}, the driver made it ${served.bySerial.get(Number(serial)) ?? 'nothing'}`);
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(`bench/mcp — ${cpu.length} cores (${cpu[0]?.model.trim()}), node ${process.version}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  const folder = mkdtempSync(join(tmpdir(), 'bench-mcp-'));
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
    console.log(
      `prompts/get under context reloads: 1 agent, ${SESSIONS} MCP sessions (SDK Client, Streamable HTTP) × ${SECONDS} s from a process of their own, ` +
        `${RELOADS} reloads per loaded run (${MODE === 'applies' ? 'applies with increasing serials alternating the prompt and resource between v1 and v2' : 'an apply of v2 and a rollback to v1 alternating'}); ${ROUNDS} rounds`,
    );
    const [agent] = await fleet.start(1, folder);
    const client = clientOf(agent.url);
    const first = await applyOnce(client, contextManifest('1.0.0', 1));
    const served: Served = { serial: first.serial!, version: '1.0.0', previous: '1.0.0', bySerial: new Map([[first.serial!, '1.0.0']]) };
    const cpuBefore = cpuMs(agent.pid);
    const alone = await reloadDuring(client, served, ALONE, 0);
    console.log(
      `reloads alone (no MCP load, no sessions), ${ALONE} back to back: median ${ms(median(alone.map((r) => r.end - r.start)))} each client-side, the agent's span ${ms(median(alone.map((r) => r.root.end - r.root.start)))}; ` +
        `the agent's CPU per reload ${ms((cpuMs(agent.pid) - cpuBefore) / ALONE)}`,
    );
    const ratios: number[] = [];
    const p99s = { quiet: [] as number[], loaded: [] as number[] };
    let failed = 0;
    let mismatched = 0;
    let notificationsMet = true;
    for (let round = 0; round < ROUNDS; round++) {
      const runs: { quiet?: LoadRun; loaded?: LoadRun } = {};
      // Alternating which run goes first, so drift in the machine's load hits both alike.
      for (const withReloads of round % 2 === 0 ? [false, true] : [true, false]) {
        if (withReloads) runs.loaded = await runLoad(agent.url, agent.pid, children, () => reloadDuring(client, served, RELOADS, SECONDS * 1000));
        else runs.quiet = await runLoad(agent.url, agent.pid, children, () => Promise.resolve([]));
      }
      const { quiet, loaded } = runs as Required<typeof runs>;
      const ratio = loaded.load.p99 / quiet.load.p99;
      ratios.push(ratio);
      p99s.quiet.push(quiet.load.p99);
      p99s.loaded.push(loaded.load.p99);
      failed += quiet.load.failed + loaded.load.failed;
      const wrong = [...wrongSerials(quiet.load, served), ...wrongSerials(loaded.load, served)];
      const roundMismatches = quiet.load.mismatches + loaded.load.mismatches + wrong.length;
      mismatched += roundMismatches;
      const n = loaded.reloads.length;
      const promptsMet = loaded.load.promptListChanged.every((c) => c === n) && quiet.load.promptListChanged.every((c) => c === 0);
      const updatedMet = loaded.load.resourceUpdated.every((c) => c === n) && quiet.load.resourceUpdated.every((c) => c === 0);
      const listMet = [...loaded.load.resourceListChanged, ...quiet.load.resourceListChanged].every((c) => c === 0);
      notificationsMet &&= promptsMet && updatedMet && listMet;
      // What the agent logged at the last notification round: the sessions it held (the earlier load processes' ended theirs).
      const notified = agent.log.filter((e): e is { msg: string; sessions: number } => (e as { msg?: string }).msg === 'mcp notified').at(-1);
      const applies = loaded.reloads.filter((r) => r.kind === 'apply');
      const rollbacks = loaded.reloads.filter((r) => r.kind === 'rollback');
      console.log(`round ${round + 1}: load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
      console.log(loadLine('no reloads  ', quiet));
      console.log(loadLine('with reloads', loaded));
      console.log(
        `  reloads: ${applies.length} applies${rollbacks.length > 0 ? `, ${rollbacks.length} rollbacks` : ''}, all Succeeded (serials ${loaded.reloads[0]?.serial}–${loaded.reloads.at(-1)?.serial}); ` +
          `client-side median ${ms(median(loaded.reloads.map((r) => r.end - r.start)))}, the agent's span ${ms(median(loaded.reloads.map((r) => r.root.end - r.root.start)))}; MCP sessions the agent notified at the last one ${notified?.sessions ?? 'none'} (goal ${SESSIONS})`,
      );
      for (const example of [...quiet.load.mismatchExamples, ...loaded.load.mismatchExamples, ...wrong].slice(0, 5)) console.log(`  MISMATCH ${example}`);
      console.log(
        `  notifications per session with reloads: prompts/list_changed ${perSession(loaded.load.promptListChanged)}, resources/updated ${perSession(loaded.load.resourceUpdated)}, resources/list_changed ${perSession(loaded.load.resourceListChanged)} ` +
          `(goal ${n}, ${n}, 0: ${verdict(promptsMet && updatedMet && listMet)}); without: ${perSession(quiet.load.promptListChanged)}, ${perSession(quiet.load.resourceUpdated)}, ${perSession(quiet.load.resourceListChanged)}`,
      );
      console.log(`  p99 with reloads / without: ${ratio.toFixed(2)}× (goal ≤ 2×: ${verdict(ratio <= 2)}); the ${loaded.load.slowest.length} slowest responses: ${slowestBeside(loaded.load, loaded.reloads)}; mismatched results ${roundMismatches} (goal 0: ${verdict(roundMismatches === 0)})`);
    }
    console.log(
      `over ${ROUNDS} rounds: p99 without reloads ${range(p99s.quiet, ms)}, with ${range(p99s.loaded, ms)}; p99 ratio median ${median(ratios).toFixed(2)}×, rounds ${range(ratios)}× (goal ≤ 2×: ${verdict(Math.max(...ratios) <= 2)}); failed requests ${failed} (goal 0: ${verdict(failed === 0)}); ` +
        `mismatched results ${mismatched} (goal 0: ${verdict(mismatched === 0)}); notifications ${verdict(notificationsMet)}; agent RSS ${rssMiB(agent.pid).toFixed(0)} MiB; load average at the end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`,
    );
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
