/**
 * The timeline webview's page in Chromium: its CSP, the escaping of what it shows, the bundle
 * (no HTML built from data), and the layout of a narrow panel with the screenshot of a rolled-back run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineTrace } from '../../common/timelineProtocol';
import { escapeHtml, newNonce, timelineCsp, timelineHtml } from '../../webview/html';
import { ROOT } from '../support/fixtures';
import { dryRunTrace, ROLLED_BACK_MANIFEST, show, skip, smallTrace, timelinePages } from '../support/webviewFixtures';
import { deliver, nextFrame } from '../support/webviewPage';

/** A real dry run by reloadctl whose post-activation probe fails and rolls back. */
let rolledBack: TimelineTrace;
before(() => {
  if (skip) return;
  rolledBack = dryRunTrace(ROLLED_BACK_MANIFEST);
});
const { withPage } = timelinePages();

test('the page: a strict CSP with a nonce, the title escaped, no HTML built from data anywhere in the bundle', { skip }, async () => {
  const nonce = newNonce();
  assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.notEqual(newNonce(), nonce);
  const html = timelineHtml({ scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', styleUri: 'https://x.vscode-cdn.net/dist/webview.css', cspSource: 'https://*.vscode-cdn.net', nonce, title: '</title><script>alert(1)</script>.json' });
  assert.ok(
    html.includes(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; img-src https://*.vscode-cdn.net data:; style-src https://*.vscode-cdn.net; script-src &#39;nonce-${nonce}&#39;; font-src https://*.vscode-cdn.net">`,
    ),
  );
  assert.ok(html.includes('<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;.json</title>'));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  // A source list that would add to the policy, and a guessable nonce, are refused.
  for (const source of ["https://a 'unsafe-inline'", 'https://a; script-src *', 'https://a,https://b', '']) {
    assert.throws(() => timelineCsp(source, nonce), /not a CSP source list/);
  }
  assert.throws(() => timelineCsp('https://a', '1234'), /nonce/);
  assert.equal(timelineCsp("'self' https://a", nonce), `default-src 'none'; img-src 'self' https://a data:; style-src 'self' https://a; script-src 'nonce-${nonce}'; font-src 'self' https://a`);
  const bundle = readFileSync(join(ROOT, 'dist', 'webview.js'), 'utf8');
  assert.deepEqual(['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval('].filter((name) => bundle.includes(name)), []);

  await withPage({ title: '</title><script>window.__injected = 1</script>"x.json' }, async (page) => {
    assert.deepEqual(await page.evaluate(() => [document.title, (window as { __injected?: number }).__injected, document.scripts.length]), ['</title><script>window.__injected = 1</script>"x.json', undefined, 1]);
    await deliver(page, show(smallTrace(), { trace: { ...smallTrace(), title: '<img src=x onerror="window.__injected=2">' } }));
    assert.deepEqual(await page.evaluate(() => [document.querySelector('.title')!.textContent, document.querySelectorAll('img').length, (window as { __injected?: number }).__injected]), ['<img src=x onerror="window.__injected=2">', 0, undefined]);
  });
});

test('a narrow panel stacks the details below the waterfall; the screenshot of a rolled-back run', { skip }, async () => {
  await withPage({ viewport: { width: 560, height: 800 } }, async (page) => {
    await deliver(page, show(rolledBack));
    const [waterfall, side] = await page.evaluate(() => ['.waterfall', '.side'].map((s) => document.querySelector(s)!.getBoundingClientRect().toJSON()));
    assert.ok(side.top >= waterfall.bottom - 1 && side.width >= 540, JSON.stringify({ waterfall, side }));
  });
  await withPage({ viewport: { width: 1000, height: 600 } }, async (page) => {
    await deliver(page, show(rolledBack));
    const probe = rolledBack.spans.findIndex((s) => s.name === 'reload.probe');
    await page.click(`#span-row-${probe}`);
    await nextFrame(page);
    // UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise the latest render goes to test/screenshots (ignored by git).
    const path = process.env.UPDATE_SCREENSHOTS ? join(ROOT, 'docs', 'images', 'timeline.png') : join(ROOT, 'test', 'screenshots', 'timeline.png');
    mkdirSync(join(path, '..'), { recursive: true });
    await page.screenshot({ path });
  });
});
