import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { languageIdForPath } from '../../core/formats';
import { updateSnapshot, validateWithSnapshot } from '../../core/incremental';
import { validateManifest } from '../../core/validate';
import { generateReloadManifest } from '../../bench/generate';
import { random } from '../support/fuzz';
import { EXAMPLES, INVALID, NOW } from '../support/fixtures';

const INSERTS = ['x', '1', ' ', '"', ',', '}', '{', '[', ']', ':', 'true', '-', '\n', '"x": 1,', 'é', '\\'];

/** Random small edits, like typing: mostly inside strings and numbers, sometimes structure-breaking. */
function edit(rnd: () => number, text: string): string {
  const at = Math.floor(rnd() * text.length);
  const roll = rnd();
  if (roll < 0.6) {
    // Inside a string token (keys too: that renames a property).
    const strings = [...text.matchAll(/"(?:[^"\\\n]|\\.)*"/g)];
    const token = strings[Math.floor(rnd() * strings.length)];
    if (!token) return text;
    const inside = (token.index ?? 0) + 1 + Math.floor(rnd() * (token[0].length - 1));
    return rnd() < 0.7 || token[0].length <= 2 ? text.slice(0, inside) + 'yé'.charAt(Math.floor(rnd() * 2)) + text.slice(inside) : text.slice(0, inside - 1) + text.slice(inside);
  }
  if (roll < 0.75) {
    const numbers = [...text.matchAll(/[:\[,]\s*(-?\d+)/g)];
    const number = numbers[Math.floor(rnd() * numbers.length)];
    if (!number) return text;
    const end = (number.index ?? 0) + number[0].length;
    return text.slice(0, end) + String(Math.floor(rnd() * 10)) + text.slice(end);
  }
  if (roll < 0.9) return text.slice(0, at) + INSERTS[Math.floor(rnd() * INSERTS.length)] + text.slice(at);
  return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 3));
}

test('incremental validation equals full validation after every one of thousands of random edits', () => {
  const rnd = random(7);
  const files = [EXAMPLES, INVALID].flatMap((dir) => readdirSync(dir).filter((n) => /\.(reload|mcp-context)\.json$/.test(n) && !n.includes('legacy')).map((n) => join(dir, n)));
  let incremental = 0;
  for (const file of files) {
    const options = { languageId: languageIdForPath(file), now: NOW };
    const original = readFileSync(file, 'utf8');
    let text = original;
    let snapshot = validateWithSnapshot(text, options);
    assert.deepEqual(snapshot.result.diagnostics, validateManifest(text, options).diagnostics, file);
    let broken = 0;
    for (let i = 0; i < Number(process.env.INCREMENTAL_EDITS ?? 150); i++) {
      // A document left broken for a while is restored, as a user would undo.
      broken = snapshot.units.length === 0 ? broken + 1 : 0;
      text = broken > 4 ? original : edit(rnd, text);
      const couldUpdate = snapshot.units.length > 0;
      const next = updateSnapshot(snapshot, text);
      if (couldUpdate && next.units.length > 0) incremental++;
      assert.deepEqual(next.result.diagnostics, validateManifest(text, options).diagnostics, `${file} after edit ${i}:\n${text}`);
      snapshot = next;
    }
  }
  assert.ok(incremental > 500, `only ${incremental} updates were incremental`);
});

test('an edit in a 10,000-change manifest re-validates one unit and matches full validation', () => {
  const options = { languageId: 'reload-manifest' as const, now: NOW };
  let text = generateReloadManifest(10_000);
  let snapshot = validateWithSnapshot(text, options);
  const rnd = random(11);
  for (let i = 0; i < 20; i++) {
    const at = text.indexOf('"version": "1.', Math.floor(rnd() * text.length));
    if (at < 0) continue;
    text = `${text.slice(0, at + 12)}${i % 3 === 0 ? 'bad version' : '9'}${text.slice(at + 12)}`;
    snapshot = updateSnapshot(snapshot, text);
    assert.ok(snapshot.units.length > 0);
    assert.deepEqual(snapshot.result.diagnostics, validateManifest(text, options).diagnostics);
  }
});
