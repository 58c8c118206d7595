/**
 * A real reload agent for a test: `node dist/cli.js agent --port 0 …` as a child process in its own
 * process group, its URL read from its "listening" log line, its JSON-lines log kept, and stopped
 * (SIGTERM, or SIGKILL for crash tests) when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures';

export interface AgentProcess {
  url: string;
  child: ChildProcess;
  /** Parsed log lines so far. */
  logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves when the process exits by itself or is stopped. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful) or SIGKILL; resolves with the exit code or signal once it exited. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface AgentProcessOptions {
  stateDir: string;
  args?: string[];
  env?: Record<string, string>;
  /** The process's open-file limit (ulimit -n), lower than the test's. */
  fdLimit?: number;
  /** Longest wait for the listening line (default 20 s). */
  timeoutMs?: number;
}

export async function startAgentProcess(t: { after(fn: () => Promise<unknown>): void } | undefined, options: AgentProcessOptions): Promise<AgentProcess> {
  const argv = [join(ROOT, 'dist', 'cli.js'), 'agent', '--port', '0', '--state-dir', options.stateDir, ...(options.args ?? [])];
  // With a limit, a shell lowers it and becomes the agent (exec: the same process, so signals reach it).
  const [command, args] = options.fdLimit === undefined ? [process.execPath, argv] : ['/bin/sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let pending = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: the caller gets no handle to stop it.
      child.kill('SIGKILL');
      reject(new Error(`the agent did not listen within ${options.timeoutMs ?? 20_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'listening') {
            clearTimeout(timer);
            resolve(String(entry.url));
          }
        } catch {
          logs.push({ text: line });
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the agent exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  });
  const agent: AgentProcess = {
    url,
    child,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  t?.after(() => agent.stop('SIGKILL'));
  return agent;
}

/** A JSON request to an agent, returning status, headers and the parsed body. */
export async function agentRequest(url: string, path: string, init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${url}${path}`, { method: init.method ?? 'GET', body: init.body as BodyInit | undefined, headers: init.headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, headers: response.headers, body };
}

/** Polls `GET /reload/v1/applies/{id}` until the apply has ended; its final status. */
export async function waitForApply(url: string, id: string, timeoutMs = 15_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const status = (await agentRequest(url, `/reload/v1/applies/${id}`)).body;
    if (status.endedAt) return status;
    if (Date.now() > end) throw new Error(`the apply ${id} did not end within ${timeoutMs} ms (phase ${status.phase})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
