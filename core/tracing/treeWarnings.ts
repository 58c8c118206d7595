/** What the span tree found wrong with a trace's parent links, as lines for stderr or a log. */
import { escapeControlCharacters } from '../terminalText';
import type { SpanTree } from './tree';

/** Beyond this many of one kind, the rest are counted on one line: a hostile file could hold millions. */
export const MAX_WARNINGS_PER_KIND = 20;
/** A cycle's ids are listed up to this many. */
const MAX_CYCLE_IDS = 10;

function chain(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_CYCLE_IDS).map(escapeControlCharacters);
  return ids.length <= MAX_CYCLE_IDS ? [...shown, shown[0]].join(' → ') : `${shown.join(' → ')} → … (${ids.length} spans)`;
}

/**
 * One line per parent cycle and per duplicated span id (spans whose parent is missing are normal
 * in a partial trace and are not reported), without a trailing newline.
 */
export function spanTreeWarnings(tree: SpanTree): string[] {
  const lines: string[] = [];
  for (const cycle of tree.cycles.slice(0, MAX_WARNINGS_PER_KIND)) {
    const root = escapeControlCharacters(cycle.rootSpanId);
    const where = `trace ${escapeControlCharacters(cycle.traceId)}`;
    lines.push(
      cycle.spanIds.length === 1
        ? `${where}: span ${root} is its own parent; it is shown as a root`
        : `${where}: spans ${chain(cycle.spanIds)} form a parent cycle (each followed by its parent); ${root}, the earliest to start, is shown as a root (its parent link to ${escapeControlCharacters(cycle.brokenParentSpanId)} is kept but not followed)`,
    );
  }
  if (tree.cycles.length > MAX_WARNINGS_PER_KIND) lines.push(`${tree.cycles.length - MAX_WARNINGS_PER_KIND} more parent cycles, each shown the same way`);
  for (const duplicate of tree.duplicates.slice(0, MAX_WARNINGS_PER_KIND)) {
    lines.push(
      `trace ${escapeControlCharacters(duplicate.traceId)}: span id ${escapeControlCharacters(duplicate.spanId)} is used by ${duplicate.count} spans; the first in the file is the parent of the spans naming it, the others are shown without children`,
    );
  }
  if (tree.duplicates.length > MAX_WARNINGS_PER_KIND) lines.push(`${tree.duplicates.length - MAX_WARNINGS_PER_KIND} more duplicated span ids, each handled the same way`);
  return lines;
}
