/**
 * Trace fuzzing: random OTLP and Jaeger documents (parent cycles, missing parents, duplicate span
 * ids, absurd times, wrong types, deep chains), sometimes mutated further as text, each read with
 * readTrace and run through every converter and the terminal timeline. Reading may refuse a
 * document (TraceFormatError, or SyntaxError for text that is no longer JSON); nothing may throw
 * anything else, take over 1 s of CPU, or touch Object.prototype. What we write as OTLP must read back.
 * Deterministic for a seed, so a failure reproduces with the seed and index it prints.
 */
import { prettyJsonChunks } from '../../core/jsonChunks';
import { toChromeTraceStream } from '../../core/tracing/chrome';
import { toJaegerJsonStream } from '../../core/tracing/jaeger';
import { fromOtlpJson, toOtlpJson, toOtlpJsonStream } from '../../core/tracing/otlp';
import { readTrace } from '../../core/tracing/readTrace';
import { renderTimeline } from '../../core/tracing/timeline';
import { TraceFormatError } from '../../core/tracing/traceFormatError';
import { buildSpanTree } from '../../core/tracing/tree';
import { FuzzRun, mutate, pick, random, type FuzzFailure } from './fuzz';

type Rnd = () => number;

const T0 = 1_700_000_000_000_000_000;
const NASTY_TIMES: unknown[] = ['99999999999999999999999', '18446744073709551616', '-5', -5, 1.5, '1.5', '1e9', 'abc', '', null, true, [], {}, 2 ** 64, Number.MAX_VALUE, '0', 0];
const NASTY_STRINGS = ['', 'a\u001b[2Jb\n::error::forged', '\u2028', '\ud800', '__proto__', 'x'.repeat(500), 'reload.probe'];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'reload.change.ref', 'error.type', 'reload.manifest.pointer', ''];

const hex = (rnd: Rnd, digits: number): string => Array.from({ length: digits }, () => Math.floor(rnd() * 16).toString(16)).join('');

/**
 * How likely each field is to be wrong: a document is either well formed in its fields (so the
 * parent links and times get converted) or hostile throughout (so the readers get exercised).
 */
type Hostility = number;

function randomTime(rnd: Rnd, hostility: Hostility, base: number): unknown {
  return rnd() < hostility ? pick(rnd, NASTY_TIMES) : String(base);
}

/** An OTLP AnyValue, or (when hostile) something that is not one. */
function randomAnyValue(rnd: Rnd, hostility: Hostility, depth = 0): unknown {
  if (rnd() >= hostility) return rnd() < 0.5 ? { stringValue: pick(rnd, NASTY_STRINGS) } : { intValue: String(Math.floor(rnd() * 1000)) };
  switch (Math.floor(rnd() * 9)) {
    case 0:
      return { stringValue: pick(rnd, NASTY_STRINGS) };
    case 1:
      return { intValue: pick(rnd, ['12', 12, '-1', 'x', 1e300]) };
    case 2:
      return { doubleValue: pick(rnd, [1.5, -0, 'NaN', null]) };
    case 3:
      return { boolValue: rnd() < 0.5 };
    case 4:
      return { arrayValue: { values: depth < 3 ? Array.from({ length: Math.floor(rnd() * 3) }, () => randomAnyValue(rnd, hostility, depth + 1)) : [] } };
    case 5:
      return { kvlistValue: { values: [] } };
    case 6:
      return pick(rnd, [null, 'x', 7, [], {}]);
    default:
      return { stringValue: `v${Math.floor(rnd() * 100)}` };
  }
}

interface Plan {
  ids: string[];
  parents: (string | undefined)[];
  starts: number[];
}

/** Span ids (some repeated) and parent links (proper, later spans, self, missing, a long chain). */
function randomPlan(rnd: Rnd): Plan {
  const deep = rnd() < 0.01;
  const count = deep ? 2000 : rnd() < 0.1 ? 200 : Math.floor(rnd() * 12);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(i > 0 && rnd() < 0.1 ? pick(rnd, ids) : hex(rnd, 16));
  const parents = ids.map((id, i) => {
    if (deep) return i > 0 ? ids[i - 1] : rnd() < 0.5 ? ids[count - 1] : undefined;
    const r = rnd();
    if (r < 0.25 || count === 0) return undefined;
    if (r < 0.6) return i > 0 ? ids[Math.floor(rnd() * i)] : undefined;
    if (r < 0.8) return pick(rnd, ids);
    if (r < 0.9) return id;
    return hex(rnd, 16);
  });
  const starts = ids.map(() => Math.floor(rnd() * 1e6));
  return { ids, parents, starts };
}

