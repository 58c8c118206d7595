/**
 * A client of one reload agent (DESIGN.md §6.2), over an injected `fetch` (core does no I/O of
 * its own): the CLI and the VS Code extension both use it. Every request has a timeout; requests
 * that may be repeated (all but a refused POST) are retried on network errors and 502/503/504
 * with backoff, and a POST is retried with the same Idempotency-Key, so the agent runs it once
 * and answers each retry with the first result. Following an apply reconnects its event stream
 * when the connection drops, and asks for the status when the stream cannot be had.
 */
import { API_PREFIX, FINAL_PHASES, problemKind, type ApplyEvent, type ApplyStatus, type HistoryEntry, type PlanResult, type Problem, type ProblemKind, type RollbackRequest, type TargetStatus } from './api';

export type Fetch = (input: string, init: RequestInit & { duplex?: 'half' }) => Promise<Response>;

export interface TargetClientOptions {
  /** The agent's base URL, e.g. http://127.0.0.1:7070. */
  url: string;
  token?: string;
  fetch: Fetch;
  /** Per request, until the response headers (default 30 s); event streams: longest silence (default 45 s). */
  timeoutMs?: number;
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First backoff; doubles per attempt, with jitter (default 200 ms). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What went wrong talking to a target: its refusal (a problem), the network, or an answer that is not the API's. */
export class TargetError extends Error {
  constructor(
    readonly reason: 'problem' | 'network' | 'protocol',
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = 'TargetError';
  }

  get kind(): ProblemKind | undefined {
    return this.problem ? problemKind(this.problem) : undefined;
  }
}

export interface PostOptions {
  /** The Idempotency-Key: one per logical request, the same for its retries. */
  key: string;
  traceparent?: string;
  signal?: AbortSignal;
}

const RETRY_STATUS = new Set([502, 503, 504]);
/** Largest event on an event stream (a result carries the apply's spans). */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export class TargetClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TargetClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 5;
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get url(): string {
    return this.base;
  }

  status(signal?: AbortSignal): Promise<TargetStatus> {
    return this.json<TargetStatus>('GET', '/status', { signal });
  }

  history(signal?: AbortSignal): Promise<HistoryEntry[]> {
    return this.json<HistoryEntry[]>('GET', '/history', { signal });
  }

  applyStatus(id: string, signal?: AbortSignal): Promise<ApplyStatus> {
    return this.json<ApplyStatus>('GET', `/applies/${encodeURIComponent(id)}`, { signal });
  }

  plan(body: string, options: PostOptions): Promise<PlanResult> {
    return this.json<PlanResult>('POST', '/plans', { body, ...options });
  }

  /** Starts an apply; resolves once the agent took it (202), with its first status. */
  async startApply(body: string, options: PostOptions): Promise<{ status: ApplyStatus; replayed: boolean }> {
    const response = await this.request('POST', '/applies', { body, ...options });
    return { status: (await this.read(response)) as ApplyStatus, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }

  async startRollback(to: RollbackRequest['to'], options: PostOptions): Promise<{ status: ApplyStatus; replayed: boolean }> {
    const response = await this.request('POST', '/rollbacks', { body: JSON.stringify({ to }), ...options });
    return { status: (await this.read(response)) as ApplyStatus, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }

  /** Whether the agent has the blob (HEAD). */
  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.request('HEAD', `/blobs/${digest}`, { signal, accept: [200, 404] });
    return response.status === 200;
  }

  /** Uploads a blob; `body` is called again for each attempt. */
  async putBlob(digest: string, size: number, body: () => AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const response = await this.request('PUT', `/blobs/${digest}`, { stream: body, size, signal });
    await response.arrayBuffer().catch(() => undefined);
  }

  /**
   * Follows an apply to its end through its event stream; `onEvent` sees each event. A dropped
   * stream is opened again (the agent runs on regardless); the result is the apply's last status.
   */
  async follow(id: string, onEvent: (event: ApplyEvent) => void = () => undefined, signal?: AbortSignal): Promise<ApplyStatus> {
    let failures = 0;
    for (;;) {
      try {
        const result = await this.streamOnce(id, onEvent, signal);
        if (result) return result;
        failures = 0;
      } catch (error) {
        if (signal?.aborted || (error instanceof TargetError && error.reason !== 'network')) throw error;
        if (++failures > this.retries) throw error;
        await this.sleep(this.backoff(failures));
      }
      // The stream ended without a result (or broke): the status says whether it ended meanwhile.
      const status = await this.applyStatus(id, signal);
      if (FINAL_PHASES.has(status.phase)) return status;
    }
  }

  private async streamOnce(id: string, onEvent: (event: ApplyEvent) => void, signal?: AbortSignal): Promise<ApplyStatus | undefined> {
    const response = await this.request('GET', `/applies/${encodeURIComponent(id)}/events`, { signal, noRetry: true, stream: undefined, streamResponse: true });
    if (!response.body) throw new TargetError('protocol', `${this.base} sent no event stream.`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let scanned = 0;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => void reader.cancel(new Error('the event stream went silent')).catch(() => undefined), this.timeoutMs + 15_000);
    };
    try {
      armIdle();
      for (;;) {
        let chunk;
        try {
          chunk = await reader.read();
        } catch (error) {
          throw new TargetError('network', `The event stream from ${this.base} broke: ${messageOf(error)}.`);
        }
        if (chunk.done) return undefined;
        armIdle();
        buffer += decoder.decode(chunk.value, { stream: true });
        if (buffer.length > MAX_EVENT_BYTES) throw new TargetError('protocol', `${this.base} sent an event over ${MAX_EVENT_BYTES} bytes.`);
        // Only the new bytes (and the one before them) are searched: a large event in many chunks stays linear.
        let end: number;
        while ((end = buffer.indexOf('\n\n', scanned)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          scanned = 0;
          const event = parseEvent(block);
          if (!event) continue;
          onEvent(event);
          if (event.event === 'result') return event.data;
        }
        scanned = Math.max(0, buffer.length - 1);
      }
    } finally {
      clearTimeout(idle);
      await reader.cancel().catch(() => undefined);
    }
  }

  private async json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    return (await this.read(await this.request(method, path, options))) as T;
  }

