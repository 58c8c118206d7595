/**
 * What the VS Code extension shows of a target, from a real reload agent on loopback (no VS Code):
 * the plan confirmation's text (add / update / unchanged with versions and digests, the server-side
 * dry run, a serial-regression refusal), each change's ACK/NACK label and problems after an apply,
 * the Reload Targets view's rows (active generation, what it serves, history).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/start';
import { createOnnxEngine } from '../../core/runtime/onnxEngine';
import { ackLabel, ackProblems, changeAcks } from '../../core/target/changeAcks';
import { TargetClient, TargetError } from '../../core/target/client';
import { applyToFleet, type FleetResult } from '../../core/target/fleet';
import { reviewPlans, shortDigest } from '../../core/target/planText';
import { activeRows, generationText, historyRow, newestFirst, shortTime } from '../../core/target/targetText';
import { createTraceRecorder } from '../../core/tracing/recorder';
import { validateManifest } from '../../core/validate';
import { localUploads } from '../../node/targetUploads';
import { EXAMPLES } from '../support/fixtures';
import { tempFolders } from '../support/tempFolders';

const newFolder = tempFolders('target-presentation-');
const TOKEN = 'presentation-test-token';
let agent: RunningAgent;
let workspace: string;
let client: TargetClient;

const MODEL_2_1 = 'sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4';
const CONFIG = 'sha256:cd12f2c73df4f21aa4aa7069f821bb1d092610af053f8292ff3632e8eed794f5';

before(async () => {
  workspace = newFolder();
  cpSync(EXAMPLES, workspace, { recursive: true });
  // No artifact roots: the agent has only what it is sent (uploads by digest).
  agent = await startAgent({ host: '127.0.0.1', port: 0, stateDir: newFolder(), token: TOKEN, trustKeys: [], artifactRoots: [], allowUrls: [], engine: createOnnxEngine(), log: () => undefined });
  client = new TargetClient({ url: agent.url, token: TOKEN, fetch, retries: 0 });
});

after(async () => {
  await agent?.close(1000);
});

/** Uploads what the agent lacks, as the extension does before asking for a plan. */
async function upload(file: string): Promise<void> {
  const model = validateManifest(readFileSync(file, 'utf8')).model!;
  for (const blob of await localUploads(model, file)) {
    if (!(await client.hasBlob(blob.digest))) await client.putBlob(blob.digest, blob.size, () => blob.open());
  }
}

async function apply(file: string): Promise<FleetResult> {
  const text = readFileSync(file, 'utf8');
  const model = validateManifest(text).model!;
  const recorder = createTraceRecorder({ serviceName: 'test' });
  return applyToFleet({
    targets: [{ name: 'staging', url: agent.url, client }],
    body: text,
    manifest: { name: model.metadata.name!, serial: model.metadata.serial, uid: model.metadata.uid },
    rollout: model.rollout,
    uploads: await localUploads(model, file),
    tracer: recorder.tracer,
    key: `key-${file}`,
  });
}

test('without its token the agent answers 401, which the targets view tells apart from an unreachable target', async () => {
  const anonymous = new TargetClient({ url: agent.url, fetch, retries: 0 });
  const error = await anonymous.status().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TargetError);
  assert.equal(error.kind, 'unauthorized');
});

test('a fresh target: nothing active, no history', async () => {
  const status = await client.status();
  assert.equal(generationText(status), 'serial 0 · generation 0');
  assert.deepEqual(activeRows(status), []);
  assert.deepEqual(await client.history(), []);
});

test('the plan of sentiment.reload.json on a fresh target: three additions whose dry run activates', async () => {
  const file = join(workspace, 'sentiment.reload.json');
  await upload(file);
  const plan = await client.plan(readFileSync(file, 'utf8'), { key: 'plan-1' });
  const review = reviewPlans([{ name: 'staging', url: agent.url, plan }]);
  assert.equal(review.verdict, 'ready');
  assert.equal(
    review.text,
    [
      `staging (${agent.url}): serial 0 → 42`,
      '  add model:sentiment 2.1.0 sha256:85a707c5b2cb · dry run activated',
      '  add config:sentiment-preprocess sha256:cd12f2c73df4 · dry run activated',
      '  add flagset:banners · dry run activated',
    ].join('\n'),
  );
  // A plan changes nothing.
  assert.equal((await client.status()).serial, 0);
});

test('after the apply: an ACK per change, no problems; the view\'s rows show what the target serves and its history', async () => {
  const result = await apply(join(workspace, 'sentiment.reload.json'));
  assert.equal(result.outcome, 'Succeeded');
  const acks = changeAcks(result.targets);
  assert.deepEqual(acks.map((c) => [c.ref, c.pointer, ackLabel(c)]), [
    ['model:sentiment', '/spec/changes/0', '✓ staging: ACK'],
    ['config:sentiment-preprocess', '/spec/changes/1', '✓ staging: ACK'],
    ['flagset:banners', '/spec/changes/2', '✓ staging: ACK'],
  ]);
  assert.deepEqual(acks.flatMap((c) => ackProblems(c)), []);
  const status = await client.status();
  assert.equal(generationText(status), 'serial 42 · generation 1');
  assert.deepEqual(activeRows(status), [
    { label: 'models', description: 'sentiment 2.1.0' },
    { label: 'configs', description: 'sentiment-preprocess' },
    { label: 'flags', description: 'banners' },
  ]);
  const [entry] = newestFirst(await client.history());
  const row = historyRow(entry);
  assert.equal(row.label, 'serial 42');
  assert.equal(row.description, 'Succeeded · sentiment-2-1');
  assert.match(row.detail, /^apply · \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · \d+ ms · by admin@example\.com$/);
});

