/**
 * http(s) artifact fetches on node:http and node:https, with what a broken or hostile server
 * calls for: a deadline for the response headers, an idle timeout while the body flows, a total
 * timeout, a byte cap that closes the connection (announced by Content-Length or received), and a
 * few redirects between http and https only. Not the global fetch: its timeouts cannot be set per
 * phase. Messages say what happened and what to do; they never quote the response.
 */
import { request as httpRequest, STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ReloadStepError, ResponseTooLargeError } from '../core/errors';
import type { FetchedArtifact, FetchRequest } from '../core/runtime/artifactSource';

export interface HttpFetchLimits {
  /** From opening a connection until its response headers arrive, per request (default 10 s). */
  connectTimeoutMs: number;
  /** Longest wait for more body bytes (default 30 s). */
  idleTimeoutMs: number;
  /** The whole fetch: redirects, headers and body (default 10 min). */
  totalTimeoutMs: number;
  /** Redirects followed, each to an http: or https: URL (default 5). */
  maxRedirects: number;
  /**
   * Decides every URL requested, the first and each redirect's (the agent's --allow-url list);
   * returns why a URL is refused, or undefined to fetch it. Default: all are allowed.
   */
  allow?: (url: URL) => string | undefined;
}

export const DEFAULT_HTTP_FETCH_LIMITS: HttpFetchLimits = { connectTimeoutMs: 10_000, idleTimeoutMs: 30_000, totalTimeoutMs: 600_000, maxRedirects: 5 };

export type HttpFetcher = (url: string, request: FetchRequest) => Promise<FetchedArtifact>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const failure = (message: string): ReloadStepError => new ReloadStepError('ArtifactFetchFailed', message);

export function createHttpFetcher(overrides: Partial<HttpFetchLimits> = {}): HttpFetcher {
  const limits = { ...DEFAULT_HTTP_FETCH_LIMITS, ...overrides };
  return async (url, { signal, maxBytes }) => {
    const transfer = new Transfer(limits, signal);
    try {
      let target = new URL(url);
      for (let redirects = 0; ; redirects++) {
        const refused = limits.allow?.(target);
        if (refused !== undefined) throw failure(refused);
        const response = await transfer.request(target);
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          target = nextHop(target, response, redirects, limits.maxRedirects);
          continue;
        }
        if (status !== 200) throw failure(`the server answered HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}: check the URL and that the artifact is published.`);
        const contentLength = parseContentLength(response.headers['content-length']);
        if (contentLength !== undefined && contentLength > maxBytes) throw new ResponseTooLargeError(maxBytes, contentLength);
        return { contentLength, body: transfer.body(response, maxBytes, contentLength) };
      }
    } catch (e) {
      throw transfer.stop(e);
    }
  };
}

/** The URL a redirect leads to, when it may be followed. */
function nextHop(from: URL, response: IncomingMessage, redirects: number, maxRedirects: number): URL {
  const location = response.headers.location;
  if (location === undefined) throw failure(`the server answered HTTP ${response.statusCode} without a Location to redirect to.`);
  if (redirects >= maxRedirects) throw failure(`more than ${maxRedirects} redirects: fix the URL to name the artifact itself.`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw failure('the server redirected to an invalid URL.');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw failure(`the server redirected to a ${next.protocol} URL; only redirects to http: and https: are followed.`);
  return next;
}

function parseContentLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header)) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) ? length : undefined;
}

/** One fetch: its current request, its timers, and why it stopped. */
class Transfer {
  private current?: ClientRequest;
  private stopped = false;
  private reason: unknown;
  private readonly totalTimer: NodeJS.Timeout;
  private phaseTimer?: NodeJS.Timeout;

  constructor(
    private readonly limits: HttpFetchLimits,
    private readonly signal: AbortSignal,
  ) {
    this.totalTimer = setTimeout(() => this.stop(failure(`not finished within ${limits.totalTimeoutMs} ms: the server is too slow for the total timeout; try again later.`)), limits.totalTimeoutMs);
    if (signal.aborted) this.stop(signal.reason);
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => void this.stop(this.signal.reason);

  /**
   * Ends the transfer (closing its connection) for `reason`, unless it already stopped; returns
   * why it stopped, which is what a caller should throw.
   */
  stop(reason: unknown): unknown {
    if (!this.stopped) {
      this.stopped = true;
      this.reason = reason;
      clearTimeout(this.totalTimer);
      clearTimeout(this.phaseTimer);
      this.signal.removeEventListener('abort', this.onAbort);
      this.current?.destroy();
    }
    return this.reason;
  }

  /** Sends a GET and waits for its response headers, within the connect timeout. */
  async request(url: URL): Promise<IncomingMessage> {
    this.current?.destroy();
    if (this.stopped) throw this.reason;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { agent: false, headers: { 'accept-encoding': 'identity' } });
    this.current = request;
    this.arm(this.limits.connectTimeoutMs, `no response within ${this.limits.connectTimeoutMs} ms: check that the server is up and reachable.`);
    try {
      return await new Promise<IncomingMessage>((resolve, reject) => {
        request.on('response', resolve);
        // Stays attached: a reset after the headers surfaces through the body, not as an uncaught error.
        request.on('error', reject);
        request.end();
      });
    } catch (e) {
      throw this.stop(failure(`the connection failed (${describe(e)}): check the URL and the network.`));
    } finally {
      clearTimeout(this.phaseTimer);
    }
  }

  /** The body, each wait for bytes bounded by the idle timeout, the total bounded by `maxBytes`. */
  async *body(response: IncomingMessage, maxBytes: number, contentLength: number | undefined): AsyncGenerator<Uint8Array> {
    const chunks: AsyncIterator<Buffer> = response[Symbol.asyncIterator]();
    let received = 0;
    try {
      for (;;) {
        this.arm(this.limits.idleTimeoutMs, `no bytes for ${this.limits.idleTimeoutMs} ms (after ${received} bytes): the server stalled; try again later.`);
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (e) {
          const got = contentLength !== undefined ? `${received} of the ${contentLength} bytes announced (Content-Length)` : `${received} bytes`;
          throw this.stop(failure(`the connection closed (${describe(e)}) after ${got}: the transfer broke; try again.`));
        } finally {
          clearTimeout(this.phaseTimer);
        }
        if (this.stopped) throw this.reason;
        if (next.done) return;
        received += next.value.byteLength;
        if (received > maxBytes) throw this.stop(new ResponseTooLargeError(maxBytes));
        yield next.value;
      }
    } finally {
      this.stop(undefined);
    }
  }

  private arm(ms: number, message: string): void {
    clearTimeout(this.phaseTimer);
    this.phaseTimer = setTimeout(() => this.stop(failure(message)), ms);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