  private async read(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new TargetError('protocol', `${this.base} answered HTTP ${response.status} with a body that is not JSON: is it a reload agent?`);
    }
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const accept = options.accept ?? [200, 201, 202];
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { Accept: options.streamResponse ? 'text/event-stream' : 'application/json' };
      if (this.options.token !== undefined) headers.Authorization = `Bearer ${this.options.token}`;
      if (options.key !== undefined) headers['Idempotency-Key'] = JSON.stringify(options.key);
      if (options.traceparent !== undefined) headers.traceparent = options.traceparent;
      let body: RequestInit['body'];
      if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = options.body;
      } else if (options.stream) {
        headers['Content-Type'] = 'application/octet-stream';
        headers['Content-Length'] = String(options.size);
        body = toReadableStream(options.stream());
      }
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await this.options.fetch(`${this.base}${API_PREFIX}${path}`, { method, headers, body, signal: options.streamResponse ? options.signal : signal, duplex: body instanceof ReadableStream ? 'half' : undefined });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new TargetError('network', 'Cancelled.');
        const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : messageOf(error);
        if (attempt < this.retries && !options.noRetry) {
          await this.sleep(this.backoff(attempt + 1));
          continue;
        }
        throw new TargetError('network', `Cannot reach the agent at ${this.base}: ${reason}. Check that it runs and the URL is right.`);
      }
      if (accept.includes(response.status)) return response;
      if (RETRY_STATUS.has(response.status) && attempt < this.retries && !options.noRetry) {
        await response.arrayBuffer().catch(() => undefined);
        const after = Number(response.headers.get('retry-after'));
        await this.sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : this.backoff(attempt + 1));
        continue;
      }
      throw await this.refusal(response);
    }
  }

  private async refusal(response: Response): Promise<TargetError> {
    const text = await response.text().catch(() => '');
    let problem: Problem | undefined;
    try {
      const parsed = JSON.parse(text) as Problem;
      if (typeof parsed?.type === 'string' && typeof parsed.detail === 'string') problem = parsed;
    } catch {
      // Not problem JSON: said below.
    }
    if (!problem) return new TargetError('protocol', `${this.base} answered HTTP ${response.status} without a problem description: is it a reload agent?`);
    const retryAfter = response.headers.get('retry-after');
    const after = retryAfter ? ` (retry after ${retryAfter} s)` : '';
    return new TargetError('problem', `${problem.detail}${after}`, problem);
  }

  private backoff(attempt: number): number {
    const base = this.backoffMs * 2 ** Math.min(attempt - 1, 6);
    return base / 2 + Math.random() * (base / 2);
  }
}

interface RequestOptions {
  body?: string;
  stream?: () => AsyncIterable<Uint8Array>;
  size?: number;
  key?: string;
  traceparent?: string;
  signal?: AbortSignal;
  accept?: number[];
  noRetry?: boolean;
  /** The response is a stream read for long: no timeout on the whole request. */
  streamResponse?: boolean;
}

function parseEvent(block: string): ApplyEvent | undefined {
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 || (name !== 'phase' && name !== 'change' && name !== 'result')) return undefined;
  try {
    return { event: name, data: JSON.parse(data.join('\n')) } as ApplyEvent;
  } catch {
    return undefined;
  }
}

function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
