import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReloadStepError } from '../../core/errors';
import { applyPatch, type PatchOperation } from '../../core/jsonPatch';
import { loadSession, updateSession } from '../../core/runtime/sessions';

function refusal(patch: PatchOperation[]): { type: string; message: string; pointer?: string } {
  try {
    updateSession(loadSession('s-1', { history: ['hi'] }), patch, 1, '/spec/sessions/1');
  } catch (e) {
    if (!(e instanceof ReloadStepError)) throw e;
    return { type: e.type, message: e.message, pointer: e.pointer };
  }
  assert.fail('the patch was applied');
}

test('copies that double the session context stop at a million values', { timeout: 120_000 }, () => {
  // Each copy of the whole document doubles it: 20 copies would build 3·2^20 values.
  const patch = Array.from({ length: 20 }, (_, i): PatchOperation => ({ op: 'copy', from: '', path: `/copy${i}` }));
  const started = performance.now();
  assert.deepEqual(refusal(patch), {
    type: 'PatchFailed',
    message: 'Patch operation 18 on session "s-1" failed: replaying the patches copies more data than this manifest may ask for (a copy or add of large values, repeated): copy fewer or smaller values.',
    pointer: '/spec/sessions/1/patch/18',
  });
  const ms = performance.now() - started;
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

test('a patch may not nest the context deeper than a manifest may', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 255; i++) deep = { next: deep };
  assert.deepEqual(refusal([{ op: 'add', path: '/nested', value: deep }]), {
    type: 'PatchFailed',
    message: 'Patch operation 0 on session "s-1" failed: the document would nest deeper than 256 levels.',
    pointer: '/spec/sessions/1/patch/0',
  });
  const result = applyPatch({ history: [] }, [{ op: 'add', path: '/nested', value: { next: 'leaf' } }]);
  assert.deepEqual(result, { ok: true, value: { history: [], nested: { next: 'leaf' } }, weight: 4 });
});
