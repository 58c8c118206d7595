/**
 * A trace file of over 100 MB through `reloadctl trace convert` to each format: the output is
 * written span by span, so the process's peak memory stays a small multiple of the input instead
 * of also holding the whole output as objects and as one string. Measured on a 108 MiB input:
 * 375 MiB peak for every format; building the output whole took 690 (OTLP), 1,040 (Jaeger) and
 * 540 MiB (Chrome).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { prettyJsonText } from '../../core/jsonChunks';
import type { TraceSpan } from '../../core/tracing/model';
import { toOtlpJsonStream } from '../../core/tracing/otlp';
import { writeFileChunks } from '../../node/writeChunks';
import { ROOT } from '../support/fixtures';
import { spanIdOf, TRACE_ID, traceOf } from '../support/traceShapes';

const SPANS = 60_000;
/** Reading takes about 3.5 × the input (its text, the parsed JSON, the trace model); writing adds little. */
const PEAK_PER_INPUT = 4.5;
const T0 = 1_700_000_000_000_000_000n;

/** A span with what real ones carry: a change ref, a digest, a size, a note, an event. */
function heavySpan(n: number): TraceSpan {
  const start = T0 + BigInt(n) * 1_000_000n;
  return {
    traceId: TRACE_ID,
    spanId: spanIdOf(n + 1),
    ...(n > 0 ? { parentSpanId: spanIdOf(Math.floor((n - 1) / 8) + 1) } : {}),
    name: n === 0 ? 'reload.dryRun' : 'reload.stage',
    kind: 1,
    startNs: start,
    endNs: start + 5_000_000n,
    attributes: {
      'reload.change.ref': `model:m${n}`,
      'artifact.digest': `sha256:${(n * 2654435761).toString(16).padStart(64, '0')}`,
      'artifact.size': n * 1024,
      'reload.note': `staged from models/m${n}.onnx `.repeat(8),
    },
    events: [{ name: 'hashed', timeNs: start + 1_000_000n, attributes: { 'bytes.read': n * 1024 } }],
    status: { code: 1 },
  };
}

/** Runs the built CLI with stdout piped into `out`; returns its exit code, stderr and peak memory in MiB. */
async function convert(input: string, to: string, out: string, dir: string): Promise<{ code: number | null; stderr: string; peakMiB: number }> {
  const peakFile = join(dir, `peak-${to}`);
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(ROOT, 'test/support/reportPeakMemory.mjs')).href, join(ROOT, 'dist/cli.js'), 'trace', 'convert', input, '--to', to], {
    env: { ...process.env, PEAK_MEMORY_FILE: peakFile },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const file = createWriteStream(out);
  child.stdout.pipe(file);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await finished(file);
  return { code, stderr, peakMiB: Number(readFileSync(peakFile, 'utf8')) / 1024 };
}

test('a 100+ MB trace converts to every format with bounded peak memory, and the output parses', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-large-trace-'));
  try {
    const input = join(dir, 'large.otlp.json');
    await writeFileChunks(input, prettyJsonText(toOtlpJsonStream(traceOf(Array.from({ length: SPANS }, (_, n) => heavySpan(n))))));
    const inputMiB = statSync(input).size / 1024 / 1024;
    assert.ok(inputMiB > 100, `the input is ${inputMiB.toFixed(0)} MiB`);
    for (const to of ['otlp', 'jaeger', 'chrome']) {
      const out = join(dir, `out.${to}.json`);
      const run = await convert(input, to, out, dir);
      t.diagnostic(`${to}: input ${inputMiB.toFixed(0)} MiB, output ${(statSync(out).size / 1024 / 1024).toFixed(0)} MiB, peak RSS ${run.peakMiB.toFixed(0)} MiB`);
      assert.deepEqual([run.code, run.stderr], [0, '']);
      assert.ok(run.peakMiB < PEAK_PER_INPUT * inputMiB, `${to}: peak ${run.peakMiB.toFixed(0)} MiB, over ${PEAK_PER_INPUT} × the input`);
      const output = JSON.parse(readFileSync(out, 'utf8'));
      if (to === 'otlp') {
        const spans = output.resourceSpans[0].scopeSpans[0].spans;
        assert.equal(spans.length, SPANS);
        assert.deepEqual([spans[9].spanId, spans[9].parentSpanId, spans[9].attributes[3].value.stringValue], [spanIdOf(10), spanIdOf(2), 'staged from models/m9.onnx '.repeat(8)]);
      } else if (to === 'jaeger') {
        const spans = output.data[0].spans;
        assert.equal(spans.length, SPANS);
        assert.deepEqual([spans[9].spanID, spans[9].references[0].spanID], [spanIdOf(10), spanIdOf(2)]);
      } else {
        const spans = output.traceEvents.filter((e: { ph: string }) => e.ph === 'X');
        assert.equal(spans.length, SPANS);
        assert.deepEqual([spans[9].args.spanId, spans[9].args.parentSpanId], [spanIdOf(10), spanIdOf(2)]);
      }
      rmSync(out);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
