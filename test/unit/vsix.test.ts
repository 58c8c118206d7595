/**
 * `npm run package` as a release would run it: the production build always runs first, and the
 * .vsix holds exactly the allow-listed files, with minified bundles, the icon and a README whose
 * links work on the Marketplace page.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/fixtures';
import { HAS_WEBVIEW_SOURCES, packageExtension, VSIX_BUNDLES, VSIX_FILES, WEBVIEW_FILES } from '../support/vsix';
import { ZipArchive } from '../support/zip';

const REPOSITORY = 'https://github.com/tracing-reload/tracing-reload';
const STALE = '// a stale bundle that packaging must rebuild\n';
let vsix: ZipArchive;

before(async () => {
  // Leave a stale client bundle in dist/: the package must come from a fresh production build.
  // (Replaced by a rename, as the build writes, so nothing ever sees half a file.)
  const client = join(ROOT, 'dist', 'client.js');
  if (existsSync(join(ROOT, 'dist'))) {
    writeFileSync(`${client}.stale`, STALE);
    renameSync(`${client}.stale`, client);
  }
  vsix = new ZipArchive(await packageExtension());
});

test('the .vsix holds exactly the allow-listed files', () => {
  const expected = HAS_WEBVIEW_SOURCES ? VSIX_FILES : VSIX_FILES.filter((name) => !WEBVIEW_FILES.includes(name));
  const names = [...vsix.names].sort();
  const missing = expected.filter((name) => !names.includes(name));
  const extra = names.filter((name) => !expected.includes(name));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'the .vsix differs from the allow-list in test/support/vsix.ts (.vscodeignore admits the files)');
  assert.deepEqual(names, expected);
});

test('the .vsix holds the timeline page (dist/webview.js, dist/webview.css)', { skip: HAS_WEBVIEW_SOURCES ? false : 'webview/ is not in this checkout: the timeline page is built from it once its branch is merged' }, () => {
  for (const name of WEBVIEW_FILES) assert.ok(vsix.names.includes(name), `${name} is not in the .vsix: the build must write it from webview/ and .vscodeignore must admit it`);
});

test('the bundles in the .vsix come from a fresh production build: minified, no source maps', () => {
  for (const name of VSIX_BUNDLES.filter((n) => vsix.names.includes(n))) {
    const text = vsix.text(name);
    assert.notEqual(text, STALE, `${name} is the stale file left in dist/: packaging did not rebuild`);
    assert.equal(text.includes('sourceMappingURL'), false, `${name} points at a source map`);
    const lines = text.split('\n').length;
    assert.ok(lines < 1000 && text.length / lines > 2000, `${name} does not look minified: ${lines} lines, ${Math.round(text.length / lines)} characters a line`);
    // What was packaged is what the build left in dist/.
    assert.equal(text, readFileSync(join(ROOT, name.replace(/^extension\//, '')), 'utf8'), `${name} differs from the built file`);
  }
  assert.equal(vsix.names.some((name) => name.endsWith('.map')), false);
});

test('the packaged manifest is package.json, with the Marketplace fields set', () => {
  const packaged = JSON.parse(vsix.text('extension/package.json'));
  assert.deepEqual(packaged, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  assert.deepEqual(
    { icon: packaged.icon, galleryBanner: packaged.galleryBanner, repository: packaged.repository, homepage: packaged.homepage, bugs: packaged.bugs },
    {
      icon: 'images/icon.png',
      galleryBanner: { color: '#0f2a44', theme: 'dark' },
      repository: { type: 'git', url: REPOSITORY },
      homepage: `${REPOSITORY}#readme`,
      bugs: { url: `${REPOSITORY}/issues` },
    },
  );
  assert.equal(packaged.scripts['vscode:prepublish'], 'node scripts/build.mjs --production');
  assert.match(vsix.text('extension.vsixmanifest'), /<Icon>extension\/images\/icon\.png<\/Icon>/);
});

test('the icon is a 128×128 PNG', () => {
  const png = vsix.read('extension/images/icon.png');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
});

test("the packaged README keeps the set-up commands on top and links only to https URLs (images to the repository's files)", () => {
  const readme = vsix.text('extension/readme.md');
  const top = readme.split('\n').slice(0, 8).join('\n');
  assert.match(top, /^npm start\b/m);
  assert.match(top, /^bash \.ci\/run\b/m);
  const links = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => ({ image: m[0].startsWith('!'), target: m[1] }));
  const htmlImages = [...readme.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => ({ image: true, target: m[1] }));
  assert.ok(links.length > 5, 'the README links to the docs');
  for (const { image, target } of [...links, ...htmlImages]) {
    assert.match(target, /^(https:\/\/|#)/, `README link ${target} would break on the Marketplace page`);
    const inRepository = target.match(new RegExp(`^${REPOSITORY}/(?:blob|raw)/HEAD/(.+?)(?:#.*)?$`));
    if (inRepository) assert.ok(existsSync(join(ROOT, decodeURIComponent(inRepository[1]))), `README links to ${inRepository[1]}, which is not in the repository`);
    if (image) assert.match(target, new RegExp(`^${REPOSITORY}/raw/HEAD/docs/images/[\\w-]+\\.png$`), `README image ${target} is not one of the committed screenshots`);
  }
  assert.ok(htmlImages.length + links.filter((l) => l.image).length >= 2, 'the README shows the screenshots');
});
