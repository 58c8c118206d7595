/**
 * The agent's HTTP API (DESIGN.md §6.2) on node:http: routing, the bearer token (compared in
 * constant time), Idempotency-Key, request limits, problem JSON (RFC 9457), server-sent events,
 * content-addressed blob uploads, Prometheus metrics and the Open Inference Protocol.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { messageOf } from '../core/errors';
import { API_PREFIX, FINAL_PHASES, PROBLEM_BASE, type ApplyEvent, type ProblemKind } from '../core/target/api';
import { ProblemError, type ReloadAgent } from './agent';
import { BlobError, DIGEST_PATTERN } from './blobs';
import type { Logger } from './log';
import type { AgentMetrics } from './metrics';
import type { McpService } from './mcp';
import { handleInference } from './oip';

/** A manifest (or envelope, or other JSON body) larger than this is refused with 413. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** The largest blob taken (`--max-blob-bytes`), whatever it declares. */
export const DEFAULT_MAX_BLOB_BYTES = 4 * 1024 * 1024 * 1024;
/** Longest Idempotency-Key taken. */
const MAX_KEY_LENGTH = 255;
/** A comment on idle event streams, so proxies and the socket timeout keep them open. */
const HEARTBEAT_MS = 15_000;

export interface HttpOptions {
  token?: string;
  mcp?: McpService;
  /** Connections held at once at most; past it new ones are closed at once (default: from the open-file limit). */
  maxConnections?: number;
  maxBlobBytes?: number;
  log: Logger;
  metrics: AgentMetrics;
}

const TITLES: Record<ProblemKind, string> = {
  unauthorized: 'Unauthorized',
  'invalid-manifest': 'Invalid manifest',
  'serial-regression': 'Serial not above the target\'s',
  'manifest-expired': 'Manifest expired',
  'idempotency-key-reuse': 'Idempotency-Key used with another payload',
  'idempotency-key-missing': 'Idempotency-Key missing',
  'payload-too-large': 'Payload too large',
  'untrusted-signer': 'Untrusted signer',
  'digest-mismatch': 'Digest mismatch',
  'apply-in-progress': 'Apply in progress',
  'not-found': 'Not found',
  'bad-request': 'Bad request',
  'method-not-allowed': 'Method not allowed',
  unavailable: 'Unavailable',
  'forbidden-host': 'Host not allowed',
};

