/**
 * Context manifests served over the real Model Context Protocol: the official SDK client against
 * a real agent process. Applying a context manifest changes what the agent serves, connected
 * clients are told once per kind (`list_changed`, `updated` for subscribed URIs), a rollback does
 * the same in reverse, a failed apply changes nothing and says nothing; Host/Origin checks, the
 * bearer token, session tools that persist, and stdio.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { reloadctlAsync } from '../support/cli';
import { agentRequest, startAgentProcess, waitForApply, type AgentProcess } from '../support/agentProcess';
import { ROOT } from '../support/fixtures';

const TIMEOUT = { timeout: 90_000 };

function tempDir(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface ContextOptions {
  serial: number;
  version: string;
  resourceText?: string;
  other?: string;
  adapter?: { uri: string; digest: string; size: number };
}

function contextManifest(o: ContextOptions): string {
  const spec: Record<string, unknown> = {
    prompts: [
      { name: 'greet', version: o.version, title: 'Greet', description: 'Greets someone.', arguments: [{ name: 'who', required: true }], template: `Hello {{who}} from ${o.version}.` },
      { name: 'steady', version: '1', description: 'Never changes.', template: 'Same as ever.' },
    ],
    resources: [
      { uri: 'ctx://watched', name: 'watched', mimeType: 'text/plain', text: o.resourceText ?? `watched ${o.version}` },
      { uri: 'ctx://other', name: 'other', mimeType: 'text/plain', text: o.other ?? `other ${o.version}` },
    ],
  };
  if (o.adapter) spec.adapters = [{ name: 'lora', version: '1', baseModel: 'model:sentiment', artifact: o.adapter, rank: 8, targetModules: ['q_proj', 'v_proj'] }];
  return JSON.stringify({ apiVersion: 'mcp-context/v2', kind: 'ContextManifest', metadata: { name: `ctx-${o.serial}`, uid: randomUUID(), serial: o.serial }, spec });
}

async function applyContext(agent: AgentProcess, dir: string, options: ContextOptions, args: string[] = []): Promise<void> {
  const file = join(dir, `ctx-${options.serial}.mcp-context.json`);
  writeFileSync(file, contextManifest(options));
  const run = await reloadctlAsync(['apply', file, '--target', agent.url, ...args]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
}

/** An SDK client that records the notifications it gets. */
async function connect(t: { after(fn: () => Promise<void>): void }, url: string, headers: Record<string, string> = {}): Promise<{ client: Client; seen: string[] }> {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const seen: string[] = [] as string[];
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void seen.push('prompts/list_changed'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void seen.push('resources/list_changed'));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void seen.push(`resources/updated ${n.params.uri}`));
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  t.after(() => client.close());
  return { client, seen };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const text = (result: { messages: { content: { type: string; text?: string } }[] }): string | undefined => result.messages[0].content.text;

