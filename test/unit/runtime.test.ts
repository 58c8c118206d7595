import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TraceData, TraceSpan } from '../../core/tracing/model';
import { EXAMPLES } from '../support/fixtures';
import { DRY_RUN_FIXTURES, EXPECTED_OUTPUT, newRuntime, PROBE_INPUT, runFile } from '../support/runtime';

function close(actual: number[], expected: number[]): boolean {
  return actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]) < 1e-5);
}

/** name + ref per span, grouped under their parent's name, sorted: the shape of a span tree. */
function tree(trace: TraceData): string[] {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const label = (s: TraceSpan): string => `${s.name}${s.attributes['reload.change.ref'] !== undefined ? ` ${String(s.attributes['reload.change.ref'])}` : ''}`;
  return trace.spans.map((s) => `${s.parentSpanId ? label(byId.get(s.parentSpanId)!) : '(root)'} > ${label(s)}`).sort();
}

test('the sentiment example dry-runs to success with the expected span tree and attributes', async () => {
  const runtime = newRuntime();
  try {
    const { outcome, trace } = await runFile(runtime, join(EXAMPLES, 'sentiment.reload.json'));
    assert.equal(outcome.outcome, 'Succeeded', JSON.stringify(outcome.error));
    assert.deepEqual(
      outcome.changes.map((c) => [c.ref, c.status]),
      [
        ['model:sentiment', 'activated'],
        ['config:sentiment-preprocess', 'activated'],
        ['flagset:banners', 'activated'],
      ],
    );
    assert.deepEqual(tree(trace), [
      '(root) > reload.dryRun',
      'reload.dryRun > reload.activate',
      'reload.dryRun > reload.load config:sentiment-preprocess',
      'reload.dryRun > reload.load flagset:banners',
      'reload.dryRun > reload.load model:sentiment',
      'reload.dryRun > reload.probe model:sentiment',
      'reload.dryRun > reload.stage config:sentiment-preprocess',
      'reload.dryRun > reload.stage model:sentiment',
      'reload.dryRun > reload.validate',
      'reload.dryRun > reload.verify',
    ]);
    const root = trace.spans.find((s) => s.name === 'reload.dryRun')!;
    assert.deepEqual(
      { name: root.attributes['reload.manifest.name'], uid: root.attributes['reload.manifest.uid'], serial: root.attributes['reload.serial'], status: root.status.code },
      { name: 'sentiment-2-1', uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 42, status: 1 },
    );
    assert.ok(trace.spans.every((s) => s.traceId === outcome.traceId && s.status.code === 1 && s.endNs >= s.startNs));
    const stage = trace.spans.find((s) => s.name === 'reload.stage' && s.attributes['reload.change.ref'] === 'model:sentiment')!;
    assert.equal(stage.attributes['artifact.digest'], 'sha256:85a707c5b2cb2b67b163eb250a4f86546f8446d7e9296c576839da424faeeea4');
    assert.equal(stage.attributes['artifact.size'], 269);
    assert.deepEqual(stage.events.map((e) => e.name), ['artifact.hashed']);
    const load = trace.spans.find((s) => s.name === 'reload.load' && s.attributes['reload.change.kind'] === 'Model')!;
    for (const key of ['reload.memory.rss_before', 'reload.memory.rss_after', 'reload.memory.heap_used_before', 'reload.memory.heap_used_after']) {
      assert.equal(typeof load.attributes[key], 'number', key);
    }
    const activate = trace.spans.find((s) => s.name === 'reload.activate')!;
    assert.deepEqual(activate.events.map((e) => e.name), ['swap.done']);
    const served = await runtime.infer('sentiment', PROBE_INPUT);
    assert.equal(served.modelVersion, '2.1.0');
    assert.ok(close(served.outputs.y.data as number[], EXPECTED_OUTPUT['2.1.0']));
    assert.deepEqual(runtime.evaluateFlag('banners', 'sentiment_v2_banner'), { found: true, variant: 'on', value: true, reason: 'STATIC' });
  } finally {
    await runtime.dispose();
  }
});

test('every example manifest dry-runs to success', async () => {
  for (const name of ['sentiment.reload.json', 'flags-and-config.reload.json', 'support-bot.mcp-context.json']) {
    const runtime = newRuntime();
    try {
      const { outcome } = await runFile(runtime, join(EXAMPLES, name));
      assert.equal(outcome.outcome, 'Succeeded', `${name}: ${JSON.stringify(outcome.error)}`);
      assert.ok(outcome.changes.every((c) => c.status === 'activated'), name);
    } finally {
      await runtime.dispose();
    }
  }
});

