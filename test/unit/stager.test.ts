import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReloadStepError } from '../../core/errors';
import { ByteBudget } from '../../core/runtime/byteBudget';
import { createStager } from '../../core/runtime/stager';
import type { ArtifactSource } from '../../core/runtime/artifactSource';
import { expectStepError, POINTER, sha256, sourceIn, workspace } from '../support/staging';

test('an artifact named twice in one run is read once; each name gets its own uri and digest check', { timeout: 10_000 }, async (t) => {
  const content = randomBytes(300_000);
  const dir = workspace(t, { 'model.bin': content });
  const source = sourceIn(dir);
  const stager = createStager({ source });
  const byPath = { uri: 'model.bin', digest: sha256(content), size: content.length };
  const byUrl = { uri: pathToFileURL(join(dir, 'model.bin')).href, digest: sha256(content), size: content.length };
  const [a, b] = await Promise.all([stager.stage(byPath, { retain: true, pointer: '/spec/changes/0/artifact' }), stager.stage(byUrl, { retain: true, pointer: '/spec/changes/1/artifact' })]);
  assert.equal(source.counts.opens, 1);
  assert.deepEqual([a.uri, a.digest, b.uri, b.digest], [byPath.uri, sha256(content), byUrl.uri, sha256(content)]);
  assert.equal(a.bytes, b.bytes);
  assert.equal(Buffer.compare(Buffer.from(a.bytes!), content), 0);

  const other = { uri: 'model.bin', digest: `sha256:${'0'.repeat(64)}`, size: content.length };
  const hashes = await Promise.allSettled([stager.stage(byPath, { retain: false }), stager.stage(other, { retain: false, pointer: '/spec/changes/2/source' })]);
  assert.equal(source.counts.opens, 2);
  assert.equal(hashes[0].status === 'fulfilled' && hashes[0].value.digest, sha256(content));
  assert.equal(hashes[1].status, 'rejected');
  expectStepError(
    'DigestMismatch',
    `model.bin hashes to ${sha256(content)}, not the pinned ${other.digest}: the bytes changed; pin the new digest only if the change is intended.`,
    '/spec/changes/2/source/digest',
  )(hashes[1].status === 'rejected' && hashes[1].reason);
  a.release();
  b.release();
  assert.equal(stager.retainedBytes, 0);
});

test('a shared read failing puts the error under each caller\'s pointer', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'model.bin': new Uint8Array(10) });
  const stager = createStager({ source: sourceIn(dir) });
  const results = await Promise.allSettled([0, 1].map((i) => stager.stage({ uri: 'model.bin', size: 11 }, { retain: true, pointer: `/spec/changes/${i}/artifact` })));
  assert.deepEqual(
    results.map((r) => r.status === 'rejected' && r.reason instanceof ReloadStepError && [r.reason.type, r.reason.pointer]),
    [
      ['SizeMismatch', '/spec/changes/0/artifact/size'],
      ['SizeMismatch', '/spec/changes/1/artifact/size'],
    ],
  );
  assert.equal(stager.retainedBytes, 0);
});

test('kept bytes never exceed the memory cap: stagings wait for releases, and all succeed', { timeout: 10_000 }, async (t) => {
  const cap = 1_000_000;
  const size = 600_000;
  const contents = [0, 1, 2].map(() => randomBytes(size));
  const dir = workspace(t, Object.fromEntries(contents.map((bytes, i) => [`shard-${i}.bin`, bytes])));
  const inner = sourceIn(dir);
  // Held: bytes of artifacts whose staging has opened the file and that are not released yet.
  let held = 0;
  let mostHeld = 0;
  const source: ArtifactSource = {
    ...inner,
    openFile: async (path) => {
      held += statSync(path).size;
      mostHeld = Math.max(mostHeld, held);
      return inner.openFile(path);
    },
  };
  const stager = createStager({ source, maxRetainedBytes: cap });
  const digests = await Promise.all(
    contents.map(async (bytes, i) => {
      const staged = await stager.stage({ uri: `shard-${i}.bin`, digest: sha256(bytes), size }, { retain: true, pointer: `/spec/knowledge/${i}/artifact` });
      assert.ok(stager.retainedBytes <= cap, `${stager.retainedBytes} bytes retained`);
      // Loading takes a turn of the event loop; then the bytes are given back.
      await new Promise((resolve) => setImmediate(resolve));
      held -= staged.bytes!.byteLength;
      staged.release();
      return staged.digest;
    }),
  );
  assert.deepEqual(digests, contents.map(sha256));
  assert.equal(mostHeld, size);
  assert.equal(stager.retainedBytes, 0);
});