export function createAgentServer(agent: ReloadAgent, options: HttpOptions): Server {
  const expected = options.token === undefined ? undefined : createHash('sha256').update(options.token).digest();
  const server = createServer((request, response) => {
    handle(agent, options, expected, request, response).catch((error: unknown) => {
      if (error instanceof ProblemError) {
        options.metrics.refusals.inc({ problem: error.kind });
        sendProblem(response, error);
        return;
      }
      options.log('error', 'request failed', { method: request.method, path: pathOf(request), error: messageOf(error) });
      if (!response.headersSent) sendProblem(response, new ProblemError('unavailable', 500, 'The agent failed to answer this request; its log says why.'));
      else response.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10 * 60_000;
  server.keepAliveTimeout = 5_000;
  // An idle socket (no bytes either way) for a minute is closed; event streams send heartbeats.
  server.timeout = 60_000;
  server.maxHeadersCount = 100;
  server.maxConnections = options.maxConnections ?? defaultMaxConnections();
  return server;
}

/** File descriptors kept for the state folder, blobs, artifacts and the model engine, whatever the clients hold. */
const RESERVED_FILES = 128;

/**
 * Connections held at most: the open-file limit less RESERVED_FILES (16 to 4096). Without a bound,
 * idle connections (anyone can open them: inference needs no token) take every descriptor and the
 * durable writes of a running apply fail with EMFILE.
 */
export function defaultMaxConnections(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return 1024;
    }
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  if (soft === undefined) return 1024;
  const limit = soft === 'unlimited' ? Infinity : Number(soft);
  return Math.max(16, Math.min(4096, limit - RESERVED_FILES));
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0];
}

async function handle(agent: ReloadAgent, options: HttpOptions, expected: Buffer | undefined, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = pathOf(request);
  const method = request.method ?? 'GET';
  if (path === '/metrics' && method === 'GET') {
    const text = await options.metrics.registry.metrics();
    response.writeHead(200, { 'Content-Type': options.metrics.registry.contentType });
    response.end(text);
    return;
  }
  if (path === '/mcp' && options.mcp) {
    // DNS rebinding: a page on another origin must not reach a local agent through the browser.
    if (!options.mcp.hostAllowed(request)) throw new ProblemError('forbidden-host', 403, 'The Host or Origin of this request is not this agent (DNS rebinding protection): use http://localhost or 127.0.0.1, or start the agent with --mcp-allow-host <name>.');
    authorize(request, expected);
    await options.mcp.handle(request, response);
    return;
  }
  if (path.startsWith('/v2/')) {
    await handleInference(agent, options.metrics, method, path, request, response);
    return;
  }
  if (!path.startsWith(`${API_PREFIX}/`)) throw new ProblemError('not-found', 404, `No such endpoint: ${method} ${path.slice(0, 200)}. The API is under ${API_PREFIX}/ (DESIGN.md §6.2).`);
  authorize(request, expected);
  const route = path.slice(API_PREFIX.length);
  const traceparent = header(request, 'traceparent');

  if (route === '/status') return get(method, () => sendJson(response, 200, agent.status()));
  if (route === '/history') {
    if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, 'GET');
    sendJson(response, 200, await agent.history());
    return;
  }
  if (route === '/applies' || route === '/rollbacks' || route === '/plans') {
    if (method !== 'POST') throw notAllowed(method, 'POST');
    const key = idempotencyKey(request);
    const body = await readBody(request, MAX_BODY_BYTES);
    if (route === '/plans') {
      sendJson(response, 200, await agent.plan(body, key, traceparent));
      return;
    }
    const admitted = route === '/applies' ? await agent.admitApply(body, key, traceparent) : await agent.admitRollback(body, key, traceparent);
    const headers: Record<string, string> = { Location: `${API_PREFIX}/applies/${admitted.status.id}` };
    if (admitted.replayed) headers['Idempotent-Replayed'] = 'true';
    sendJson(response, 202, admitted.status, headers);
    return;
  }
  const apply = /^\/applies\/([0-9a-f-]{36})(\/events)?$/.exec(route);
  if (apply) {
    if (method !== 'GET') throw notAllowed(method, 'GET');
    const status = await agent.applyStatus(apply[1]);
    if (!status) throw new ProblemError('not-found', 404, `No apply ${apply[1]} on this target.`);
    if (!apply[2]) {
      sendJson(response, 200, status);
      return;
    }
    streamEvents(agent, apply[1], status, request, response);
    return;
  }
  const blob = /^\/blobs\/(sha256:[0-9a-f]{64})$/.exec(route);
  if (blob) {
    await handleBlob(agent, options, blob[1], method, request, response);
    return;
  }
  if (route.startsWith('/blobs/')) throw new ProblemError('bad-request', 400, 'Blobs are named by their digest: /reload/v1/blobs/sha256:<64 lowercase hex>.');
  throw new ProblemError('not-found', 404, `No such endpoint: ${method} ${path.slice(0, 200)}.`);
}

function get(method: string, run: () => void): void {
  if (method !== 'GET' && method !== 'HEAD') throw notAllowed(method, 'GET');
  run();
}

function notAllowed(method: string, allowed: string): ProblemError {
  return new ProblemError('method-not-allowed', 405, `${method.slice(0, 20)} is not allowed here: use ${allowed}.`, {}, { Allow: allowed });
}

/** Bearer token check: both sides hashed to equal length, then compared in constant time. */
function authorize(request: IncomingMessage, expected: Buffer | undefined): void {
  if (!expected) return;
  const value = header(request, 'authorization') ?? '';
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
  const given = createHash('sha256').update(match ? match[1] : '').digest();
  if (!match || !timingSafeEqual(given, expected)) {
    throw new ProblemError('unauthorized', 401, match ? 'The bearer token is not this agent\'s: check the token (reloadctl --token-file or RELOAD_TOKEN; in VS Code, Set Target Token).' : 'This agent needs "Authorization: Bearer <token>": pass --token-file or RELOAD_TOKEN to reloadctl, or set the target\'s token in VS Code.', {}, { 'WWW-Authenticate': 'Bearer realm="reload-agent"' });
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `Idempotency-Key`: a quoted or bare string (draft-ietf-httpapi-idempotency-key-header). */
function idempotencyKey(request: IncomingMessage): string {
  const raw = header(request, 'idempotency-key');
  if (raw === undefined || raw.trim() === '') throw new ProblemError('idempotency-key-missing', 400, 'POST requests need an Idempotency-Key header (a unique string per request; retries of one request reuse it).');
  let key = raw.trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (key === '' || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) throw new ProblemError('bad-request', 400, `The Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters.`);
  return key;
}

/**
 * Reads a body up to `limit` bytes. A larger one (declared or actual) is refused with 413; its
 * bytes are read and dropped up to DISCARD_BYTES so that the client, still sending, gets the
 * answer rather than a reset connection; past that the connection is closed.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(header(request, 'content-length'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = Number.isFinite(declared) && declared > limit;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) refused = true;
      if (!refused) chunks.push(chunk);
      else if (size > DISCARD_BYTES) {
        reject(tooLarge(limit));
        request.destroy();
      }
    });
    request.on('end', () => (refused ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** Bytes of a refused body read and dropped before the answer. */
const DISCARD_BYTES = 64 * 1024 * 1024;

function tooLarge(limit: number): ProblemError {
  return new ProblemError('payload-too-large', 413, `The body is over ${limit} bytes: a manifest must be at most ${limit} bytes (upload artifacts as blobs: PUT ${API_PREFIX}/blobs/sha256:<hex>).`);
}

async function handleBlob(agent: ReloadAgent, options: HttpOptions, digest: string, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!DIGEST_PATTERN.test(digest)) throw new ProblemError('bad-request', 400, 'Not a sha256 digest.');
  if (method === 'HEAD' || method === 'GET') {
    response.writeHead(agent.blobs.has(digest) ? 200 : 404, { 'Docker-Content-Digest': digest });
    response.end();
    return;
  }
  if (method !== 'PUT') throw notAllowed(method, 'HEAD, PUT');
  const declared = header(request, 'content-length');
  if (declared === undefined || !/^[0-9]{1,16}$/.test(declared)) throw new ProblemError('bad-request', 400, 'A blob upload needs a Content-Length: the agent takes exactly the bytes declared.');
  const size = Number(declared);
  const max = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  if (size > max) {
    request.resume();
    throw new ProblemError('payload-too-large', 413, `The blob is ${size} bytes, more than the ${max} this agent takes (--max-blob-bytes).`);
  }
  try {
    const created = await agent.blobs.put(digest, request, size, size);
    response.writeHead(created ? 201 : 200, { Location: `${API_PREFIX}/blobs/${digest}`, 'Docker-Content-Digest': digest });
    response.end();
  } catch (error) {
    request.resume();
    if (error instanceof BlobError) {
      const kind = error.kind === 'digest-mismatch' ? 'digest-mismatch' : error.kind === 'payload-too-large' ? 'payload-too-large' : 'bad-request';
      throw new ProblemError(kind, kind === 'payload-too-large' ? 413 : kind === 'digest-mismatch' ? 422 : 400, `The blob was not stored: ${error.message}.`);
    }
    throw error;
  }
}

/** `GET /applies/{id}/events`: `phase` and `change` events while it runs, then `result`, then the stream ends. */
function streamEvents(agent: ReloadAgent, id: string, status: Awaited<ReturnType<ReloadAgent['applyStatus']>> & object, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  const send = (event: ApplyEvent): void => {
    response.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
  };
  if (FINAL_PHASES.has(status.phase)) {
    send({ event: 'result', data: status });
    response.end();
    return;
  }
  const unsubscribe = agent.subscribe(id, (event) => {
    send(event);
    if (event.event === 'result') finish();
  });
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const finish = (): void => {
    clearInterval(heartbeat);
    unsubscribe?.();
    response.end();
  };
  if (!unsubscribe) {
    // It ended between the lookup and the subscription.
    void agent.applyStatus(id).then((ended) => {
      if (ended) send({ event: 'result', data: ended });
      finish();
    });
    return;
  }
  send({ event: 'phase', data: { phase: status.phase } });
  request.on('close', finish);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  response.end(text);
}

function sendProblem(response: ServerResponse, problem: ProblemError): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = { type: `${PROBLEM_BASE}${problem.kind}`, title: TITLES[problem.kind], status: problem.status, detail: problem.detail, ...problem.extra };
  const text = JSON.stringify(body);
  // A refused upload's remaining bytes are not read: the connection closes after the answer.
  response.writeHead(problem.status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(text), ...problem.headers, ...(problem.status === 413 ? { Connection: 'close' } : {}) });
  response.end(text);
}
