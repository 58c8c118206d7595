import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceConvertCommand } from '../../cli/traceCommand';
import type { CommandIo } from '../../cli/io';
import type { TraceSpan } from '../../core/tracing/model';
import { fromOtlpJson, toOtlpJson } from '../../core/tracing/otlp';
import { reloadctl } from '../support/cli';
import { spanIdOf, spanOf, TRACE_ID } from '../support/traceShapes';

const TRACE = TRACE_ID;
const id = spanIdOf;

/** A span numbered `n` whose parent is numbered `parent`, with times in ns after 1,000,000. */
const span = (n: number, parent: number | undefined, start: number, duration = 100): TraceSpan => ({
  ...spanOf(n, parent, BigInt(1_000_000 + start), BigInt(1_000_000 + start + duration), `s${n}`),
  attributes: {},
});

/**
 * A proper root with a child, a two-span loop with a span hanging off it, and a span that is its
 * own parent. The loop lies within the root's time, so laying out lanes asks whether the root is
 * an ancestor of the loop's spans: walking up their parents never ends.
 */
const CYCLIC = JSON.stringify(toOtlpJson({ resource: {}, scope: { name: 't' }, spans: [span(1, undefined, 0, 1000), span(2, 1, 10), span(10, 11, 20), span(11, 10, 25, 35), span(12, 10, 70, 30), span(13, 13, 40)] }));
const CYCLE_WARNINGS =
  `reloadctl: warning: trace ${TRACE}: spans ${id(10)} → ${id(11)} → ${id(10)} form a parent cycle (each followed by its parent); ${id(10)}, the earliest to start, is shown as a root (its parent link to ${id(11)} is kept but not followed)\n` +
  `reloadctl: warning: trace ${TRACE}: span ${id(13)} is its own parent; it is shown as a root\n`;
/** Span → parent as in the file: conversion keeps every span and every link. */
const LINKS = [`${id(1)} -`, `${id(2)} ${id(1)}`, `${id(10)} ${id(11)}`, `${id(11)} ${id(10)}`, `${id(12)} ${id(10)}`, `${id(13)} ${id(13)}`];

function inTemp(files: Record<string, string>, run: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-trace-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Promise.resolve(run(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('trace convert of a trace with parent cycles: every format, every span and link, one warning per cycle, exit 0', () =>
  inTemp({ 'cyclic.json': CYCLIC }, (dir) => {
    const otlp = reloadctl(['trace', 'convert', join(dir, 'cyclic.json'), '--to', 'otlp']);
    assert.deepEqual([otlp.code, otlp.stderr], [0, CYCLE_WARNINGS]);
    assert.deepEqual(
      fromOtlpJson(JSON.parse(otlp.stdout)).spans.map((s) => `${s.spanId} ${s.parentSpanId ?? '-'}`),
      LINKS,
    );
    const jaeger = reloadctl(['trace', 'convert', join(dir, 'cyclic.json'), '--to', 'jaeger']);
    assert.deepEqual([jaeger.code, jaeger.stderr], [0, CYCLE_WARNINGS]);
    const jaegerSpans = JSON.parse(jaeger.stdout).data[0].spans as { spanID: string; references: { spanID: string }[] }[];
    assert.deepEqual(
      jaegerSpans.map((s) => `${s.spanID} ${s.references[0]?.spanID ?? '-'}`),
      LINKS,
    );
    writeFileSync(join(dir, 'cyclic.jaeger.json'), jaeger.stdout);
    const back = reloadctl(['trace', 'convert', join(dir, 'cyclic.jaeger.json'), '--to', 'otlp']);
    assert.deepEqual([back.code, back.stderr], [0, CYCLE_WARNINGS]);
    const chrome = reloadctl(['trace', 'convert', join(dir, 'cyclic.json'), '--to', 'chrome']);
    assert.deepEqual([chrome.code, chrome.stderr], [0, CYCLE_WARNINGS]);
    const events = (JSON.parse(chrome.stdout).traceEvents as { ph: string; tid: number; args: { spanId: string; parentSpanId?: string } }[]).filter((e) => e.ph === 'X');
    assert.deepEqual(
      events.map((e) => `${e.args.spanId} ${e.args.parentSpanId ?? '-'}`),
      LINKS,
    );
    assert.deepEqual(
      events.map((e) => e.tid),
      [1, 1, 2, 2, 2, 3],
    );
  }));

test('trace convert runs on an in-memory CommandIo, written piece by piece', () =>
  inTemp({ 'cyclic.json': CYCLIC }, async (dir) => {
    let stdout = '';
    let stderr = '';
    let pieces = 0;
    const io: CommandIo = {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      writeStdout: async (chunks) => {
        for (const chunk of chunks) {
          stdout += chunk;
          pieces++;
        }
      },
    };
    assert.equal(await traceConvertCommand(join(dir, 'cyclic.json'), 'otlp', io), 0);
    assert.equal(stderr, CYCLE_WARNINGS);
    assert.equal(stdout, reloadctl(['trace', 'convert', join(dir, 'cyclic.json'), '--to', 'otlp']).stdout);
    assert.ok(pieces > 6, `written in ${pieces} pieces`);
  }));

test('trace convert refuses a malformed trace with an escaped message and exit 1, without a stack trace', () =>
  inTemp(
    {
      'bad-id.json': JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a\u001b[2Jb\n::error::forged', traceId: 'zz', spanId: id(1) }] }] }] }),
      'bad-time.json': JSON.stringify(toOtlpJson({ resource: {}, scope: { name: 't' }, spans: [span(1, undefined, 0)] })).replace('"startTimeUnixNano":"1000000"', '"startTimeUnixNano":"-5"'),
      'bad-jaeger.json': JSON.stringify({ data: [{ spans: [{ traceID: TRACE, spanID: 'nothex', operationName: 'x', startTime: 1, duration: 1 }] }] }),
      'not-a-list.json': JSON.stringify({ resourceSpans: [{ scopeSpans: 7 }] }),
    },
    (dir) => {
      const expect = (file: string, message: string): void => {
        const run = reloadctl(['trace', 'convert', join(dir, file), '--to', 'chrome']);
        assert.deepEqual([run.code, run.stdout, run.stderr], [1, '', `reloadctl: cannot read ${join(dir, file)} as a trace: ${message}\n`]);
      };
      expect('bad-id.json', 'span 0 (a\\u001b[2Jb\\n::error::forged): traceId must be 32 hex digits');
      expect('bad-time.json', 'span 0 (s1): startTimeUnixNano must be a whole number of nanoseconds from 0 to 2^64 - 1, not -5');
      expect('bad-jaeger.json', 'data[0].spans[0] (x): spanID must be up to 16 hex digits');
      expect('not-a-list.json', 'resourceSpans[0].scopeSpans must be an array');
    },
  ));
