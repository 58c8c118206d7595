/**
 * `reloadctl dry-run` exporting its spans over OTLP/HTTP through the OpenTelemetry exporter, to a
 * real HTTP server on 127.0.0.1 acting as the collector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceData } from '../../core/tracing/model';
import { fromOtlpJson } from '../../core/tracing/otlp';
import { reloadctlAsync } from '../support/cli';

interface Received {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `held`: 200, but only once the next request has come in; `bad`: 400, which is not retried. */
type Answer = 'ok' | 'unavailable' | 'hang' | 'held' | 'bad';

interface Collector {
  base: string;
  received: Received[];
  close(): Promise<void>;
}

/** Answers by arrival: the first request gets the first answer, and so on; the last repeats. */
const inTurn =
  (...answers: Answer[]) =>
  (_request: Received, index: number): Answer =>
    answers[Math.min(index, answers.length - 1)];

/** A collector answering each request as `answer` says. */
async function startCollector(answer: (request: Received, index: number) => Answer): Promise<Collector> {
  const received: Received[] = [];
  const held: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      received.push(request);
      for (const release of held.splice(0)) release();
      const ok = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      switch (answer(request, received.length - 1)) {
        case 'ok':
          return ok();
        case 'held':
          return void held.push(ok);
        case 'unavailable':
          return void res.writeHead(503).end('busy');
        case 'bad':
          return void res.writeHead(400).end('no');
        case 'hang':
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on: one just closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Span ids, parent ids and names, sorted: what must reach the collector. */
const shape = (trace: TraceData): string[] => trace.spans.map((s) => `${s.spanId} ${s.parentSpanId ?? '-'} ${s.name}`).sort();

const NO_OTEL_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_EXPORTER_OTLP_HEADERS: '', OTEL_EXPORTER_OTLP_TRACES_HEADERS: '' };

test('dry-run sends its spans to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces with OTEL_EXPORTER_OTLP_HEADERS', { timeout: 60_000 }, async () => {
  const collector = await startCollector(inTurn('ok'));
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-otlp-'));
  try {
    const traceOut = join(dir, 'trace.json');
    const run = await reloadctlAsync(['dry-run', 'examples/sentiment.reload.json', '--trace-out', traceOut], {
      ...NO_OTEL_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.base,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=blue',
    });
    assert.deepEqual([run.code, run.stderr], [0, '']);
    assert.ok(collector.received.length >= 1);
    const exported: TraceData = { resource: {}, scope: { name: '' }, spans: [] };
    for (const request of collector.received) {
      assert.deepEqual(
        [request.method, request.url, request.headers['content-type'], request.headers.authorization, request.headers['x-tenant']],
        ['POST', '/v1/traces', 'application/json', 'Bearer abc', 'blue'],
      );
      const trace = fromOtlpJson(JSON.parse(request.body));
      assert.equal(trace.resource['service.name'], 'reloadctl');
      exported.spans.push(...trace.spans);
    }
    const written = fromOtlpJson(JSON.parse(readFileSync(traceOut, 'utf8')));
    assert.equal(exported.spans.length, 10);
    assert.deepEqual(shape(exported), shape(written));
    const root = exported.spans.find((s) => s.name === 'reload.dryRun');
    assert.equal(root?.parentSpanId, undefined);
    assert.ok(exported.spans.filter((s) => s !== root).every((s) => s.parentSpanId === root?.spanId));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await collector.close();
  }
});

test('--otlp-endpoint names the collector; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is', { timeout: 60_000 }, async () => {
  const collector = await startCollector(inTurn('ok'));
  try {
    const flag = await reloadctlAsync(['dry-run', 'examples/flags-and-config.reload.json', '--otlp-endpoint', `${collector.base}/`], {
      ...NO_OTEL_ENV,
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=k1',
    });
    assert.deepEqual([flag.code, flag.stderr], [0, '']);
    const traces = await reloadctlAsync(['dry-run', 'examples/flags-and-config.reload.json'], { ...NO_OTEL_ENV, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.base}/custom/traces` });
    assert.deepEqual([traces.code, traces.stderr], [0, '']);
    assert.deepEqual(
      collector.received.map((r) => [r.url, r.headers['x-api-key']]),
      [
        ['/v1/traces', 'k1'],
        ['/custom/traces', undefined],
      ],
    );
  } finally {
    await collector.close();
  }
});

test('a collector that answers 503 once gets the same spans again, and the run ends quietly', { timeout: 60_000 }, async () => {
  const collector = await startCollector(inTurn('unavailable', 'ok'));
  try {
    const run = await reloadctlAsync(['dry-run', 'examples/sentiment.reload.json'], { ...NO_OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.base });
    assert.deepEqual([run.code, run.stderr], [0, '']);
    assert.equal(collector.received.length, 2);
    assert.equal(collector.received[1].body, collector.received[0].body);
    assert.equal(fromOtlpJson(JSON.parse(collector.received[1].body)).spans.length, 10);
  } finally {
    await collector.close();
  }
});

test('a collector that never answers costs the exporter timeout, then a warning; the exit code is the run’s', { timeout: 60_000 }, async () => {
  const collector = await startCollector(inTurn('hang'));
  try {
    const started = performance.now();
    const run = await reloadctlAsync(['dry-run', 'examples/sentiment.reload.json'], { ...NO_OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.base, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    const seconds = (performance.now() - started) / 1000;
    assert.deepEqual([run.code, run.stderr], [0, `reloadctl: warning: trace not exported to ${collector.base}/v1/traces: Request timed out\n`]);
    assert.equal(collector.received.length, 1);
    // Well under the exporter's default 10 s timeout: the 1 s from the environment applied.
    assert.ok(seconds < 9, `took ${seconds.toFixed(1)} s`);
  } finally {
    await collector.close();
  }
});

test('an unreachable collector: a warning naming it, and a failed run still exits 1', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const run = await reloadctlAsync(['dry-run', 'test/fixtures/dry-run/digest-mismatch.reload.json'], {
    ...NO_OTEL_ENV,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
  });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `reloadctl: warning: trace not exported to http://127.0.0.1:${port}/v1/traces: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  assert.match(run.stdout, /Failed \(1 failed, 2 skipped\)/);
});

/** A dry run of `changes` Config changes: about one span per change. */
function manyChanges(dir: string, changes: number): string {
  const manifest = join(dir, 'many.reload.json');
  const list = Array.from({ length: changes }, (_, i) => ({ kind: 'Config', id: `config-${i}`, data: { limit: i } }));
  writeFileSync(manifest, JSON.stringify({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata: { name: 'many-configs', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 1 }, spec: { changes: list } }));
  return manifest;
}

test('a slow collector still gets every span of a 3,000-change run: none dropped from a full queue', { timeout: 60_000 }, async () => {
  // The first export is answered only when the next request arrives, which is the final flush:
  // every span after the first batch waits in the queue for the whole run.
  const collector = await startCollector(inTurn('held', 'ok'));
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-otlp-'));
  try {
    const run = await reloadctlAsync(['dry-run', manyChanges(dir, 3000), '--format', 'json'], { ...NO_OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.base });
    assert.deepEqual([run.code, run.stderr], [0, '']);
    const exported = collector.received.flatMap((r) => fromOtlpJson(JSON.parse(r.body)).spans);
    assert.equal(exported.length, 3004);
    assert.deepEqual(shape({ resource: {}, scope: { name: '' }, spans: exported }), shape(fromOtlpJson(JSON.parse(run.stdout).trace)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await collector.close();
  }
});

test('a batch refused during the run is reported even though the final flush succeeds', { timeout: 60_000 }, async () => {
  // The first batch (the first spans to end, reload.validate among them) goes out while the run
  // goes on; the collector refuses it for good and takes the batches of the final flush.
  const collector = await startCollector((request) => (request.body.includes('"reload.validate"') ? 'bad' : 'ok'));
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-otlp-'));
  try {
    const run = await reloadctlAsync(['dry-run', manyChanges(dir, 3000), '--format', 'json'], { ...NO_OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.base });
    assert.deepEqual([run.code, run.stderr], [0, `reloadctl: warning: trace not exported to ${collector.base}/v1/traces: the collector answered HTTP 400 (Bad Request)\n`]);
    const batches = collector.received.map((r) => fromOtlpJson(JSON.parse(r.body)).spans);
    const refused = batches.filter((spans) => spans.some((s) => s.name === 'reload.validate'));
    assert.equal(refused.length, 1);
    assert.ok(refused[0].length <= 512, `${refused[0].length} spans in the refused batch`);
    assert.equal(batches.flat().length, 3004);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await collector.close();
  }
});
