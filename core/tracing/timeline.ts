/** The terminal timeline of a run: the span tree with bars scaled to the run, durations and ✓/✗. */
import { escapeControlCharacters } from '../terminalText';
import type { TraceData, TraceSpan } from './model';
import { spanSubject } from './spanSubject';
import { buildSpanTree, type SpanTree } from './tree';
import { spanTreeWarnings } from './treeWarnings';

const BAR_WIDTH = 32;
const MAX_LABEL_WIDTH = 64;
/** Deeper spans are indented this far and show their depth as a number: indenting by depth would make a 100,000-deep chain quadratic. */
const MAX_INDENT_DEPTH = 16;
/** Names and values are cut to this many characters before escaping: only MAX_LABEL_WIDTH of them can show. */
const MAX_SHOWN_TEXT = 4 * MAX_LABEL_WIDTH;

/** Text from the trace file, safe to print: cut to what can show, control characters escaped. */
const shown = (value: unknown): string => escapeControlCharacters(String(value).slice(0, MAX_SHOWN_TEXT));

function label(span: TraceSpan): string {
  const subject = spanSubject(span.name, span.attributes, shown);
  return subject !== undefined ? `${shown(span.name)} ${subject}` : shown(span.name);
}

function indent(depth: number): string {
  return depth <= MAX_INDENT_DEPTH ? '  '.repeat(depth) : `${'  '.repeat(MAX_INDENT_DEPTH - 4)}[${depth}] `;
}

export function formatDuration(ns: bigint): string {
  return formatMilliseconds(Number(ns) / 1e6);
}

/** A duration as every view shows it: `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function formatMilliseconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

export interface TimelineOptions {
  color?: boolean;
  /** The trace's span tree, when the caller has built it already. */
  tree?: SpanTree;
}

export interface Timeline {
  /** The timeline, one line per span (two for a failed one), ending in a newline. */
  text: string;
  /** Parent cycles and duplicated span ids found in the trace (see spanTreeWarnings), for stderr or a log. */
  warnings: string[];
}

/** A bar column for a time: within [0, BAR_WIDTH] whatever the times are (negative durations, far-off ends). */
function column(ns: bigint, start: bigint, total: number, round: (x: number) => number): number {
  const at = round((Number(ns - start) / total) * BAR_WIDTH);
  return Number.isFinite(at) ? Math.min(BAR_WIDTH, Math.max(0, at)) : BAR_WIDTH;
}

export function renderTimeline(trace: TraceData, options: TimelineOptions = {}): Timeline {
  const tree = options.tree ?? buildSpanTree(trace.spans);
  const warnings = spanTreeWarnings(tree);
  if (tree.nodes.length === 0) return { text: '(no spans)\n', warnings };
  let start = tree.nodes[0].span.startNs;
  let end = start;
  for (const { span } of tree.nodes) {
    if (span.startNs < start) start = span.startNs;
    if (span.endNs > end) end = span.endNs;
  }
  const total = Number(end - start) || 1;
  const paint = (code: number, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const labels = tree.nodes.map(({ span, depth }) => `${indent(depth)}${label(span)}`);
  let width = 0;
  for (const l of labels) width = Math.max(width, Math.min(MAX_LABEL_WIDTH, l.length));
  const lines = tree.nodes.map(({ span }, i) => {
    const from = Math.min(BAR_WIDTH - 1, column(span.startNs, start, total, Math.floor));
    const to = Math.max(from + 1, column(span.endNs, start, total, Math.round));
    const bar = ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(BAR_WIDTH - to);
    const mark = span.status.code === 2 ? paint(31, '✗') : paint(32, '✓');
    const text = labels[i].length > width ? `${labels[i].slice(0, width - 1)}…` : labels[i].padEnd(width);
    let line = `${mark} ${text} │${bar}│ ${formatDuration(span.endNs - span.startNs).padStart(9)}`;
    if (span.status.code === 2) {
      const type = span.attributes['error.type'];
      const pointer = span.attributes['reload.manifest.pointer'];
      const problem = `${escapeControlCharacters(String(type ?? 'Error'))}: ${escapeControlCharacters(span.status.message ?? '')}`;
      line += `\n    ${paint(31, problem)}${pointer !== undefined ? ` (at ${escapeControlCharacters(String(pointer))})` : ''}`;
    }
    return line;
  });
  return { text: `${lines.join('\n')}\n`, warnings };
}