test('prompts: apply v1 → list and get → apply v2 → one prompts/list_changed and the new template renders → roll back → the old one is back', TIMEOUT, async (t) => {
  const dir = tempDir(t, 'agent-mcp-');
  const agent = await startAgentProcess(t, { stateDir: tempDir(t, 'agent-state-') });
  await applyContext(agent, dir, { serial: 1, version: '1.0.0' });
  const { client, seen } = await connect(t, agent.url);
  assert.equal(client.getServerVersion()?.name, 'reload-agent');
  assert.deepEqual(client.getServerCapabilities(), { completions: {}, prompts: { listChanged: true }, resources: { subscribe: true, listChanged: true }, tools: {} });
  const listed = await client.listPrompts();
  assert.deepEqual(listed.prompts.map((p) => [p.name, p.description, p._meta?.['tracing-reload.dev/version']]), [['greet', 'Greets someone.', '1.0.0'], ['steady', 'Never changes.', '1']]);
  const v1 = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
  assert.equal(text(v1), 'Hello Ada from 1.0.0.');
  assert.equal(v1._meta?.['tracing-reload.dev/version'], '1.0.0');
  assert.match(String(v1._meta?.['tracing-reload.dev/digest']), /^sha256:[0-9a-f]{64}$/);

  await applyContext(agent, dir, { serial: 2, version: '2.0.0', resourceText: 'watched 1.0.0', other: 'other 1.0.0' });
  await until('prompts/list_changed', () => seen.includes('prompts/list_changed'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(seen, ['prompts/list_changed'], 'one notification, and none for resources that did not change');
  assert.equal(text(await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } })), 'Hello Ada from 2.0.0.');

  const back = await reloadctlAsync(['rollback', '--target', agent.url]);
  assert.equal(back.code, 0, back.stderr);
  await until('the second prompts/list_changed', () => seen.length === 2);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(seen, ['prompts/list_changed', 'prompts/list_changed']);
  const again = await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } });
  assert.equal(text(again), 'Hello Ada from 1.0.0.');
  assert.equal(again._meta?.['tracing-reload.dev/serial'], 3);

  await assert.rejects(client.getPrompt({ name: 'greet', arguments: {} }), /Prompt "greet" needs the argument who/);
  await assert.rejects(client.getPrompt({ name: 'nope' }), /Prompt "nope" is not served by the active generation/);
  // Completion offers the values used before for that argument.
  await client.getPrompt({ name: 'greet', arguments: { who: 'Grace' } });
  assert.deepEqual((await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'G' } })).completion, { values: ['Grace'], total: 1, hasMore: false });
});