function randomOtlp(rnd: Rnd, hostility: Hostility): unknown {
  const traceId = hex(rnd, 32);
  const plan = randomPlan(rnd);
  const spans = plan.ids.map((spanId, i) => ({
    traceId: rnd() < 0.05 ? hex(rnd, 32) : traceId,
    spanId,
    ...(plan.parents[i] !== undefined ? { parentSpanId: plan.parents[i] } : {}),
    name: rnd() < 0.2 ? pick(rnd, NASTY_STRINGS) : `reload.step${i}`,
    kind: pick(rnd, [1, 2, 'SPAN_KIND_SERVER', 9, -1, 'x']),
    startTimeUnixNano: randomTime(rnd, hostility, T0 + plan.starts[i]),
    endTimeUnixNano: randomTime(rnd, hostility, T0 + plan.starts[i] + Math.floor(rnd() * 2e6) - (rnd() < 0.1 ? 3e6 : 0)),
    attributes: Array.from({ length: Math.floor(rnd() * 4) }, () => ({ key: pick(rnd, NASTY_KEYS), value: randomAnyValue(rnd, hostility) })),
    events: rnd() < 0.2 ? [{ name: 'e', timeUnixNano: randomTime(rnd, hostility, T0), attributes: [] }] : [],
    status: { code: pick(rnd, [0, 1, 2, 'STATUS_CODE_ERROR', 5]), message: pick(rnd, [undefined, 'boom', 'a\u001b[2Jb\n::error::forged', 7]) },
  }));
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] }, scopeSpans: [{ scope: { name: 'fuzz' }, spans }] }] };
}

function randomJaeger(rnd: Rnd, hostility: Hostility): unknown {
  const traceID = hex(rnd, rnd() < 0.5 ? 32 : 16);
  const plan = randomPlan(rnd);
  const spans = plan.ids.map((spanID, i) => ({
    traceID,
    spanID,
    operationName: rnd() < 0.2 ? pick(rnd, NASTY_STRINGS) : `reload.step${i}`,
    references: plan.parents[i] !== undefined ? [{ refType: pick(rnd, ['CHILD_OF', 'FOLLOWS_FROM']), traceID, spanID: plan.parents[i] }] : [],
    startTime: rnd() < hostility ? pick(rnd, NASTY_TIMES) : T0 / 1000 + plan.starts[i],
    duration: rnd() < hostility ? pick(rnd, NASTY_TIMES) : Math.floor(rnd() * 2000) - (rnd() < 0.1 ? 3000 : 0),
    tags: Array.from({ length: Math.floor(rnd() * 4) }, () => ({ key: pick(rnd, [...NASTY_KEYS, 'otel.status_code', 'span.kind', 'error']), type: 'string', value: pick(rnd, [...NASTY_STRINGS, 1, true, null, { a: 1 }, 'ERROR']) })),
    logs: rnd() < 0.2 ? [{ timestamp: T0 / 1000, fields: [{ key: pick(rnd, ['event', '__proto__']), value: 'x' }] }] : [],
    processID: 'p1',
  }));
  return { data: [{ traceID, spans, processes: { p1: { serviceName: pick(rnd, ['svc', 7, '']) } } }] };
}

/** How the cases went: what the fuzz reached, so a test can tell it is not just refusing everything. */
export interface TraceFuzzOutcomes {
  notJson: number;
  refused: number;
  read: number;
  withCycles: number;
  withDuplicates: number;
  withOrphans: number;
}

/** Reads `text` as a trace and runs everything on it; returns why it failed, or undefined. */
function exercise(text: string, outcomes: TraceFuzzOutcomes): string | undefined {
  let trace;
  try {
    trace = readTrace(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError) outcomes.notJson++;
    else if (e instanceof TraceFormatError) outcomes.refused++;
    else return `reading threw: ${e instanceof Error ? e.stack : String(e)}`;
    return undefined;
  }
  try {
    const tree = buildSpanTree(trace.spans);
    outcomes.read++;
    if (tree.cycles.length > 0) outcomes.withCycles++;
    if (tree.duplicates.length > 0) outcomes.withDuplicates++;
    if (tree.orphans.length > 0) outcomes.withOrphans++;
    for (const document of [toOtlpJsonStream(trace), toJaegerJsonStream(trace), toChromeTraceStream(trace, tree)]) JSON.parse([...prettyJsonChunks(document)].join(''));
    renderTimeline(trace, { tree });
    const back = fromOtlpJson(JSON.parse(JSON.stringify(toOtlpJson(trace))));
    if (back.spans.length !== trace.spans.length) return `OTLP read back ${back.spans.length} of ${trace.spans.length} spans`;
  } catch (e) {
    return `threw: ${e instanceof Error ? e.stack : String(e)}`;
  }
  return undefined;
}

/** Runs `count` random trace documents from `seed`; returns failures, the slowest case in ms and the outcomes. */
export function fuzzTraces(seed: number, count: number): { failures: FuzzFailure[]; slowestMs: number; outcomes: TraceFuzzOutcomes } {
  const rnd = random(seed);
  const outcomes: TraceFuzzOutcomes = { notJson: 0, refused: 0, read: 0, withCycles: 0, withDuplicates: 0, withOrphans: 0 };
  const run = new FuzzRun();
  for (let index = 0; index < count; index++) {
    const hostility = rnd() < 0.5 ? 0 : 0.1;
    let text = JSON.stringify(rnd() < 0.6 ? randomOtlp(rnd, hostility) : randomJaeger(rnd, hostility));
    const rounds = rnd() < 0.6 ? 0 : 1 + Math.floor(rnd() * 2);
    for (let r = 0; r < rounds; r++) text = mutate(rnd, text);
    if (!run.case(index, text, () => exercise(text, outcomes))) break;
  }
  return { failures: run.failures, slowestMs: run.slowestMs, outcomes };
}
