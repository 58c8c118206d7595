import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReloadStepError } from '../../core/errors';
import { createStager } from '../../core/runtime/stager';
import type { ArtifactSource } from '../../core/runtime/stage';
import { expectStepError, POINTER, sha256, sourceIn, workspace } from '../support/staging';

test('an artifact named twice in one run is read once; each name gets its own uri and digest check', async (t) => {
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

test('a shared read failing puts the error under each caller\'s pointer', async (t) => {
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

test('kept bytes never exceed the memory cap: stagings wait for releases, and all succeed', async (t) => {
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

test('an artifact larger than the memory cap is refused before it is read', async (t) => {
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

test('a staging waiting for memory stops when its signal aborts, and the others go on', async (t) => {
  const dir = workspace(t, { 'a.bin': new Uint8Array(800), 'b.bin': new Uint8Array(800), 'c.bin': new Uint8Array(100) });
  const source = sourceIn(dir);
  const stager = createStager({ source, maxRetainedBytes: 1_000 });
  const first = await stager.stage({ uri: 'a.bin' }, { retain: true });
  const controller = new AbortController();
  const waiting = stager.stage({ uri: 'b.bin' }, { retain: true, signal: controller.signal });
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