test('an artifact larger than the memory cap is refused before it is read', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'model.bin': new Uint8Array(2_000) });
  const source = sourceIn(dir);
  const stager = createStager({ source, maxRetainedBytes: 1_000 });
  await assert.rejects(
    stager.stage({ uri: 'model.bin' }, { retain: true, pointer: POINTER }),
    expectStepError('ArtifactTooLarge', 'model.bin is 2000 bytes, more than the 1000 bytes staging may keep in memory at once: it cannot be loaded here; nothing was read.', `${POINTER}/uri`),
  );
  assert.equal(source.counts.opens, 0);
  const hashed = await stager.stage({ uri: 'model.bin' }, { retain: false });
  assert.equal(hashed.size, 2_000);
});

test('a staging waiting for memory stops when its signal aborts, and the others go on', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'a.bin': new Uint8Array(800), 'b.bin': new Uint8Array(800), 'c.bin': new Uint8Array(100) });
  let statted = (): void => undefined;
  const bStatted = new Promise<void>((resolve) => (statted = resolve));
  const source = sourceIn(dir, (path) => path.endsWith('b.bin') && statted());
  const stager = createStager({ source, maxRetainedBytes: 1_000 });
  const first = await stager.stage({ uri: 'a.bin' }, { retain: true });
  const controller = new AbortController();
  const waiting = stager.stage({ uri: 'b.bin' }, { retain: true, signal: controller.signal });
  // Once b.bin is stat'ed, the rest of the way to the budget is promise continuations: one turn
  // of the event loop later, it waits in the budget's queue.
  await bStatted;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stager.retainedBytes, 800);
  const reason = new ReloadStepError('DeadlineExceeded', 'Activation deadline of 1 ms passed.');
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(source.counts.opens, 1);
  const small = await stager.stage({ uri: 'c.bin' }, { retain: true });
  assert.equal(stager.retainedBytes, 900);
  first.release();
  small.release();
  assert.equal(stager.retainedBytes, 0);
});

test('the shared read stops when the only caller waiting for it aborts', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'model.bin': new Uint8Array(16 * 1024 * 1024) });
  const source = sourceIn(dir);
  const stager = createStager({ source });
  const controller = new AbortController();
  const reason = new ReloadStepError('DeadlineExceeded', 'Activation deadline of 1 ms passed.');
  await assert.rejects(stager.stage({ uri: 'model.bin' }, { retain: true, signal: controller.signal, onProgress: () => controller.abort(reason) }), (error) => error === reason);
  const deadline = Date.now() + 5_000;
  // The read gives its memory back once it has stopped and closed the file.
  while (stager.retainedBytes !== 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stager.retainedBytes, 0);
  assert.equal(source.counts.closes, 1);
  assert.ok(source.counts.reads <= 3, `${source.counts.reads} reads of 16`);
});

test('the memory budget serves in order: a small request does not overtake a large one waiting', { timeout: 10_000 }, async () => {
  const budget = new ByteBudget(1_000);
  await budget.take(600);
  const order: string[] = [];
  const large = budget.take(800).then(() => order.push('large'));
  const small = budget.take(300).then(() => order.push('small'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, []);
  budget.give(600);
  await large;
  assert.deepEqual(order, ['large']);
  budget.give(800);
  await small;
  assert.deepEqual([order, budget.inUse], [['large', 'small'], 300]);
});
