/**
 * The load generator of bench/mcp, in a process of its own so it shares an event loop with neither
 * the agent nor the reload driver: `sessions` MCP clients (the official SDK's Client over
 * Streamable HTTP, one session each) calling `prompts/get` back to back with fresh arguments for
 * `seconds`. Each result is checked: its `_meta` version must be one of the manifest's versions,
 * the text must be that version's template rendered with this request's arguments, and its digest
 * that template's; each serial must always come with the same version (one generation, never a
 * mix). Each session subscribes to a resource and counts `notifications/prompts/list_changed` and
 * `notifications/resources/updated`.
 *
 * Prints one JSON line once every session is connected (and its notification stream open), then
 * runs the load; once it has ended and a line arrives on standard input (the driver's reloads are
 * over), it waits briefly for notifications in flight, ends the sessions and prints its results.
 * Run: node --import tsx bench/mcpLoad.ts '{"url", "sessions", "seconds", "prompt", "templates", "resource"}'
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { renderTemplate } from '../core/templates';
import { percentile } from './stats';

export interface McpLoadOptions {
  /** The agent's /mcp URL. */
  url: string;
  sessions: number;
  seconds: number;
  /** The prompt called, with arguments ticket_id and team. */
  prompt: string;
  /** Version → its template, for every version the prompt may be served at. */
  templates: Record<string, string>;
  /** A resource each session subscribes to. */
  resource: string;
}

export interface McpLoadResult {
  event: 'done';
  ok: number;
  failed: number;
  /** Up to 5 distinct failure messages, with how often each occurred. */
  failures: Record<string, number>;
  /** Results whose text, version, digest or serial did not fit together. */
  mismatches: number;
  /** Up to 5 examples of mismatches. */
  mismatchExamples: string[];
  /** Results per served version. */
  versions: Record<string, number>;
  /** The version each serial was served with, as seen. */
  serials: Record<string, string>;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  /** Per session: notifications received. */
  promptListChanged: number[];
  resourceListChanged: number[];
  resourceUpdated: number[];
  /** CPU time this process used for the load (ms), from the start of the load. */
  cpuMs: number;
  /** The slowest responses: when they ended (epoch ms) and how long they took (ms). */
  slowest: { at: number; ms: number }[];
}

const META = 'tracing-reload.dev';
const SLOWEST_KEPT = 20;
/** Time for the sessions' notification streams (GET /mcp, opened after `initialized`) to be established. */
const STREAM_SETTLE_MS = 500;
/** Time after the driver's last reload for its notifications to arrive. */
const NOTIFICATION_GRACE_MS = 300;

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const epochMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface BenchSession {
  client: Client;
  transport: StreamableHTTPClientTransport;
  promptListChanged: number;
  resourceListChanged: number;
  resourceUpdated: number;
}

async function connect(options: McpLoadOptions, index: number): Promise<BenchSession> {
  const client = new Client({ name: `bench-mcp-${index}`, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(options.url));
  const session: BenchSession = { client, transport, promptListChanged: 0, resourceListChanged: 0, resourceUpdated: 0 };
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void session.promptListChanged++);
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void session.resourceListChanged++);
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void session.resourceUpdated++);
  await client.connect(transport);
  await client.subscribeResource({ uri: options.resource });
  return session;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as McpLoadOptions;
  const digests = new Map(Object.entries(options.templates).map(([version, template]) => [version, sha256(template)]));
  // A line from the driver, or its end of the pipe closing (the driver has gone).
  const finish = new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()).once('close', () => resolve()));
  const sessions = await Promise.all(Array.from({ length: options.sessions }, (_, i) => connect(options, i)));
  await sleep(STREAM_SETTLE_MS);

  const latencies: number[] = [];
  const endedAt: number[] = [];
  const failures = new Map<string, number>();
  let failed = 0;
  let mismatches = 0;
  const mismatchExamples: string[] = [];
  const versions: Record<string, number> = {};
  const serials = new Map<string, string>();
  const mismatch = (what: string): void => {
    mismatches++;
    if (mismatchExamples.length < 5) mismatchExamples.push(what);
  };

  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  console.log(JSON.stringify({ event: 'started', at: Date.now() }));
  await Promise.all(
    sessions.map(async (session, s) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const args = { ticket_id: `T-${s}-${i}`, team: `team-${(s * 7 + i) % 13}` };
        const sent = performance.now();
        let result: Awaited<ReturnType<Client['getPrompt']>>;
        try {
          result = await session.client.getPrompt({ name: options.prompt, arguments: args });
        } catch (error) {
          failed++;
          const message = (error instanceof Error ? error.message : String(error)).slice(0, 200);
          if (failures.has(message) || failures.size < 5) failures.set(message, (failures.get(message) ?? 0) + 1);
          continue;
        }
        const took = performance.now() - sent;
        latencies.push(took);
        endedAt.push(epochMs());
        const meta = result._meta ?? {};
        const version = String(meta[`${META}/version`]);
        const serial = String(meta[`${META}/serial`]);
        const content = result.messages[0]?.content;
        const text = content?.type === 'text' ? content.text : undefined;
        versions[version] = (versions[version] ?? 0) + 1;
        const template = options.templates[version];
        if (template === undefined) {
          mismatch(`serial ${serial}: version ${version} is not one of ${Object.keys(options.templates).join(', ')}`);
          continue;
        }
        if (text !== renderTemplate(template, args)) mismatch(`serial ${serial}, version ${version}: the text is not its template rendered with this request's arguments: ${JSON.stringify(text)?.slice(0, 120)}`);
        else if (meta[`${META}/digest`] !== digests.get(version)) mismatch(`serial ${serial}, version ${version}: digest ${String(meta[`${META}/digest`])} is not the template's`);
        const seen = serials.get(serial);
        if (seen === undefined) serials.set(serial, version);
        else if (seen !== version) mismatch(`serial ${serial} was served with version ${seen} and with ${version}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await finish;
  await sleep(NOTIFICATION_GRACE_MS);
  const counts = sessions.map((s) => ({ promptListChanged: s.promptListChanged, resourceListChanged: s.resourceListChanged, resourceUpdated: s.resourceUpdated }));
  await Promise.all(
    sessions.map(async (s) => {
      await s.transport.terminateSession().catch(() => undefined);
      await s.client.close();
    }),
  );
  const order = latencies.map((_, i) => i).sort((a, b) => latencies[b] - latencies[a]);
  const done: McpLoadResult = {
    event: 'done',
    ok: latencies.length,
    failed,
    failures: Object.fromEntries(failures),
    mismatches,
    mismatchExamples,
    versions,
    serials: Object.fromEntries(serials),
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
    promptListChanged: counts.map((c) => c.promptListChanged),
    resourceListChanged: counts.map((c) => c.resourceListChanged),
    resourceUpdated: counts.map((c) => c.resourceUpdated),
    cpuMs: (used.user + used.system) / 1000,
    slowest: order.slice(0, SLOWEST_KEPT).map((i) => ({ at: Math.round(endedAt[i]), ms: latencies[i] })),
  };
  console.log(JSON.stringify(done));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
