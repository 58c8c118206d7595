import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReloadStepError } from '../../core/errors';
import { stageArtifact } from '../../core/runtime/stage';
import { bodyOf, expectStepError, MiB, POINTER, sha256, sourceIn, workspace } from '../support/staging';

test('staging keeps exactly the file bytes, and hashes them as node:crypto does', { timeout: 10_000 }, async (t) => {
  const content = randomBytes(3 * MiB + 5);
  const dir = workspace(t, { 'model.bin': content });
  const source = sourceIn(dir);
  const kept = await stageArtifact(source, { uri: 'model.bin', size: content.length, digest: sha256(content) }, { retain: true, pointer: POINTER });
  assert.equal(kept.digest, sha256(content));
  assert.equal(kept.size, content.length);
  assert.equal(kept.location, join(dir, 'model.bin'));
  assert.equal(kept.bytes!.byteLength, content.length);
  assert.equal(Buffer.compare(Buffer.from(kept.bytes!), content), 0);
  const hashed = await stageArtifact(source, { uri: 'model.bin' }, { retain: false });
  assert.deepEqual({ digest: hashed.digest, size: hashed.size, bytes: hashed.bytes }, { digest: sha256(content), size: content.length, bytes: undefined });
  assert.equal(source.counts.closes, source.counts.opens);
  const empty = workspace(t, { 'empty.bin': new Uint8Array(0) });
  assert.equal((await stageArtifact(sourceIn(empty), { uri: 'empty.bin', size: 0 }, { retain: true })).digest, sha256(new Uint8Array(0)));
});

for (const retain of [true, false]) {
  test(`a file that grows after it was stat'ed is a SizeMismatch, not a truncated read (retain: ${retain})`, { timeout: 10_000 }, async (t) => {
    const content = randomBytes(2 * MiB + 3);
    const dir = workspace(t, { 'model.bin': content });
    const source = sourceIn(dir, (path) => appendFileSync(path, 'more'));
    await assert.rejects(
      stageArtifact(source, { uri: 'model.bin' }, { retain, pointer: POINTER }),
      expectStepError('SizeMismatch', `model.bin changed while it was staged: it grew past the ${content.length} bytes it had when staging began. Stage it again once nothing writes to it.`, `${POINTER}/size`),
    );
    assert.equal(source.counts.closes, 1);
  });

  test(`a file that shrinks after it was stat'ed is a SizeMismatch (retain: ${retain})`, { timeout: 10_000 }, async (t) => {
    const content = randomBytes(2 * MiB + 3);
    const dir = workspace(t, { 'model.bin': content });
    const source = sourceIn(dir, (path) => truncateSync(path, MiB + 7));
    await assert.rejects(
      stageArtifact(source, { uri: 'model.bin' }, { retain, pointer: POINTER }),
      expectStepError('SizeMismatch', `model.bin changed while it was staged: it ended after ${MiB + 7} of the ${content.length} bytes it had when staging began. Stage it again once nothing writes to it.`, `${POINTER}/size`),
    );
  });
}

test('an artifact over the size limit is refused before any byte is read', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'model.bin': new Uint8Array(1001) });
  let fetches = 0;
  const source = {
    ...sourceIn(dir),
    fetch: async () => {
      fetches++;
      return { body: bodyOf([]) };
    },
  };
  await assert.rejects(
    stageArtifact(source, { uri: 'model.bin' }, { retain: true, pointer: POINTER, maxArtifactBytes: 1000 }),
    expectStepError('ArtifactTooLarge', 'model.bin is 1001 bytes, more than the 1000 bytes this runtime stages to load: nothing was read.', `${POINTER}/uri`),
  );
  await assert.rejects(
    stageArtifact(source, { uri: 'http://127.0.0.1:1/model.bin', size: 5000 }, { retain: false, pointer: POINTER, maxArtifactBytes: 1000 }),
    expectStepError('ArtifactTooLarge', 'http://127.0.0.1:1/model.bin is 5000 bytes, more than the 1000 bytes this runtime stages to hash: nothing was read.', `${POINTER}/size`),
  );
  assert.deepEqual({ opens: source.counts.opens, fetches }, { opens: 0, fetches: 0 });
});

test('a fetch that sends past maxBytes is stopped by staging before a byte lands past the limit', { timeout: 10_000 }, async (t) => {
  const source = { ...sourceIn(workspace(t, {})), fetch: async () => ({ body: bodyOf([new Uint8Array(1000), new Uint8Array(1000)]) }) };
  await assert.rejects(
    stageArtifact(source, { uri: 'http://127.0.0.1:1/a.bin', size: 1500 }, { retain: true, pointer: POINTER }),
    expectStepError('SizeMismatch', 'http://127.0.0.1:1/a.bin: more than the 1500 bytes allowed arrived; the transfer was stopped; the manifest says 1500 bytes. Pin the new size and digest only if the change is intended.', `${POINTER}/size`),
  );
  await assert.rejects(
    stageArtifact(source, { uri: 'http://127.0.0.1:1/a.bin' }, { retain: true, pointer: POINTER, maxUnsizedFetchBytes: 1500 }),
    expectStepError('ArtifactTooLarge', "http://127.0.0.1:1/a.bin: more than the 1500 bytes allowed arrived; the transfer was stopped. Declare the artifact's size in the manifest (without one, at most 1500 bytes are fetched).", `${POINTER}/uri`),
  );
});

test('aborting stops a local read between chunks and rejects with the signal reason', { timeout: 10_000 }, async (t) => {
  const dir = workspace(t, { 'model.bin': new Uint8Array(16 * MiB) });
  const source = sourceIn(dir);
  const controller = new AbortController();
  const deadline = new ReloadStepError('DeadlineExceeded', 'Activation deadline of 10 ms passed.', '/spec/activation/deadline');
  const staging = stageArtifact(source, { uri: 'model.bin' }, { retain: true, signal: controller.signal, onProgress: () => controller.abort(deadline) });
  await assert.rejects(staging, (error) => error === deadline);
  assert.ok(source.counts.reads <= 2, `${source.counts.reads} reads for an abort after the first chunk`);
  assert.equal(source.counts.closes, 1);
  const cancelled = new AbortController();
  cancelled.abort('user pressed stop');
  await assert.rejects(stageArtifact(source, { uri: 'model.bin' }, { retain: false, signal: cancelled.signal }), expectStepError('StagingCancelled', 'Staging was cancelled (user pressed stop).', undefined));
});

test('a path that became a FIFO after it was stat\'ed is refused without blocking', { skip: process.platform === 'win32', timeout: 10_000 }, async (t) => {
  const dir = workspace(t, {});
  const fifo = join(dir, 'model.bin');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const source = { ...sourceIn(dir), stat: async () => ({ size: 10, isFile: true }) };
  await assert.rejects(
    stageArtifact(source, { uri: pathToFileURL(fifo).href }, { retain: true, pointer: POINTER }),
    expectStepError('ArtifactUnreadable', `Cannot read ${fifo}: it is no longer a regular file.`, `${POINTER}/uri`),
  );
  assert.equal(statSync(fifo).isFIFO(), true);
});