test('resources: a subscribed URI whose content changes gets one resources/updated per apply and per rollback; others do not; a failed context apply (bad adapter digest) changes nothing and sends nothing', TIMEOUT, async (t) => {
  const dir = tempDir(t, 'agent-mcp-');
  const root = tempDir(t, 'agent-root-');
  const adapterBytes = readFileSync(join(ROOT, 'examples', 'adapters', 'support-lora-7.safetensors'));
  writeFileSync(join(root, 'lora.safetensors'), adapterBytes);
  const agent = await startAgentProcess(t, { stateDir: tempDir(t, 'agent-state-'), args: ['--artifact-root', root] });
  await applyContext(agent, dir, { serial: 1, version: '1', resourceText: 'one', other: 'x' });
  const { client, seen } = await connect(t, agent.url);
  assert.deepEqual((await client.listResources()).resources.map((r) => [r.uri, r.name, r.mimeType]), [['ctx://other', 'other', 'text/plain'], ['ctx://watched', 'watched', 'text/plain']]);
  assert.deepEqual((await client.readResource({ uri: 'ctx://watched' })).contents.map((c) => ('text' in c ? c.text : undefined)), ['one']);
  await client.subscribeResource({ uri: 'ctx://watched' });

  // Both texts change; only the subscribed one is announced. The prompts' version changes too.
  await applyContext(agent, dir, { serial: 2, version: '2', resourceText: 'two', other: 'y' });
  await until('resources/updated', () => seen.includes('resources/updated ctx://watched'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([...seen].sort(), ['prompts/list_changed', 'resources/updated ctx://watched']);
  assert.deepEqual((await client.readResource({ uri: 'ctx://watched' })).contents.map((c) => ('text' in c ? c.text : undefined)), ['two']);

  // A context apply whose adapter does not match its pinned digest fails on the agent: nothing changes, nobody is told.
  seen.length = 0;
  const bad = contextManifest({ serial: 3, version: '3', resourceText: 'three', adapter: { uri: 'lora.safetensors', digest: `sha256:${'0'.repeat(64)}`, size: adapterBytes.length } });
  const started = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: bad, headers: { 'Idempotency-Key': 'bad-adapter' } });
  assert.equal(started.status, 202);
  const ended = await waitForApply(agent.url, started.body.id);
  assert.equal(ended.phase, 'Failed');
  assert.equal(ended.changes.find((c: { ref: string }) => c.ref === 'adapter:lora').accepted.error.type, 'DigestMismatch');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(seen.join(', '), '', 'a failed apply sends no notification');
  assert.deepEqual((await client.readResource({ uri: 'ctx://watched' })).contents.map((c) => ('text' in c ? c.text : undefined)), ['two']);
  assert.equal(text(await client.getPrompt({ name: 'greet', arguments: { who: 'x' } })), 'Hello x from 2.');

  // The rollback brings "one" back, announced once.
  const back = await reloadctlAsync(['rollback', '--target', agent.url]);
  assert.equal(back.code, 0, back.stderr);
  await until('resources/updated after the rollback', () => seen.includes('resources/updated ctx://watched'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([...seen].sort(), ['prompts/list_changed', 'resources/updated ctx://watched']);
  assert.deepEqual((await client.readResource({ uri: 'ctx://watched' })).contents.map((c) => ('text' in c ? c.text : undefined)), ['one']);
  await client.unsubscribeResource({ uri: 'ctx://watched' });
  await assert.rejects(client.readResource({ uri: 'ctx://gone' }), /Resource ctx:\/\/gone is not served/);
});

test('/mcp checks Host and Origin (DNS rebinding) and the bearer token; session tools persist across a restart; stdio serves the same', TIMEOUT, async (t) => {
  const dir = tempDir(t, 'agent-mcp-');
  const state = tempDir(t, 'agent-state-');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'mcp-token');
  let agent = await startAgentProcess(t, { stateDir: state, args: ['--token-file', tokenFile] });
  const manifest = JSON.parse(contextManifest({ serial: 1, version: '1' }));
  manifest.spec.sessions = [{ op: 'load', sessionId: 's-1', context: { history: [] } }];
  writeFileSync(join(dir, 'sessions.mcp-context.json'), JSON.stringify(manifest));
  const applied = await reloadctlAsync(['apply', join(dir, 'sessions.mcp-context.json'), '--target', agent.url, '--token-file', tokenFile]);
  assert.equal(applied.code, 0, applied.stdout);

  const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  // node:http, since fetch does not let a request name another Host.
  const post = (headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const url = new URL(`${agent.url}/mcp`);
      const request = httpRequest({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: 'Bearer mcp-token', ...headers } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(initialize);
    });
  assert.equal(await post({ Host: 'evil.example.com' }), 403);
  assert.equal(await post({ Host: `evil.example.com:${new URL(agent.url).port}` }), 403);
  assert.equal(await post({ Origin: 'http://evil.example.com' }), 403);
  assert.equal(await post({ Authorization: 'Bearer wrong' }), 401);
  assert.equal(await post({ Origin: 'http://localhost:1234' }), 200);
  assert.equal(await post({ Host: `localhost:${new URL(agent.url).port}` }), 200);
  await assert.rejects(connect(t, agent.url), /401|Unauthorized/);

  const { client } = await connect(t, agent.url, { Authorization: 'Bearer mcp-token' });
  const got = await client.callTool({ name: 'context_get', arguments: { sessionId: 's-1' } });
  assert.deepEqual((got.structuredContent as { revision: number; context: unknown }).context, { history: [] });
  const conflict = await client.callTool({ name: 'context_update', arguments: { sessionId: 's-1', ifRevision: 7, patch: [{ op: 'add', path: '/history/-', value: 'hi' }] } });
  assert.equal(conflict.isError, true);
  assert.deepEqual(conflict.content, [{ type: 'text', text: 'Session "s-1" is at revision 1, the update expects 7: reload it and retry.' }]);
  const updated = await client.callTool({ name: 'context_update', arguments: { sessionId: 's-1', ifRevision: 1, patch: [{ op: 'add', path: '/history/-', value: 'hi' }] } });
  assert.equal((updated.structuredContent as { revision: number }).revision, 2);
  const exported = (await client.callTool({ name: 'context_export', arguments: { sessionId: 's-1' } })).structuredContent as { context: string; digest: string };
  assert.equal(exported.context, '{"history":["hi"]}');
  const tampered = await client.callTool({ name: 'context_import', arguments: { sessionId: 's-2', context: '{"history":["forged"]}', digest: exported.digest } });
  assert.equal(tampered.isError, true);
  assert.match(String((tampered.content as { text: string }[])[0].text), /failed its integrity check/);
  const imported = await client.callTool({ name: 'context_import', arguments: { sessionId: 's-2', context: exported.context, digest: exported.digest } });
  assert.equal(imported.isError, undefined);
  await client.close();

  // The session changes are durable: a restart serves them.
  await agent.stop('SIGKILL');
  agent = await startAgentProcess(t, { stateDir: state, args: ['--token-file', tokenFile] });
  const after = await connect(t, agent.url, { Authorization: 'Bearer mcp-token' });
  const s1 = (await after.client.callTool({ name: 'context_get', arguments: { sessionId: 's-1' } })).structuredContent as { revision: number; context: unknown };
  assert.deepEqual([s1.revision, s1.context], [2, { history: ['hi'] }]);
  const s2 = (await after.client.callTool({ name: 'context_get', arguments: { sessionId: 's-2' } })).structuredContent as { context: unknown };
  assert.deepEqual(s2.context, { history: ['hi'] });
  await agent.stop('SIGTERM');

  // Over stdio: the client launches the agent; the log goes to stderr.
  const stdio = new Client({ name: 'stdio-client', version: '1.0.0' });
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'cli.js'), 'agent', '--port', '0', '--state-dir', state, '--mcp-stdio'], stderr: 'pipe' }));
  t.after(() => stdio.close());
  assert.deepEqual((await stdio.listPrompts()).prompts.map((p) => p.name), ['greet', 'steady']);
  assert.equal(text(await stdio.getPrompt({ name: 'greet', arguments: { who: 'stdio' } })), 'Hello stdio from 1.');
});