test('the same manifest again is refused in the plan (serial-regression), and the verdict says so', async () => {
  const plan = await client.plan(readFileSync(join(workspace, 'sentiment.reload.json'), 'utf8'), { key: 'plan-2' });
  const review = reviewPlans([{ name: 'staging', url: agent.url, plan }]);
  assert.equal(review.verdict, 'refused');
  assert.deepEqual(review.text.split('\n').slice(0, 1).concat(review.text.split('\n').slice(-1)), [
    `staging (${agent.url}): serial 42 → 42`,
    "  refused: serial-regression: The manifest's serial 42 is not above the target's serial 42.",
  ]);
});

test('a plan that updates the model to 2.0.0 shows from → to, and the unchanged config and flag set', async () => {
  const digest20 = `sha256:${createHash('sha256').update(readFileSync(join(workspace, 'models', 'sentiment-2.0.0.onnx'))).digest('hex')}`;
  const size20 = readFileSync(join(workspace, 'models', 'sentiment-2.0.0.onnx')).length;
  const file = join(workspace, 'sentiment-2-0.reload.json');
  writeFileSync(
    file,
    readFileSync(join(workspace, 'sentiment.reload.json'), 'utf8')
      .replace('"serial": 42', '"serial": 44')
      .replace('0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8f')
      .replace('"version": "2.1.0"', '"version": "2.0.0"')
      .replace('models/sentiment-2.1.0.onnx', 'models/sentiment-2.0.0.onnx')
      .replace(MODEL_2_1, digest20)
      .replace('"size": 269', `"size": ${size20}`)
      .replace('[0.480011, 0.519989]', '[0.593873, 0.406127]'),
  );
  await upload(file);
  const plan = await client.plan(readFileSync(file, 'utf8'), { key: 'plan-3' });
  const review = reviewPlans([{ name: 'staging', url: agent.url, plan }]);
  assert.equal(review.verdict, 'ready');
  assert.equal(
    review.text,
    [
      `staging (${agent.url}): serial 42 → 44`,
      `  update model:sentiment 2.1.0 sha256:85a707c5b2cb → 2.0.0 ${shortDigest(digest20)} · dry run activated`,
      `  unchanged config:sentiment-preprocess ${shortDigest(CONFIG)} · dry run activated`,
      // The same inline flag set as the target's is planned as unchanged.
      '  unchanged flagset:banners · dry run activated',
    ].join('\n'),
  );
});

test('an apply whose probe fails: the model change is a NACK at the probe\'s pointer, the others are NACKs for being skipped', async () => {
  const file = join(workspace, 'sentiment-wrong-probe.reload.json');
  writeFileSync(
    file,
    readFileSync(join(workspace, 'sentiment.reload.json'), 'utf8')
      .replace('"serial": 42', '"serial": 45')
      .replace('0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d90')
      .replace('[0.480011, 0.519989]', '[0.480011, 0.1]'),
  );
  const result = await apply(file);
  assert.equal(result.outcome, 'Failed');
  const acks = changeAcks(result.targets);
  assert.deepEqual(acks.map((c) => ackLabel(c)), ['✗ staging: NACK (not accepted)', '✗ staging: NACK (not accepted)', '✗ staging: NACK (not accepted)']);
  const problems = acks.flatMap((c) => ackProblems(c));
  assert.deepEqual(problems.map((p) => [p.pointer, p.severity, p.code]), [
    ['/spec/healthChecks/0/expect/values/1', 'error', 'ProbeFailed'],
    ['/spec/changes/1', 'warning', 'Skipped'],
    ['/spec/changes/2', 'warning', 'Skipped'],
  ]);
  assert.match(problems[0].message, /^staging: model:sentiment not accepted: ProbeFailed: /);
  assert.equal(problems[1].message, 'staging: config:sentiment-preprocess not accepted: Skipped: not taken: the apply stopped before this change was done (another change failed, or the run was refused)');
  // The target still serves serial 42; its history lists the failure first.
  assert.equal(generationText(await client.status()), 'serial 42 · generation 1');
  assert.deepEqual(newestFirst(await client.history()).map((e) => [historyRow(e).label, historyRow(e).description]), [
    ['serial 45', 'Failed · sentiment-2-1'],
    ['serial 42', 'Succeeded · sentiment-2-1'],
  ]);
});

test('shortTime drops the milliseconds of the agent\'s UTC timestamps and leaves anything else as it is', () => {
  assert.equal(shortTime('2026-12-02T05:27:15.383Z'), '2026-12-02 05:27:15Z');
  assert.equal(shortTime('2026-12-02T05:27:15Z'), '2026-12-02 05:27:15Z');
  assert.equal(shortTime('yesterday'), 'yesterday');
});
