import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReloadStepError, ResponseTooLargeError } from '../../core/errors';
import { stageArtifact, type StageOptions } from '../../core/runtime/stage';
import { nodeArtifactSource } from '../../node/fileHost';
import { createHttpFetcher, type HttpFetchLimits } from '../../node/httpFetch';
import { serve } from '../support/httpServer';
import { expectStepError, MiB, POINTER, sha256 } from '../support/staging';

const LIMITS: HttpFetchLimits = { connectTimeoutMs: 5_000, idleTimeoutMs: 5_000, totalTimeoutMs: 20_000, maxRedirects: 3 };

function stageUrl(url: string, artifact: { size?: number; digest?: string }, options: Partial<StageOptions> & { http?: Partial<HttpFetchLimits> } = {}): ReturnType<typeof stageArtifact> {
  const source = nodeArtifactSource(join(tmpdir(), 'x.reload.json'), { allowHttp: true, http: { ...LIMITS, ...options.http } });
  return stageArtifact(source, { uri: url, ...artifact }, { retain: true, pointer: POINTER, ...options });
}

/**
 * Writes `total` bytes as fast as the client takes them; resolves, once the connection closes,
 * with how many bytes the server had written by then.
 */
function sendUntilClosed(res: ServerResponse, total: number): Promise<number> {
  return new Promise((resolve) => {
    const block = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    res.on('close', () => resolve(written));
    const pump = (): void => {
      while (!res.destroyed && written < total) {
        written += block.length;
        if (!res.write(block)) return void res.once('drain', pump);
      }
      if (written >= total) res.end();
    };
    pump();
  });
}

/** Resolves when the server side of `res`'s connection has closed. */
const closed = (res: ServerResponse): Promise<void> => new Promise((resolve) => res.on('close', () => resolve()));

test('an http(s) artifact is hashed and kept exactly, with and without a declared size', { timeout: 10_000 }, async (t) => {
  const content = randomBytes(3 * MiB + 11);
  const { origin } = await serve(t, (req, res) => {
    if (req.url === '/sized') res.writeHead(200, { 'content-length': String(content.length) });
    else res.writeHead(200);
    res.end(content);
  });
  const sized = await stageUrl(`${origin}/sized`, { size: content.length, digest: sha256(content) });
  assert.deepEqual([sized.size, sized.digest, sized.location], [content.length, sha256(content), `${origin}/sized`]);
  assert.equal(Buffer.compare(Buffer.from(sized.bytes!), content), 0);
  const unsized = await stageUrl(`${origin}/chunked`, {});
  assert.equal(unsized.digest, sha256(content));
  assert.equal(Buffer.compare(Buffer.from(unsized.bytes!), content), 0);
});

test('a body longer than allowed is stopped at once: the server sees the connection close long before 100 MB', { timeout: 20_000 }, async (t) => {
  let sent: Promise<number> = Promise.resolve(0);
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200);
    sent = sendUntilClosed(res, 100 * MiB);
  });
  const fetched = await createHttpFetcher(LIMITS)(`${origin}/big`, { signal: new AbortController().signal, maxBytes: 1000 });
  let received = 0;
  const drain = async (): Promise<void> => {
    for await (const chunk of fetched.body) received += chunk.byteLength;
  };
  await assert.rejects(drain(), (error) => error instanceof ResponseTooLargeError && error.maxBytes === 1000 && error.announcedBytes === undefined);
  assert.ok(received <= 1000, `${received} bytes passed on`);
  const written = await sent;
  assert.ok(written < 16 * MiB, `the server wrote ${written} bytes before the connection closed`);

  await assert.rejects(
    stageUrl(`${origin}/big`, { size: 1000 }),
    expectStepError('SizeMismatch', `${origin}/big: more than the 1000 bytes allowed arrived; the transfer was stopped; the manifest says 1000 bytes. Pin the new size and digest only if the change is intended.`, `${POINTER}/size`),
  );
  await assert.rejects(
    stageUrl(`${origin}/big`, {}, { retain: false, maxUnsizedFetchBytes: 5000 }),
    expectStepError('ArtifactTooLarge', `${origin}/big: more than the 5000 bytes allowed arrived; the transfer was stopped. Declare the artifact's size in the manifest (without one, at most 5000 bytes are fetched).`, `${POINTER}/uri`),
  );
});

test('a Content-Length over the declared size is refused before the body is read', { timeout: 10_000 }, async (t) => {
  let serverClosed: Promise<void> = Promise.resolve();
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-length': String(100 * MiB) });
    res.flushHeaders();
    serverClosed = closed(res);
  });
  await assert.rejects(
    stageUrl(`${origin}/announced`, { size: 1000 }),
    expectStepError('SizeMismatch', `${origin}/announced: the server announced ${100 * MiB} bytes (Content-Length), more than the 1000 allowed; the manifest says 1000 bytes. Pin the new size and digest only if the change is intended.`, `${POINTER}/size`),
  );
  await serverClosed;
});

