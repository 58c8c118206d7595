/** The terminal timeline of a run: the span tree with bars scaled to the run, durations and ✓/✗. */
import { treeOrder, type TraceData, type TraceSpan } from './model';

const BAR_WIDTH = 32;

function label(span: TraceSpan): string {
  const a = span.attributes;
  if (span.name === 'reload.probe') return `${span.name} ${String(a['reload.probe.id'] ?? '')} → ${String(a['reload.change.ref'] ?? '')}`;
  const detail = a['reload.change.ref'] ?? a['reload.session.id'] ?? a['reload.manifest.name'];
  return detail !== undefined ? `${span.name} ${String(detail)}` : span.name;
}

export function formatDuration(ns: bigint): string {
  const ms = Number(ns) / 1e6;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

export function renderTimeline(trace: TraceData, options: { color?: boolean } = {}): string {
  const ordered = treeOrder(trace.spans);
  if (ordered.length === 0) return '(no spans)\n';
  const start = ordered.reduce((min, { span }) => (span.startNs < min ? span.startNs : min), ordered[0].span.startNs);
  const end = ordered.reduce((max, { span }) => (span.endNs > max ? span.endNs : max), ordered[0].span.endNs);
  const total = Number(end - start) || 1;
  const paint = (code: number, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const labels = ordered.map(({ span, depth }) => `${'  '.repeat(depth)}${label(span)}`);
  const width = Math.min(64, Math.max(...labels.map((l) => l.length)));
  const lines = ordered.map(({ span }, i) => {
    const from = Math.floor((Number(span.startNs - start) / total) * BAR_WIDTH);
    const to = Math.max(from + 1, Math.round((Number(span.endNs - start) / total) * BAR_WIDTH));
    const bar = ' '.repeat(from) + '█'.repeat(Math.min(to, BAR_WIDTH) - from) + ' '.repeat(BAR_WIDTH - Math.min(to, BAR_WIDTH));
    const mark = span.status.code === 2 ? paint(31, '✗') : paint(32, '✓');
    const text = labels[i].length > width ? `${labels[i].slice(0, width - 1)}…` : labels[i].padEnd(width);
    let line = `${mark} ${text} │${bar}│ ${formatDuration(span.endNs - span.startNs).padStart(9)}`;
    if (span.status.code === 2) {
      const type = span.attributes['error.type'];
      const pointer = span.attributes['reload.manifest.pointer'];
      line += `\n    ${paint(31, `${String(type ?? 'Error')}: ${span.status.message ?? ''}`)}${pointer !== undefined ? ` (at ${String(pointer)})` : ''}`;
    }
    return line;
  });
  return `${lines.join('\n')}\n`;
}
