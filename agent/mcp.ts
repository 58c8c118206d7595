/**
 * The agent's Model Context Protocol endpoint (DESIGN.md §4, §6.2): the active context generation
 * served over the official TypeScript SDK (`@modelcontextprotocol/sdk`), on Streamable HTTP with
 * sessions at `/mcp` and over stdio (`reloadctl agent --mcp-stdio`).
 *
 * Every request reads the active generation once, so it sees one generation, never a mix. When an
 * apply or rollback changes what is served, each session gets one round of notifications:
 * `prompts/list_changed` and `resources/list_changed` when those lists changed, and
 * `resources/updated` for each subscribed URI whose content changed (one per kind per apply).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport, type EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  isInitializeRequest,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import type { Generation, PromptState, ResourceState } from '../core/runtime/generation';
import { searchShards } from '../core/runtime/knowledge';
import { renderTemplate } from '../core/templates';
import type { ReloadAgent } from './agent';
import type { Logger } from './log';

/** The resource that lists the adapters the active generation serves, with their status. */
export const ADAPTERS_URI = 'reload://adapters';
/** `_meta` keys on prompts and resources. */
const META = 'tracing-reload.dev';
/** Sessions kept at once; the least recently used one is closed past this. */
const MAX_SESSIONS = 1_000;
/** Subscriptions per session. */
const MAX_SUBSCRIPTIONS = 1_000;
/** Request bodies on /mcp at most. */
const MAX_MCP_BODY = 4 * 1024 * 1024;
/** Values remembered per prompt argument for completion. */
const MAX_REMEMBERED = 100;
/** kb_search results at most. */
const MAX_K = 100;

interface Session {
  server: Server;
  transport: StreamableHTTPServerTransport | StdioServerTransport;
  subscriptions: Set<string>;
  lastUsed: number;
}

export interface McpOptions {
  log: Logger;
  /** Host names (without port) requests may name in Host and Origin, besides localhost, 127.0.0.1 and [::1]. */
  allowedHosts: readonly string[];
}

export class McpService {
  private readonly sessions = new Map<string, Session>();
  private readonly stdio = new Set<Session>();
  /** Prompt name → argument → values used lately (newest last), for completion. */
  private readonly remembered = new Map<string, Map<string, string[]>>();

  constructor(
    private readonly agent: ReloadAgent,
    private readonly options: McpOptions,
  ) {}

  get sessionCount(): number {
    return this.sessions.size + this.stdio.size;
  }

