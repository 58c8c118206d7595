/**
 * Reload agents as separate processes for bench/agent: `dist/cli.js agent --port 0` each with its
 * own state folder, started concurrently, ready once they print their `listening` line. Each runs
 * in its own process group, so stopping one (or all, on failure or exit) stops whatever it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 5_000;
/** USER_HZ: /proc counts CPU time in these (100 on Linux, `getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

export interface AgentProcess {
  url: string;
  pid: number;
  /** Its JSON log lines so far (kept read, so a full pipe never blocks the agent). */
  log: unknown[];
}

interface Running extends AgentProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

/** The agents one bench part started; `stopAll` ends them (also wired to the bench's exit). */
export class AgentFleet {
  private readonly running: Running[] = [];

  get agents(): readonly AgentProcess[] {
    return this.running;
  }

  /** Starts `count` agents at once, state folders under `folder`; resolves when all listen. */
  async start(count: number, folder: string): Promise<AgentProcess[]> {
    const offset = this.running.length;
    return Promise.all(Array.from({ length: count }, (_, i) => this.startOne(join(folder, `agent-${offset + i}`))));
  }

  /** SIGTERM to each agent's process group, SIGKILL to those still running after a few seconds. */
  async stopAll(): Promise<void> {
    const all = this.running.splice(0);
    for (const agent of all) signalGroup(agent.pid, 'SIGTERM');
    const timer = setTimeout(() => all.forEach((agent) => signalGroup(agent.pid, 'SIGKILL')), STOP_DEADLINE_MS);
    await Promise.all(all.map((agent) => agent.exited));
    clearTimeout(timer);
  }

  /** Synchronous last resort (process 'exit'): SIGKILL to every group still known. */
  killAll(): void {
    for (const agent of this.running.splice(0)) signalGroup(agent.pid, 'SIGKILL');
  }

  private startOne(stateDir: string): Promise<Running> {
    mkdirSync(stateDir, { recursive: true });
    const child = spawn(process.execPath, [CLI, 'agent', '--port', '0', '--host', '127.0.0.1', '--state-dir', stateDir], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const agent: Running = { url: '', pid: child.pid!, log: [], child, exited };
    this.running.push(agent);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    return new Promise<Running>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent in ${stateDir} did not listen within ${START_DEADLINE_MS / 1000} s: ${stderr}`)), START_DEADLINE_MS);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the agent in ${stateDir} exited before listening: ${stderr}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let entry: { msg?: string; url?: string };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          entry = { msg: line };
        }
        agent.log.push(entry);
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          agent.url = entry.url;
          resolve(agent);
        }
      });
    });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group has already gone, which is what was asked.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** CPU time a process has used so far, in ms (Linux /proc, 10 ms resolution). */
export function cpuMs(pid: number): number {
  // The command name (field 2) may hold spaces: the fields counted are those after its ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU time all processes on the machine have used so far, and the time the hypervisor gave its CPUs to others (steal), in ms (/proc/stat). */
export function machineCpuMs(): { busy: number; steal: number } {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: ((user + nice + system + irq + softirq) * 1000) / TICKS_PER_SECOND, steal: (steal * 1000) / TICKS_PER_SECOND };
}

/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
