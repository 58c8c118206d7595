/**
 * Manifest fuzzing: random mutations of real manifests, each run through validation and migration.
 * Deterministic for a seed, so a failure reproduces with the seed and index it prints.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateManifest } from '../../core/migrate';
import { validateManifest } from '../../core/validate';
import type { LanguageId } from '../../core/formats';
import { EXAMPLES, INVALID } from './fixtures';

/** mulberry32: small, fast, good enough to drive mutations. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seed {
  text: string;
  languageId: LanguageId;
}

export function seeds(): Seed[] {
  return [EXAMPLES, INVALID].flatMap((dir) =>
    readdirSync(dir)
      .filter((n) => /\.(reload|mcp-context)\.json$/.test(n))
      .map((n) => ({ text: readFileSync(join(dir, n), 'utf8'), languageId: (n.endsWith('.mcp-context.json') ? 'mcp-context' : 'reload-manifest') as LanguageId })),
  );
}

const NASTY_VALUES: (() => unknown)[] = [
  () => null,
  () => 0,
  () => -1e308,
  () => true,
  () => '',
  () => 'x'.repeat(1_000_000),
  () => '\ud800\udfff\ud800',
  () => '\ufffd\u0000',
  () => [],
  () => ({}),
  () => JSON.parse('{"__proto__": {"polluted": 1}}'),
  () => ({ constructor: { prototype: { polluted: 1 } } }),
  () => JSON.parse('['.repeat(200) + ']'.repeat(200)),
  () => '{{x}}{{',
  () => 'model:',
  () => 'sha256:' + 'g'.repeat(64),
];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '', 'x-', 'kind', 'id'];
const PUNCTUATION = ['{', '}', '[', ']', ',', ':', '"', '/*', '//', '\\', '\n', '\ud800', 'null', '-', '1e999'];

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)];
}

/** A random container path in a parsed value, with the container. */
function randomSpot(rnd: () => number, root: unknown): [Record<string, unknown> | unknown[], string | number] | undefined {
  let node = root;
  let spot: [Record<string, unknown> | unknown[], string | number] | undefined;
  for (let depth = 0; depth < 8 && node && typeof node === 'object'; depth++) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const key = pick(rnd, keys);
    spot = [node as Record<string, unknown>, key];
    node = (node as Record<string | number, unknown>)[key];
    if (rnd() < 0.3) break;
  }
  return spot;
}

export function mutate(rnd: () => number, text: string): string {
  const at = Math.floor(rnd() * (text.length + 1));
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 20));
    case 2:
      return text.slice(0, at) + pick(rnd, PUNCTUATION) + text.slice(at);
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(rnd() * lines.length);
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
    case 4:
      return text.slice(0, at) + '/* ' + pick(rnd, PUNCTUATION) + ' */' + text.slice(at);
    default: {
      let value: unknown;
      try {
        value = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, ''));
      } catch {
        return text.slice(0, at) + pick(rnd, PUNCTUATION) + text.slice(at);
      }
      const spot = randomSpot(rnd, value);
      if (!spot) return text;
      const [container, key] = spot;
      if (rnd() < 0.3 && !Array.isArray(container)) {
        const nastyKey = pick(rnd, NASTY_KEYS);
        Object.defineProperty(container, nastyKey, { value: container[key as string], enumerable: true, configurable: true, writable: true });
        delete container[key as string];
      } else {
        (container as Record<string | number, unknown>)[key] = pick(rnd, NASTY_VALUES)();
      }
      return JSON.stringify(value, null, rnd() < 0.5 ? 2 : undefined);
    }
  }
}

export interface FuzzFailure {
  index: number;
  reason: string;
  text: string;
}

/**
 * What a fuzz run found: the failures, the slowest case, and whether Object.prototype changed (which
 * ends the run). Cases are timed in CPU time, so the machine's other work cannot make one look hung.
 */
export class FuzzRun {
  readonly failures: FuzzFailure[] = [];
  slowestMs = 0;
  private readonly prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();

  /** Runs one case; `body` throws or returns why the case failed. Returns false when the run must stop. */
  case(index: number, text: string, body: () => string | undefined): boolean {
    const started = process.cpuUsage();
    try {
      const reason = body();
      if (reason) this.failures.push({ index, reason, text });
    } catch (e) {
      this.failures.push({ index, reason: `threw: ${e instanceof Error ? e.stack : String(e)}`, text });
    }
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    this.slowestMs = Math.max(this.slowestMs, elapsed);
    if (elapsed > 1000) this.failures.push({ index, reason: `took ${elapsed.toFixed(0)} ms`, text });
    if (Object.getOwnPropertyNames(Object.prototype).join() !== this.prototypeKeys || ({} as Record<string, unknown>).polluted !== undefined) {
      this.failures.push({ index, reason: 'Object.prototype was modified', text });
      return false;
    }
    return true;
  }
}

/** Runs `count` mutations from `seed`; returns failures and the slowest case in ms. */
export function fuzz(seed: number, count: number): { failures: FuzzFailure[]; slowestMs: number } {
  const rnd = random(seed);
  const corpus = seeds();
  const run = new FuzzRun();
  for (let index = 0; index < count; index++) {
    const base = pick(rnd, corpus);
    let text = base.text;
    const rounds = 1 + Math.floor(rnd() * 3);
    for (let r = 0; r < rounds; r++) text = mutate(rnd, text);
    const languageId = rnd() < 0.8 ? base.languageId : undefined;
    const going = run.case(index, text, () => {
      validateManifest(text, { languageId });
      migrateManifest(text, { languageId: base.languageId });
      return undefined;
    });
    if (!going) break;
  }
  return { failures: run.failures, slowestMs: run.slowestMs };
}