test('the context example serves prompts, resources, knowledge and sessions, with context spans', async () => {
  const runtime = newRuntime();
  try {
    const { trace } = await runFile(runtime, join(EXAMPLES, 'support-bot.mcp-context.json'));
    assert.equal(runtime.renderPrompt('triage', { ticket_id: 'T-1', team: 'billing' }), 'Classify the urgency of ticket T-1 for the billing team as low, normal or high.\n');
    assert.equal(runtime.active.resources.get('ctx://style-guide')?.text.startsWith('# Support style guide'), true);
    assert.deepEqual(runtime.active.adapters.get('support-lora')?.targetModules, ['q_proj', 'v_proj']);
    const hits = runtime.searchKnowledge('support-kb', [Math.sin(0), Math.sin(1), Math.sin(2), Math.sin(3), Math.sin(4), Math.sin(5), Math.sin(6), Math.sin(7)], 2);
    assert.equal(hits[0].id, 'kb-2026-11-1');
    assert.ok(hits[0].score > 0.999);
    const session = runtime.active.sessions.get('s-1');
    assert.deepEqual({ revision: session?.revision, context: session?.context }, { revision: 2, context: { history: [{ role: 'user', text: 'hi' }] } });
    const names = trace.spans.map((s) => s.name);
    assert.ok(names.includes('reload.context.deserialize') && names.includes('reload.context.serialize'));
    const serialize = trace.spans.find((s) => s.name === 'reload.context.serialize')!;
    assert.equal(serialize.attributes['reload.session.digest'], session?.digest);
  } finally {
    await runtime.dispose();
  }
});

const FAILURES: { file: string; step: string; type: string; pointer: string; base?: string[] }[] = [
  { file: 'digest-mismatch.reload.json', step: 'reload.stage', type: 'DigestMismatch', pointer: '/spec/changes/0/artifact/digest' },
  { file: 'missing-artifact.reload.json', step: 'reload.stage', type: 'ArtifactNotFound', pointer: '/spec/changes/0/artifact/uri' },
  { file: 'io-mismatch.reload.json', step: 'reload.load', type: 'SignatureMismatch', pointer: '/spec/changes/0/io/inputs/0/name' },
  { file: 'probe-out-of-tolerance.reload.json', step: 'reload.probe', type: 'ProbeFailed', pointer: '/spec/healthChecks/0/expect/values/1' },
  { file: 'probe-too-slow.reload.json', step: 'reload.probe', type: 'ProbeTooSlow', pointer: '/spec/healthChecks/0/maxLatencyMs' },
  { file: 'adapter-shape-mismatch.mcp-context.json', step: 'reload.load', type: 'AdapterMismatch', pointer: '/spec/adapters/0/rank' },
  { file: 'bad-json-patch.mcp-context.json', step: 'reload.load', type: 'PatchFailed', pointer: '/spec/sessions/0/patch/0', base: ['session-base.mcp-context.json'] },
  { file: 'stale-if-revision.mcp-context.json', step: 'reload.load', type: 'SessionConflict', pointer: '/spec/sessions/0/ifRevision', base: ['session-base.mcp-context.json'] },
];

for (const failure of FAILURES) {
  test(`${failure.file} fails at ${failure.step} with ${failure.type}, traced there, and the active generation keeps serving`, async () => {
    const runtime = newRuntime();
    try {
      for (const base of ['sentiment-2-0.reload.json', ...(failure.base ?? [])]) {
        const { outcome } = await runFile(runtime, join(DRY_RUN_FIXTURES, base));
        assert.equal(outcome.outcome, 'Succeeded', `${base}: ${JSON.stringify(outcome.error)}`);
      }
      const before = await runtime.infer('sentiment', PROBE_INPUT);
      const generation = runtime.active;
      const { outcome, trace } = await runFile(runtime, join(DRY_RUN_FIXTURES, failure.file));
      assert.equal(outcome.outcome, 'Failed');
      assert.deepEqual(outcome.error && { step: outcome.error.step, type: outcome.error.type, pointer: outcome.error.pointer }, { step: failure.step, type: failure.type, pointer: failure.pointer });
      assert.equal(runtime.active, generation, 'the active generation object is unchanged');
      const after = await runtime.infer('sentiment', PROBE_INPUT);
      assert.deepEqual(after, before);
      assert.ok(close(after.outputs.y.data as number[], EXPECTED_OUTPUT['2.0.0']));
      const failed = trace.spans.filter((s) => s.status.code === 2).map((s) => `${s.name} ${String(s.attributes['error.type'])}`);
      assert.deepEqual(failed.sort(), [`${failure.step} ${failure.type}`, `reload.dryRun ${failure.type}`].sort());
      const failedStep = trace.spans.find((s) => s.name === failure.step && s.status.code === 2)!;
      assert.equal(failedStep.attributes['reload.manifest.pointer'], failure.pointer);
      assert.deepEqual(failedStep.events.map((e) => e.name), ['exception']);
      assert.equal(trace.spans.some((s) => s.name === 'reload.activate'), false, 'nothing was activated');
    } finally {
      await runtime.dispose();
    }
  });
}

