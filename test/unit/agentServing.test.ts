/**
 * The reload agent as a server: plans, the activation deadline, the http(s) allowlist, inline
 * config schemas from the network, OTLP export and log lines that carry trace ids, Open
 * Inference Protocol metadata and metrics, rollbacks by serial, and a graceful SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { reloadctlAsync } from '../support/cli';
import { agentRequest, startAgentProcess, waitForApply, type AgentProcess } from '../support/agentProcess';
import { agentWorkspace, reloadManifest } from '../support/agentManifests';
import { serve, slowArtifact } from '../support/httpServer';

const TIMEOUT = { timeout: 90_000 };

function stateDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function applyAndWait(agent: AgentProcess, text: string, key: string, headers: Record<string, string> = {}): Promise<any> {
  const started = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: text, headers: { 'Idempotency-Key': key, ...headers } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return waitForApply(agent.url, started.body.id);
}

test('a plan shows what would change on the target, runs the dry run beside the active generation, and changes nothing', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--artifact-root', ws] });
  assert.equal((await applyAndWait(agent, reloadManifest(ws, { serial: 1, version: '2.0.0' }), 'first')).phase, 'Succeeded');
  const plan = await agentRequest(agent.url, '/reload/v1/plans', { method: 'POST', body: reloadManifest(ws, { serial: 2, probe: { expect: 'ok' } }), headers: { 'Idempotency-Key': 'plan-1' } });
  assert.equal(plan.status, 200);
  assert.deepEqual(plan.body.target, { serial: 1, generation: 1 });
  assert.equal(plan.body.applicable, true);
  assert.equal(plan.body.outcome, 'Succeeded');
  assert.deepEqual(plan.body.changes.map((c: any) => [c.ref, c.action, c.from?.version, c.to.version, c.dryRun.status]), [
    ['model:sentiment', 'update', '2.0.0', '2.1.0', 'activated'],
    ['config:marker', 'update', undefined, undefined, 'activated'],
    ['flagset:release', 'update', undefined, undefined, 'activated'],
  ]);
  assert.ok(plan.body.spans.resourceSpans[0].scopeSpans[0].spans.some((s: any) => s.name === 'reload.dryRun'));
  // Nothing changed: the active model still serves, and a stale serial would be refused.
  const status = (await agentRequest(agent.url, '/reload/v1/status')).body;
  assert.equal(status.active.models.sentiment.version, '2.0.0');
  assert.equal(status.generation, 1);
  const infer = await agentRequest(agent.url, '/v2/models/sentiment/infer', { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4] }] }) });
  assert.equal(infer.body.model_version, '2.0.0');
  // What the target already serves is planned as unchanged: the same model digest and version, the same config data.
  const same = await agentRequest(agent.url, '/reload/v1/plans', { method: 'POST', body: reloadManifest(ws, { serial: 2, version: '2.0.0', marker: 1 }), headers: { 'Idempotency-Key': 'plan-same' } });
  assert.deepEqual(same.body.changes.map((c: any) => [c.ref, c.action]), [['model:sentiment', 'unchanged'], ['config:marker', 'unchanged'], ['flagset:release', 'update']]);
  const stale = await agentRequest(agent.url, '/reload/v1/plans', { method: 'POST', body: reloadManifest(ws, { serial: 1 }), headers: { 'Idempotency-Key': 'plan-2' } });
  assert.equal(stale.body.applicable, false);
  assert.equal(stale.body.refusal.kind, 'serial-regression');
  assert.deepEqual((await agentRequest(agent.url, '/reload/v1/history')).body.map((h: any) => h.serial), [1]);
});

test('the activation deadline aborts a slow staging; an artifact URL off the allowlist is refused; a remote $ref in an inline schema is refused', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const bytes = readFileSync(join(ws, 'models', 'sentiment-2.1.0.onnx'));
  const slow = await serve(t, (_request, response) => {
    response.writeHead(200, { 'Content-Length': bytes.length });
    response.write(bytes.subarray(0, 10)); // …and never the rest.
  });
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--allow-url', `${slow.origin}/allowed/`, '--artifact-root', ws] });
  const slowManifest = JSON.parse(reloadManifest(ws, { serial: 1 }));
  slowManifest.spec.changes[0].artifact.uri = `${slow.origin}/allowed/sentiment.onnx`;
  slowManifest.spec.activation = { deadline: 'PT1S' };
  const started = performance.now();
  const late = await applyAndWait(agent, JSON.stringify(slowManifest), 'late');
  assert.ok(performance.now() - started < 10_000);
  assert.equal(late.phase, 'Failed');
  assert.equal(late.error.type, 'DeadlineExceeded');
  assert.equal(late.error.pointer, '/spec/activation/deadline');

  const offList = JSON.parse(reloadManifest(ws, { serial: 1 }));
  offList.spec.changes[0].artifact.uri = `${slow.origin}/elsewhere/sentiment.onnx`;
  const refused = await applyAndWait(agent, JSON.stringify(offList), 'off-list');
  assert.equal(refused.phase, 'Failed');
  assert.equal(refused.changes[0].accepted.error.type, 'ArtifactFetchFailed');
  assert.match(refused.changes[0].accepted.error.message, /is not on this agent's --allow-url list/);

  const schema = JSON.parse(reloadManifest(ws, { serial: 1 }));
  schema.spec.changes[1].schema = { $ref: 'https://schemas.example.com/limits.json' };
  const remote = await applyAndWait(agent, JSON.stringify(schema), 'schema');
  assert.equal(remote.phase, 'Failed');
  assert.equal(remote.changes[1].accepted.status, 'NACK', JSON.stringify(remote.changes) + JSON.stringify(remote.error));
  assert.equal(remote.changes[1].accepted.error.type, 'ConfigInvalid', JSON.stringify(remote.error));
  assert.equal((await agentRequest(agent.url, '/reload/v1/status')).body.serial, 0);
});

test('traceparent joins the caller\'s trace; spans go to an OTLP/HTTP collector; log lines carry trace and span ids', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const received: any[] = [];
  const collector = await serve(t, (request, response) => {
    let body = '';
    request.on('data', (c) => (body += c));
    request.on('end', () => {
      received.push({ path: request.url, body: JSON.parse(body) });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{}');
    });
  });
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--artifact-root', ws, '--otlp-endpoint', collector.origin], env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  const status = await applyAndWait(agent, reloadManifest(ws, { serial: 1 }), 'traced', { traceparent: `00-${traceId}-${parent}-01` });
  assert.equal(status.traceId, traceId);
  const spans = status.spans.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
  const root = spans.find((s: any) => s.name === 'reload.apply');
  assert.equal(root.traceId, traceId);
  assert.equal(root.parentSpanId, parent);
  assert.ok(spans.every((s: any) => s.traceId === traceId));
  for (let i = 0; i < 50 && !received.some((r) => JSON.stringify(r.body).includes('reload.activate')); i++) await new Promise((r) => setTimeout(r, 100));
  const exported = received.flatMap((r) => r.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((s: any) => s.spans)));
  assert.equal(received[0].path, '/v1/traces');
  assert.ok(exported.some((s: any) => s.name === 'reload.apply' && s.traceId === traceId), 'the collector got the apply');
  const line = agent.logs.find((l) => l.msg === 'apply succeeded')!;
  assert.equal(line.trace_id, traceId);
  assert.equal(line.span_id, root.spanId);
  assert.equal(line.level, 'info');
});

test('Open Inference Protocol: readiness, model metadata, errors as {"error"}, and inference metrics', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--artifact-root', ws] });
  assert.equal((await agentRequest(agent.url, '/v2/health/ready')).status, 200);
  // The model runtime starts in the background at start, ahead of the first apply.
  for (let i = 0; i < 200 && !agent.logs.some((l) => l.msg === 'model runtime ready'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(typeof agent.logs.find((l) => l.msg === 'model runtime ready')?.ms, 'number');
  assert.deepEqual((await agentRequest(agent.url, '/v2/models/sentiment')).body, { error: 'model "sentiment" is not served by the active generation' });
  await applyAndWait(agent, reloadManifest(ws, { serial: 1 }), 'one');
  assert.deepEqual((await agentRequest(agent.url, '/v2/models/sentiment')).body, {
    name: 'sentiment',
    versions: ['2.1.0'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
  });
  assert.equal((await agentRequest(agent.url, '/v2/models/sentiment/ready')).status, 200);
  const wrongShape = await agentRequest(agent.url, '/v2/models/sentiment/infer', { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }) });
  assert.deepEqual(wrongShape, { ...wrongShape, status: 400, body: { error: 'inputs[0].data has 3 elements, its shape [1,4] needs 4' } });
  const nested = await agentRequest(agent.url, '/v2/models/sentiment/infer', { method: 'POST', body: JSON.stringify({ id: 'r1', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [[1, 2, 3, 4], [4, 3, 2, 1]] }] }) });
  assert.equal(nested.status, 200);
  assert.equal(nested.body.id, 'r1');
  assert.deepEqual(nested.body.outputs[0].shape, [2, 2]);
  const metrics = (await agentRequest(agent.url, '/metrics')).body as string;
  assert.match(metrics, /reload_inference_requests_total\{model="sentiment",result="ok"\} 1\n/);
  assert.match(metrics, /reload_inference_requests_total\{model="sentiment",result="error"\} 1\n/);
  assert.match(metrics, /reload_inference_duration_seconds_count\{model="sentiment"\} 2\n/);
  assert.match(metrics, /reload_apply_phase_duration_seconds_count\{phase="reload.activate"\} 1\n/);
});

test('rollback to a serial brings back that generation as a new serial; SIGTERM lets a running apply finish, then exits 0', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const state = stateDir(t);
  const agent = await startAgentProcess(t, { stateDir: state, args: ['--artifact-root', ws] });
  for (const serial of [1, 2, 3]) assert.equal((await applyAndWait(agent, reloadManifest(ws, { serial, version: serial === 2 ? '2.1.0' : '2.0.0' }), `s${serial}`)).phase, 'Succeeded');
  const back = await reloadctlAsync(['rollback', '--target', agent.url, '--to', '2']);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /rollback Succeeded · serial 4 · generation 4/);
  const status = (await agentRequest(agent.url, '/reload/v1/status')).body;
  assert.deepEqual([status.serial, status.active.models.sentiment.version, status.active.configs.marker.marker, status.previousStable], [4, '2.1.0', 2, 3]);
  const unknown = await reloadctlAsync(['rollback', '--target', agent.url, '--to', '9']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Serial 9 never became active on this target.*\(not-found\)/);

  // A slow artifact keeps an apply running while SIGTERM arrives.
  const slow = await slowArtifact(t, readFileSync(join(ws, 'models', 'sentiment-2.1.0.onnx')));
  const graceful = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--allow-url', `${slow.origin}/`] });
  const manifest = JSON.parse(reloadManifest(ws, { serial: 1 }));
  manifest.spec.changes[0].artifact.uri = `${slow.origin}/m.onnx`;
  const started = await agentRequest(graceful.url, '/reload/v1/applies', { method: 'POST', body: JSON.stringify(manifest), headers: { 'Idempotency-Key': 'x' } });
  assert.equal(started.status, 202);
  graceful.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  // While stopping it takes no new applies and answers no new connections; the running one goes on.
  assert.equal(graceful.child.exitCode, null);
  slow.release();
  assert.deepEqual(await graceful.exited, { code: 0, signal: null });
  assert.ok(graceful.logs.some((l) => l.msg === 'apply succeeded'));
  assert.deepEqual(graceful.logs.at(-1)?.msg, 'stopped');
});

test('the event stream: phases and each change\'s ACK or NACK as they happen, then the result; a finished apply streams its result at once', TIMEOUT, async (t) => {
  const ws = agentWorkspace(t);
  const slow = await slowArtifact(t, readFileSync(join(ws, 'models', 'sentiment-2.1.0.onnx')));
  const agent = await startAgentProcess(t, { stateDir: stateDir(t), args: ['--allow-url', `${slow.origin}/`, '--artifact-root', ws] });
  const manifest = JSON.parse(reloadManifest(ws, { serial: 1, probe: { expect: 'wrong', phase: 'postActivate' } }));
  manifest.spec.changes[0].artifact.uri = `${slow.origin}/m.onnx`;
  const started = await agentRequest(agent.url, '/reload/v1/applies', { method: 'POST', body: JSON.stringify(manifest), headers: { 'Idempotency-Key': 'events' } });
  const response = await fetch(`${agent.url}/reload/v1/applies/${started.body.id}/events`);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.equal(first, 'event: phase\ndata: {"phase":"Staging"}\n\n');
  slow.release();
  let text = first;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  const events = text.trim().split('\n\n').map((block) => {
    const [event, data] = block.split('\n');
    const parsed = JSON.parse(data.slice('data: '.length));
    const name = event.slice('event: '.length);
    if (name === 'phase') return `phase ${parsed.phase}`;
    if (name === 'change') return `change ${parsed.ref} ${parsed.accepted.status}/${parsed.activated?.status ?? '-'}${parsed.activated?.error ? ` ${parsed.activated.error.type}` : ''}`;
    return `result ${parsed.phase}`;
  });
  assert.deepEqual(events, [
    'phase Staging',
    'phase Activating',
    'change model:sentiment ACK/ACK',
    'change config:marker ACK/ACK',
    'change flagset:release ACK/ACK',
    'phase Probing',
    'change config:marker ACK/NACK RolledBack',
    'change flagset:release ACK/NACK RolledBack',
    'change model:sentiment NACK/NACK NotActivated',
    'result RolledBack',
  ]);
  const again = await (await fetch(`${agent.url}/reload/v1/applies/${started.body.id}/events`)).text();
  assert.match(again, /^event: result\ndata: \{"id":"[0-9a-f-]{36}","kind":"apply","phase":"RolledBack"/);
});