test('a client whose notification stream broke reconnects with Last-Event-ID and gets the list_changed it missed', TIMEOUT, async (t) => {
  const dir = tempDir(t, 'agent-mcp-');
  const agent = await startAgentProcess(t, { stateDir: tempDir(t, 'agent-state-') });
  await applyContext(agent, dir, { serial: 1, version: '1' });
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const init = await fetch(`${agent.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  const session = init.headers.get('mcp-session-id')!;
  await init.text();
  const withSession = { ...headers, 'Mcp-Session-Id': session, 'Mcp-Protocol-Version': '2025-11-25' };
  await (await fetch(`${agent.url}/mcp`, { method: 'POST', headers: withSession, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();

  /** Opens the notification stream (GET) and reads until an event with data arrives; then drops the connection. */
  const readOne = async (lastEventId?: string): Promise<{ id: string; method: string }> => {
    const controller = new AbortController();
    const response = await fetch(`${agent.url}/mcp`, { headers: { ...withSession, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }, signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error('the stream ended');
      buffer += new TextDecoder().decode(chunk.value);
      const event = /id: (\S+)\ndata: (\{.*\})\n\n/.exec(buffer);
      if (event) {
        controller.abort();
        return { id: event[1], method: JSON.parse(event[2]).method };
      }
    }
  };
  const first = readOne();
  await new Promise((r) => setTimeout(r, 300));
  await applyContext(agent, dir, { serial: 2, version: '2', resourceText: 'watched 1', other: 'other 1' });
  const seen = await first;
  assert.equal(seen.method, 'notifications/prompts/list_changed');
  // While no stream is open, another apply changes the prompts.
  await new Promise((r) => setTimeout(r, 300));
  await applyContext(agent, dir, { serial: 3, version: '3', resourceText: 'watched 1', other: 'other 1' });
  const missed = await readOne(seen.id);
  assert.equal(missed.method, 'notifications/prompts/list_changed');
  assert.ok(Number(missed.id) > Number(seen.id));
});