test('a failing post-activation probe rolls back to the previous generation, traced as reload.rollback', async () => {
  const runtime = newRuntime();
  try {
    await runFile(runtime, join(DRY_RUN_FIXTURES, 'sentiment-2-0.reload.json'));
    const { outcome, trace } = await runFile(runtime, join(DRY_RUN_FIXTURES, 'post-activate-probe-fails.reload.json'));
    assert.equal(outcome.outcome, 'RolledBack');
    assert.deepEqual(
      outcome.changes.map((c) => [c.ref, c.status]),
      [
        ['model:sentiment', 'failed'],
        ['config:sentiment-preprocess', 'rolledBack'],
        ['flagset:banners', 'rolledBack'],
      ],
    );
    const names = trace.spans.map((s) => s.name);
    assert.ok(names.indexOf('reload.activate') < names.indexOf('reload.rollback'));
    const served = await runtime.infer('sentiment', PROBE_INPUT);
    assert.equal(served.modelVersion, '2.0.0');
    assert.ok(close(served.outputs.y.data as number[], EXPECTED_OUTPUT['2.0.0']));
  } finally {
    await runtime.dispose();
  }
});

test('inference during 100 alternating reloads and rollbacks never fails and never mixes generations', async () => {
  const runtime = newRuntime();
  try {
    await runFile(runtime, join(DRY_RUN_FIXTURES, 'sentiment-2-0.reload.json'));
    let stop = false;
    let calls = 0;
    const failures: string[] = [];
    const versionOf = new Map<number, string>();
    const loop = (async () => {
      while (!stop) {
        try {
          const result = await runtime.infer('sentiment', PROBE_INPUT);
          calls++;
          const known = versionOf.get(result.generation);
          if (known !== undefined && known !== result.modelVersion) failures.push(`generation ${result.generation} answered as ${known} and ${result.modelVersion}`);
          versionOf.set(result.generation, result.modelVersion);
          if (!close(result.outputs.y.data as number[], EXPECTED_OUTPUT[result.modelVersion])) failures.push(`${result.modelVersion} gave ${String(result.outputs.y.data)}`);
        } catch (e) {
          failures.push(String(e));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // Each generation serves until the loop has been answered by it, so the two really interleave.
    const served = async (): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!versionOf.has(runtime.active.number)) {
        if (Date.now() > deadline) throw new Error(`generation ${runtime.active.number} never answered`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    for (let i = 0; i < 50; i++) {
      const { outcome } = await runFile(runtime, join(EXAMPLES, 'sentiment.reload.json'));
      assert.equal(outcome.outcome, 'Succeeded');
      await served();
      assert.equal(runtime.rollback(), true);
      await served();
    }
    stop = true;
    await loop;
    assert.deepEqual(failures, []);
    assert.ok(calls > 100, `only ${calls} inference calls ran`);
    assert.ok(new Set(versionOf.values()).size === 2, 'both versions served');
  } finally {
    await runtime.dispose();
  }
});

test('applying requires uid, serial and pinned digests; dry runs only warn', async () => {
  const runtime = newRuntime();
  try {
    const { outcome } = await runFile(runtime, join(DRY_RUN_FIXTURES, 'missing-artifact.reload.json'), 'apply');
    assert.deepEqual(outcome.error && [outcome.error.step, outcome.error.type], ['reload.verify', 'MissingDigest']);
  } finally {
    await runtime.dispose();
  }
});