test('a short body is an error that says what arrived', { timeout: 10_000 }, async (t) => {
  const { origin } = await serve(t, (req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(500), () => res.socket?.end());
    } else {
      res.writeHead(200);
      res.end(Buffer.alloc(500));
    }
  });
  await assert.rejects(
    stageUrl(`${origin}/cut`, {}),
    expectStepError('ArtifactFetchFailed', `${origin}/cut: the connection closed (ECONNRESET) after 500 of the 1000 bytes announced (Content-Length): the transfer broke; try again.`, `${POINTER}/uri`),
  );
  await assert.rejects(stageUrl(`${origin}/ended`, { size: 1000 }), expectStepError('SizeMismatch', `${origin}/ended is 500 bytes, the manifest says 1000.`, `${POINTER}/size`));
});

test('a server that never answers hits the connect timeout', { timeout: 10_000 }, async (t) => {
  const { origin } = await serve(t, () => undefined);
  const started = performance.now();
  await assert.rejects(
    stageUrl(`${origin}/silent`, {}, { http: { connectTimeoutMs: 200 } }),
    expectStepError('ArtifactFetchFailed', `${origin}/silent: no response within 200 ms: check that the server is up and reachable.`, `${POINTER}/uri`),
  );
  assert.ok(performance.now() - started < 3_000);
});

test('a server that stalls after the headers hits the idle timeout', { timeout: 10_000 }, async (t) => {
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.write('0123456789');
  });
  await assert.rejects(
    stageUrl(`${origin}/stall`, {}, { http: { idleTimeoutMs: 200 } }),
    expectStepError('ArtifactFetchFailed', `${origin}/stall: no bytes for 200 ms (after 10 bytes): the server stalled; try again later.`, `${POINTER}/uri`),
  );
});

test('a slow drip that never stalls hits the total timeout', { timeout: 10_000 }, async (t) => {
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200);
    const drip = setInterval(() => res.write('x'), 20);
    res.on('close', () => clearInterval(drip));
  });
  await assert.rejects(
    stageUrl(`${origin}/drip`, {}, { http: { idleTimeoutMs: 200, totalTimeoutMs: 600 } }),
    expectStepError('ArtifactFetchFailed', `${origin}/drip: not finished within 600 ms: the server is too slow for the total timeout; try again later.`, `${POINTER}/uri`),
  );
});

test('redirects are followed a few times only', { timeout: 10_000 }, async (t) => {
  let hits = 0;
  const { origin } = await serve(t, (req, res) => {
    hits++;
    if (req.url === '/start') res.writeHead(302, { location: '/model.bin' }).end();
    else if (req.url === '/model.bin') res.writeHead(200).end('weights');
    else res.writeHead(307, { location: req.url }).end();
  });
  assert.equal((await stageUrl(`${origin}/start`, { size: 7 })).digest, sha256(Buffer.from('weights')));
  hits = 0;
  await assert.rejects(stageUrl(`${origin}/loop`, {}), expectStepError('ArtifactFetchFailed', `${origin}/loop: more than 3 redirects: fix the URL to name the artifact itself.`, `${POINTER}/uri`));
  assert.equal(hits, 4);
});

test('an HTTP error status is reported without the response body', { timeout: 10_000 }, async (t) => {
  const { origin } = await serve(t, (_req, res) => res.writeHead(404, 'Gone, see secret-token-1234').end('secret-token-1234 <html>…</html>'));
  await assert.rejects(
    stageUrl(`${origin}/missing`, {}),
    expectStepError('ArtifactFetchFailed', `${origin}/missing: the server answered HTTP 404 Not Found: check the URL and that the artifact is published.`, `${POINTER}/uri`),
  );
});

test('aborting stops a trickling fetch promptly with the signal reason and closes the connection', { timeout: 10_000 }, async (t) => {
  let serverClosed: Promise<void> = Promise.resolve();
  const { origin } = await serve(t, (_req, res) => {
    res.writeHead(200);
    const drip = setInterval(() => res.write('x'), 20);
    serverClosed = closed(res).then(() => clearInterval(drip));
  });
  const controller = new AbortController();
  const deadline = new ReloadStepError('DeadlineExceeded', 'Activation deadline of 200 ms passed.', '/spec/activation/deadline');
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    controller.abort(deadline);
  }, 200);
  await assert.rejects(stageUrl(`${origin}/trickle`, {}, { signal: controller.signal }), (error) => error === deadline);
  assert.ok(performance.now() - abortedAt < 1_000, `rejected ${performance.now() - abortedAt} ms after the abort`);
  await serverClosed;
});
