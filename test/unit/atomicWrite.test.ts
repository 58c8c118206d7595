import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../../node/atomicWrite';
import { tempFolders } from '../support/tempFolders';

const folder = tempFolders('atomic-write-');
const mode = (path: string): number => statSync(path).mode & 0o7777;
const fixedRandom = (): Buffer => Buffer.from('0123456789abcdef', 'hex');
const asRoot = process.getuid?.() === 0;

test('a new file is created with the usual mode (0666 less the umask) and nothing else is left', async () => {
  const dir = folder();
  writeFileSync(join(dir, 'reference'), '');
  const result = await writeFileAtomically(join(dir, 'trace.json'), '{}\n');
  assert.deepEqual(result, { ok: true, target: join(realpathSync(dir), 'trace.json'), warnings: [] });
  assert.equal(readFileSync(join(dir, 'trace.json'), 'utf8'), '{}\n');
  assert.equal(mode(join(dir, 'trace.json')), mode(join(dir, 'reference')));
  assert.deepEqual(readdirSync(dir).sort(), ['reference', 'trace.json']);
});

test('a symbolic link is written through: its target gets the bytes, the link stays a link', async () => {
  const dir = folder();
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'a.json'), 'old');
  symlinkSync('real/a.json', join(dir, 'hop.json'));
  symlinkSync('hop.json', join(dir, 'link.json'));
  const result = await writeFileAtomically(join(dir, 'link.json'), 'new');
  assert.deepEqual(result, { ok: true, target: join(realpathSync(dir), 'real', 'a.json'), warnings: [] });
  assert.equal(readFileSync(join(dir, 'real', 'a.json'), 'utf8'), 'new');
  assert.ok(lstatSync(join(dir, 'link.json')).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, 'link.json')), 'hop.json');
  assert.equal(readlinkSync(join(dir, 'hop.json')), 'real/a.json');
  assert.deepEqual(readdirSync(dir).sort(), ['hop.json', 'link.json', 'real']);
  assert.deepEqual(readdirSync(join(dir, 'real')), ['a.json']);
});

test('a dangling link and a link loop are refused, and nothing is created', async () => {
  const dir = folder();
  symlinkSync('nowhere.json', join(dir, 'dangling.json'));
  symlinkSync('loop-b.json', join(dir, 'loop-a.json'));
  symlinkSync('loop-a.json', join(dir, 'loop-b.json'));
  assert.deepEqual(await writeFileAtomically(join(dir, 'dangling.json'), 'x'), {
    ok: false,
    reason: 'dangling-link',
    message: 'it is a symbolic link to "nowhere.json", which does not exist: fix the link or write to a file',
  });
  assert.deepEqual(await writeFileAtomically(join(dir, 'loop-a.json'), 'x'), { ok: false, reason: 'link-loop', message: 'its symbolic links form a loop: fix the links' });
  assert.deepEqual(readdirSync(dir).sort(), ['dangling.json', 'loop-a.json', 'loop-b.json']);
});

test('a directory and a missing folder are refused', async () => {
  const dir = folder();
  mkdirSync(join(dir, 'sub'));
  assert.deepEqual(await writeFileAtomically(join(dir, 'sub'), 'x'), { ok: false, reason: 'not-a-file', message: 'it is a directory' });
  assert.deepEqual(await writeFileAtomically(join(dir, 'none', 'a.json'), 'x'), { ok: false, reason: 'failed', message: `its folder ${join(dir, 'none')} does not exist` });
  assert.deepEqual(readdirSync(dir), ['sub']);
});

test('a read-only file (by its mode, even for root) is refused unless forced, and keeps its mode', async () => {
  const dir = folder();
  const file = join(dir, 'a.json');
  writeFileSync(file, 'old');
  chmodSync(file, 0o444);
  assert.deepEqual(await writeFileAtomically(file, 'new'), { ok: false, reason: 'read-only', message: 'it is read-only (mode 0444)' });
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.equal((await writeFileAtomically(file, 'new', { force: true })).ok, true);
  assert.equal(readFileSync(file, 'utf8'), 'new');
  assert.equal(mode(file), 0o444);
});

test('mode, owner and group are kept (setuid included: the owner is set before the mode)', { skip: asRoot ? false : 'needs root to chown' }, async () => {
  const dir = folder();
  const plain = join(dir, 'plain.json');
  const special = join(dir, 'special');
  writeFileSync(plain, 'old');
  writeFileSync(special, 'old');
  chmodSync(plain, 0o640);
  chownSync(plain, 1234, 1234);
  chownSync(special, 1234, 1234);
  chmodSync(special, 0o4755);
  for (const file of [plain, special]) assert.deepEqual(await writeFileAtomically(file, 'new'), { ok: true, target: join(realpathSync(dir), file.slice(dir.length + 1)), warnings: [] });
  const [p, s] = [statSync(plain), statSync(special)];
  assert.deepEqual([p.mode & 0o7777, p.uid, p.gid], [0o640, 1234, 1234]);
  assert.deepEqual([s.mode & 0o7777, s.uid, s.gid], [0o4755, 1234, 1234]);
});

test('the old predictable temp name (.name.pid.tmp) is no longer used: a link planted there redirects nothing', async () => {
  const dir = folder();
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  writeFileSync(join(dir, 'a.json'), 'old');
  // What the old writer opened with a plain write, following the link onto the victim.
  symlinkSync(victim, join(dir, `.a.json.${process.pid}.tmp`));
  assert.equal((await writeFileAtomically(join(dir, 'a.json'), 'new')).ok, true);
  assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), 'new');
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(readlinkSync(join(dir, `.a.json.${process.pid}.tmp`)), victim);
});

test('a link planted at the exact temp name is refused (O_EXCL), not followed', async () => {
  const dir = folder();
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  writeFileSync(join(dir, 'a.json'), 'old');
  const temp = join(realpathSync(dir), '.a.json.0123456789abcdef.tmp');
  symlinkSync(victim, temp);
  assert.deepEqual(await writeFileAtomically(join(dir, 'a.json'), 'new', { randomBytes: fixedRandom }), {
    ok: false,
    reason: 'failed',
    message: `cannot create a temporary file in ${realpathSync(dir)}: a file already exists there`,
  });
  assert.equal(readFileSync(victim, 'utf8'), 'precious');
  assert.equal(readFileSync(join(dir, 'a.json'), 'utf8'), 'old');
  assert.equal(readlinkSync(temp), victim);
});

test('a rename that fails (immutable target) removes the temp file and leaves the original', { timeout: 10_000 }, async (t) => {
  const dir = folder();
  const file = join(dir, 'a.json');
  writeFileSync(file, 'old');
  const immutable = spawnSync('chattr', ['+i', file], { encoding: 'utf8' });
  if (immutable.status !== 0) return t.skip(`chattr +i is not available here: ${immutable.stderr || immutable.error?.message}`);
  try {
    assert.deepEqual(await writeFileAtomically(file, 'new'), { ok: false, reason: 'failed', message: 'permission denied; the file is unchanged' });
  } finally {
    spawnSync('chattr', ['-i', file]);
  }
  assert.equal(readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['a.json']);
});
