/**
 * The tree's keys, as the WAI-ARIA tree pattern has them: Up/Down move, Right expands or goes to
 * the first child, Left collapses or goes to the parent, Home/End, Page Up/Down, Space toggles,
 * Enter opens the details. Selection follows the active row.
 */
import type { FilterResult } from './filter';
import type { TimelineModel } from './model';
import { canExpand, rowOf, type RowList } from './rows';

export type TreeAction = { kind: 'select'; span: number } | { kind: 'expand'; span: number; expanded: boolean } | { kind: 'details' };

export interface TreeNavigation {
  model: TimelineModel;
  list: RowList;
  filter: FilterResult | undefined;
  collapsed: Uint8Array;
  selected: number;
  /** Rows in view: what Page Up / Page Down move by. */
  pageRows: number;
}

function moveBy(nav: TreeNavigation, position: number, key: string): TreeAction | undefined {
  const last = nav.list.count - 1;
  const page = Math.max(1, nav.pageRows - 1);
  const target: Record<string, number> = {
    ArrowDown: position === -1 ? 0 : position + 1,
    ArrowUp: position === -1 ? 0 : position - 1,
    Home: 0,
    End: last,
    PageDown: position + page,
    PageUp: position - page,
  };
  if (!(key in target)) return undefined;
  return { kind: 'select', span: nav.list.rows[Math.min(last, Math.max(0, target[key]))] };
}

export function treeKeyAction(key: string, nav: TreeNavigation): TreeAction | undefined {
  if (nav.list.count === 0) return undefined;
  const position = nav.selected === -1 ? -1 : rowOf(nav.list, nav.selected);
  const moved = moveBy(nav, position, key);
  if (moved) return moved;
  if (position === -1) return key === 'ArrowRight' || key === 'ArrowLeft' ? { kind: 'select', span: nav.list.rows[0] } : undefined;
  const span = nav.selected;
  const expandable = canExpand(nav.model, nav.filter, span);
  const expanded = expandable && !nav.collapsed[span];
  switch (key) {
    case 'ArrowRight':
      if (expandable && !expanded) return { kind: 'expand', span, expanded: true };
      return expanded && position + 1 < nav.list.count ? { kind: 'select', span: nav.list.rows[position + 1] } : undefined;
    case 'ArrowLeft':
      if (expanded) return { kind: 'expand', span, expanded: false };
      return nav.model.parent[span] !== -1 ? { kind: 'select', span: nav.model.parent[span] } : undefined;
    case ' ':
      return expandable ? { kind: 'expand', span, expanded: !expanded } : undefined;
    case 'Enter':
      return { kind: 'details' };
    default:
      return undefined;
  }
}