  /** Whether Host (and Origin, when sent) name this agent: DNS rebinding protection. */
  hostAllowed(request: IncomingMessage): boolean {
    const allowed = new Set(['localhost', '127.0.0.1', '[::1]', '::1', ...this.options.allowedHosts.map((h) => h.toLowerCase())]);
    const hostOf = (value: string): string => {
      const lower = value.toLowerCase();
      if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
      return lower.replace(/:\d+$/, '');
    };
    const host = request.headers.host;
    if (!host || !allowed.has(hostOf(host))) return false;
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(url.hostname.toLowerCase());
    } catch {
      return false;
    }
  }

  /** `POST|GET|DELETE /mcp` (authorized and Host-checked by the caller). */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const sessionId = headerOf(request, 'mcp-session-id');
    let body: unknown;
    if (request.method === 'POST') {
      const text = await readBody(request);
      if (text === undefined) return void jsonRpcError(response, 413, ErrorCode.InvalidRequest, `The request is over ${MAX_MCP_BODY} bytes.`);
      try {
        body = JSON.parse(text);
      } catch {
        return void jsonRpcError(response, 400, ErrorCode.ParseError, 'The body is not JSON.');
      }
    }
    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId);
      if (!session) return void jsonRpcError(response, 404, ErrorCode.InvalidRequest, 'No such MCP session (it ended, or the agent restarted): initialize a new one.');
      session.lastUsed = Date.now();
      await (session.transport as StreamableHTTPServerTransport).handleRequest(request, response, body);
      return;
    }
    if (request.method !== 'POST' || !isInitializeRequest(body)) {
      return void jsonRpcError(response, 400, ErrorCode.InvalidRequest, 'Missing Mcp-Session-Id: start with an initialize request.');
    }
    this.evictIfFull();
    const subscriptions = new Set<string>();
    const session: Session = { server: this.createServer(subscriptions), transport: undefined as never, subscriptions, lastUsed: Date.now() };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // A client whose stream broke reconnects with Last-Event-ID and gets what it missed (a list_changed, say).
      eventStore: new SessionEventStore(),
      onsessioninitialized: (id) => void this.sessions.set(id, session),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    session.transport = transport;
    await session.server.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  /** Serves one MCP client over standard input and output (`--mcp-stdio`). */
  async connectStdio(): Promise<void> {
    const transport = new StdioServerTransport();
    const subscriptions = new Set<string>();
    const session: Session = { server: this.createServer(subscriptions), transport, subscriptions, lastUsed: Date.now() };
    this.stdio.add(session);
    transport.onclose = () => void this.stdio.delete(session);
    await session.server.connect(transport);
  }

  /** After an apply or rollback: one round of notifications for what changed between the two generations. */
  generationChanged(before: Generation, after: Generation): void {
    const promptsChanged = !sameMap(before.prompts, after.prompts, samePrompt);
    const resourcesChanged = !sameMap(before.resources, after.resources, (a, b) => a.name === b.name && a.title === b.title && a.description === b.description && a.mimeType === b.mimeType) || (before.adapters.size === 0) !== (after.adapters.size === 0);
    const changedUris = new Set<string>();
    for (const uri of new Set([...before.resources.keys(), ...after.resources.keys()])) if (before.resources.get(uri)?.text !== after.resources.get(uri)?.text) changedUris.add(uri);
    if (adaptersText(before) !== adaptersText(after)) changedUris.add(ADAPTERS_URI);
    if (!promptsChanged && !resourcesChanged && changedUris.size === 0) return;
    for (const session of [...this.sessions.values(), ...this.stdio]) {
      const sends: Promise<void>[] = [];
      if (promptsChanged) sends.push(session.server.sendPromptListChanged());
      if (resourcesChanged) sends.push(session.server.sendResourceListChanged());
      for (const uri of session.subscriptions) if (changedUris.has(uri)) sends.push(session.server.sendResourceUpdated({ uri }));
      void Promise.all(sends).catch((error: unknown) => this.options.log('warn', 'an MCP notification was not delivered', { error: error instanceof Error ? error.message : String(error) }));
    }
    this.options.log('info', 'mcp notified', { sessions: this.sessionCount, prompts_changed: promptsChanged, resources_changed: resourcesChanged, updated: changedUris.size, generation: after.number });
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values(), ...this.stdio];
    this.sessions.clear();
    this.stdio.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }

  private evictIfFull(): void {
    if (this.sessions.size < MAX_SESSIONS) return;
    let oldest: [string, Session] | undefined;
    for (const entry of this.sessions) if (!oldest || entry[1].lastUsed < oldest[1].lastUsed) oldest = entry;
    if (!oldest) return;
    this.sessions.delete(oldest[0]);
    void oldest[1].server.close().catch(() => undefined);
  }

  /** A server for one session; `subscriptions` is that session's subscribed URIs. */
  private createServer(subscriptions: Set<string>): Server {
    const server = new Server(
      { name: 'reload-agent', title: 'Tracing Reload agent', version: typeof RELOADCTL_VERSION === 'string' ? RELOADCTL_VERSION : 'dev' },
      {
        capabilities: { prompts: { listChanged: true }, resources: { subscribe: true, listChanged: true }, completions: {}, tools: {} },
        instructions: 'Prompts, resources, session context and knowledge search of the active context generation on this reload agent.',
      },
    );
    server.setRequestHandler(ListPromptsRequestSchema, () => {
      const generation = this.agent.runtime.active;
      return { prompts: [...generation.prompts.values()].sort((a, b) => a.name.localeCompare(b.name)).map((p) => promptInfo(p)), _meta: generationMeta(generation) };
    });
    server.setRequestHandler(GetPromptRequestSchema, (request) => {
      const generation = this.agent.runtime.active;
      const prompt = generation.prompts.get(request.params.name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Prompt "${request.params.name.slice(0, 128)}" is not served by the active generation (${generation.number}).`);
      const args = request.params.arguments ?? {};
      const missing = prompt.arguments.filter((a) => a.required && !Object.prototype.hasOwnProperty.call(args, a.name)).map((a) => a.name);
      if (missing.length > 0) throw new McpError(ErrorCode.InvalidParams, `Prompt "${prompt.name}" needs the argument${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);
      this.remember(prompt, args);
      return {
        description: prompt.description ?? prompt.title,
        messages: [{ role: 'user', content: { type: 'text', text: renderTemplate(prompt.template, args) } }],
        _meta: { ...promptMeta(prompt), ...generationMeta(generation) },
      };
    });
    server.setRequestHandler(ListResourcesRequestSchema, () => {
      const generation = this.agent.runtime.active;
      const resources: Record<string, unknown>[] = [...generation.resources.values()].sort((a, b) => a.uri.localeCompare(b.uri)).map(resourceInfo);
      if (generation.adapters.size > 0) resources.push({ uri: ADAPTERS_URI, name: 'adapters', title: 'Adapters', description: 'The LoRA adapters the active generation serves, with their status.', mimeType: 'application/json' });
      return { resources, _meta: generationMeta(generation) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }));
    server.setRequestHandler(ReadResourceRequestSchema, (request) => {
      const generation = this.agent.runtime.active;
      const { uri } = request.params;
      if (uri === ADAPTERS_URI && generation.adapters.size > 0) return { contents: [{ uri, mimeType: 'application/json', text: adaptersText(generation) }], _meta: generationMeta(generation) };
      const resource = generation.resources.get(uri);
      if (!resource) throw new McpError(-32002, `Resource ${uri.slice(0, 256)} is not served by the active generation (${generation.number}).`, { uri });
      return { contents: [{ uri, mimeType: resource.mimeType ?? 'text/plain', text: resource.text, _meta: resourceMeta(resource) }], _meta: generationMeta(generation) };
    });
    server.setRequestHandler(SubscribeRequestSchema, (request) => {
      if (subscriptions.size >= MAX_SUBSCRIPTIONS && !subscriptions.has(request.params.uri)) throw new McpError(ErrorCode.InvalidRequest, `At most ${MAX_SUBSCRIPTIONS} subscriptions per session.`);
      subscriptions.add(request.params.uri);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
      subscriptions.delete(request.params.uri);
      return {};
    });
    server.setRequestHandler(CompleteRequestSchema, (request) => {
      const { ref, argument } = request.params;
      if (ref.type !== 'ref/prompt') return { completion: { values: [], total: 0, hasMore: false } };
      const prompt = this.agent.runtime.active.prompts.get(ref.name);
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Prompt "${String(ref.name).slice(0, 128)}" is not served.`);
      if (!prompt.arguments.some((a) => a.name === argument.name)) throw new McpError(ErrorCode.InvalidParams, `Prompt "${prompt.name}" has no argument "${argument.name.slice(0, 64)}".`);
      const used = this.remembered.get(prompt.name)?.get(argument.name) ?? [];
      const matching = [...used].reverse().filter((v) => v.startsWith(argument.value));
      return { completion: { values: matching.slice(0, 100), total: matching.length, hasMore: matching.length > 100 } };
    });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
    server.setRequestHandler(CallToolRequestSchema, (request) => this.callTool(request.params.name, request.params.arguments ?? {}));
    return server;
  }

  /** The tools: errors the caller can act on are tool results with isError (as MCP asks), not protocol errors. */
  private async callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    try {
      switch (name) {
        case 'context_get': {
          const session = this.agent.runtime.active.sessions.get(stringArg(args, 'sessionId'));
          if (!session) return toolError(`No session "${stringArg(args, 'sessionId')}" in the active generation.`);
          return toolJson({ sessionId: session.sessionId, revision: session.revision, digest: session.digest, context: session.context });
        }
        case 'context_export': {
          const exported = this.agent.exportSession(stringArg(args, 'sessionId'));
          return exported ? toolJson(exported) : toolError(`No session "${stringArg(args, 'sessionId')}" in the active generation.`);
        }
        case 'context_update': {
          const patch = args.patch;
          if (!Array.isArray(patch)) return toolError('"patch" must be a JSON Patch (RFC 6902) array.');
          const ifRevision = args.ifRevision === undefined ? undefined : Number(args.ifRevision);
          const result = await this.agent.updateSession(stringArg(args, 'sessionId'), { kind: 'patch', patch, ifRevision });
          return toolJson(result);
        }
        case 'context_import': {
          const result = await this.agent.updateSession(stringArg(args, 'sessionId'), { kind: 'import', context: stringArg(args, 'context'), digest: stringArg(args, 'digest'), revision: args.revision === undefined ? undefined : Number(args.revision) });
          return toolJson(result);
        }
        case 'kb_search': {
          const generation = this.agent.runtime.active;
          const index = stringArg(args, 'index');
          const shards = generation.knowledge.get(index);
          if (!shards) return toolError(`No knowledge index "${index}" in the active generation.`);
          const query = args.query;
          if (!Array.isArray(query) || !query.every((v) => typeof v === 'number' && Number.isFinite(v)) || query.length > 65_536) return toolError('"query" must be an array of finite numbers (the embedding to search with).');
          const k = Math.min(MAX_K, Math.max(1, Math.floor(Number(args.k ?? 5)) || 5));
          return toolJson({ index, generation: generation.number, hits: searchShards(shards.values(), query as number[], k) });
        }
        default:
          throw new McpError(ErrorCode.InvalidParams, `No tool "${name.slice(0, 64)}": the tools are ${TOOLS.map((t) => t.name).join(', ')}.`);
      }
    } catch (error) {
      if (error instanceof McpError) throw error;
      return toolError(error instanceof Error ? error.message : String(error));
    }
  }

  private remember(prompt: PromptState, args: Record<string, string>): void {
    let byArgument = this.remembered.get(prompt.name);
    if (!byArgument) {
      if (this.remembered.size >= 1_000) this.remembered.delete(this.remembered.keys().next().value!);
      byArgument = new Map();
      this.remembered.set(prompt.name, byArgument);
    }
    for (const declared of prompt.arguments) {
      const value = args[declared.name];
      if (typeof value !== 'string' || value.length > 256) continue;
      const list = byArgument.get(declared.name) ?? [];
      const at = list.indexOf(value);
      if (at >= 0) list.splice(at, 1);
      list.push(value);
      if (list.length > MAX_REMEMBERED) list.shift();
      byArgument.set(declared.name, list);
    }
  }
}

declare const RELOADCTL_VERSION: string | undefined;

/** Events kept per session for replay after a reconnect. */
const MAX_EVENTS = 500;

/**
 * The last MAX_EVENTS messages sent to one session, so that a client reconnecting with
 * Last-Event-ID gets those it missed on that stream (Streamable HTTP resumability). Bounded: a
 * client away for longer gets nothing replayed and should list again.
 */
class SessionEventStore implements EventStore {
  private readonly events: { id: number; streamId: string; message: JSONRPCMessage }[] = [];
  private next = 1;

  storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = this.next++;
    this.events.push({ id, streamId, message });
    if (this.events.length > MAX_EVENTS) this.events.shift();
    return Promise.resolve(String(id));
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.events.find((e) => String(e.id) === eventId)?.streamId);
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.events.find((e) => String(e.id) === lastEventId);
    if (!last) return '';
    // Priming events (stored as {}) opened a stream; they are not messages to replay.
    for (const event of this.events) if (event.id > last.id && event.streamId === last.streamId && 'jsonrpc' in event.message) await send(String(event.id), event.message);
    return last.streamId;
  }
}

const TOOLS = [
  {
    name: 'context_get',
    title: 'Get session context',
    description: 'The context of a session in the active generation: its revision, digest and value.',
    inputSchema: { type: 'object' as const, properties: { sessionId: { type: 'string' } }, required: ['sessionId'] },
  },
  {
    name: 'context_update',
    title: 'Update session context',
    description: 'Applies a JSON Patch (RFC 6902) to a session; with ifRevision, only if the session is still at that revision.',
    inputSchema: { type: 'object' as const, properties: { sessionId: { type: 'string' }, patch: { type: 'array', items: { type: 'object' } }, ifRevision: { type: 'integer' } }, required: ['sessionId', 'patch'] },
  },
  {
    name: 'context_export',
    title: 'Export session context',
    description: 'A session as canonical JSON text with its revision and sha256 digest, for context_import elsewhere.',
    inputSchema: { type: 'object' as const, properties: { sessionId: { type: 'string' } }, required: ['sessionId'] },
  },
  {
    name: 'context_import',
    title: 'Import session context',
    description: 'Loads a session from exported JSON text; refused unless the text hashes to the given digest.',
    inputSchema: { type: 'object' as const, properties: { sessionId: { type: 'string' }, context: { type: 'string' }, digest: { type: 'string' }, revision: { type: 'integer' } }, required: ['sessionId', 'context', 'digest'] },
  },
  {
    name: 'kb_search',
    title: 'Search knowledge',
    description: 'Nearest rows of a knowledge index to an embedding (cosine), from the active generation.',
    inputSchema: { type: 'object' as const, properties: { index: { type: 'string' }, query: { type: 'array', items: { type: 'number' } }, k: { type: 'integer', minimum: 1, maximum: MAX_K } }, required: ['index', 'query'] },
  },
];

function stringArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw new McpError(ErrorCode.InvalidParams, `"${name}" must be a non-empty string.`);
  return value;
}

function toolJson(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value as Record<string, unknown> };
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function digestOfText(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function promptMeta(prompt: PromptState): Record<string, unknown> {
  return { [`${META}/version`]: prompt.version ?? null, [`${META}/digest`]: digestOfText(prompt.template) };
}

function resourceMeta(resource: ResourceState): Record<string, unknown> {
  return { [`${META}/digest`]: digestOfText(resource.text) };
}

function generationMeta(generation: Generation): Record<string, unknown> {
  return { [`${META}/generation`]: generation.number, [`${META}/serial`]: generation.serial };
}

function promptInfo(prompt: PromptState): Record<string, unknown> {
  return {
    name: prompt.name,
    ...(prompt.title !== undefined ? { title: prompt.title } : {}),
    description: prompt.description ?? prompt.title ?? `Prompt ${prompt.name}${prompt.version ? ` ${prompt.version}` : ''}`,
    arguments: prompt.arguments.map((a) => ({ name: a.name, ...(a.description !== undefined ? { description: a.description } : {}), required: a.required })),
    _meta: promptMeta(prompt),
  };
}

function resourceInfo(resource: ResourceState): { uri: string; name: string; title?: string; description: string; mimeType?: string; _meta: Record<string, unknown> } {
  return {
    uri: resource.uri,
    name: resource.name,
    ...(resource.title !== undefined ? { title: resource.title } : {}),
    description: resource.description ?? resource.title ?? resource.name,
    ...(resource.mimeType !== undefined ? { mimeType: resource.mimeType } : {}),
    _meta: resourceMeta(resource),
  };
}

function adaptersText(generation: Generation): string {
  return JSON.stringify(
    [...generation.adapters.values()].map((a) => ({
      name: a.name,
      version: a.version ?? null,
      baseModel: a.baseModel,
      digest: a.digest,
      rank: a.rank,
      targetModules: a.targetModules,
      status: 'active',
      baseModelServed: generation.models.has(a.baseModel.replace(/^model:/, '').replace(/@.*$/, '')),
      generation: generation.number,
    })),
  );
}

function samePrompt(a: PromptState, b: PromptState): boolean {
  return a.version === b.version && a.template === b.template && a.title === b.title && a.description === b.description && JSON.stringify(a.arguments) === JSON.stringify(b.arguments);
}

function sameMap<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, same: (x: V, y: V) => boolean): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (other === undefined || !same(value, other)) return false;
  }
  return true;
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MCP_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function jsonRpcError(response: ServerResponse, status: number, code: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
