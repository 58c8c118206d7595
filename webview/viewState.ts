/**
 * The page's state kept by VS Code (`setState`), written at most every THROTTLE_MS and at once
 * when the page is hidden, so a window reload finds the selection, collapsed rows, filter, zoom
 * and scroll where they were.
 */
import type { TimelineViewState } from '../common/timelineProtocol';
import type { VsCodeApi } from './vscodeApi';

export const THROTTLE_MS = 250;

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A state as stored, or undefined when it is not one this page wrote (another version, or damaged). Unknown parts are dropped. */
export function readViewState(value: unknown): TimelineViewState | undefined {
  if (typeof value !== 'object' || value === null || (value as { version?: unknown }).version !== 1) return undefined;
  const state = value as Record<string, unknown>;
  const source = state.source as Record<string, unknown> | undefined;
  const view = state.view as Record<string, unknown> | undefined;
  return {
    version: 1,
    ...(source && typeof source.uri === 'string' && typeof source.title === 'string'
      ? { source: { uri: source.uri, title: source.title, ...(typeof source.manifestUri === 'string' ? { manifestUri: source.manifestUri } : {}) } }
      : {}),
    ...(typeof state.selectedSpanId === 'string' ? { selectedSpanId: state.selectedSpanId } : {}),
    ...(isStringArray(state.collapsed) ? { collapsed: state.collapsed } : {}),
    ...(typeof state.filter === 'string' ? { filter: state.filter } : {}),
    ...(view && isFiniteNumber(view.start) && isFiniteNumber(view.end) ? { view: { start: view.start, end: view.end } } : {}),
    ...(isFiniteNumber(state.scrollTop) ? { scrollTop: state.scrollTop } : {}),
    ...(typeof state.criticalPath === 'boolean' ? { criticalPath: state.criticalPath } : {}),
    ...(isFiniteNumber(state.treeWidth) ? { treeWidth: state.treeWidth } : {}),
  };
}

export class ViewStateStore {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Builds the state to store: called when it is written, not on every change (a scroll changes it every frame). */
  private pending: (() => TimelineViewState) | undefined;

  constructor(private readonly api: VsCodeApi) {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush();
    });
  }

  /** What VS Code kept for this page, if anything usable. */
  restored(): TimelineViewState | undefined {
    return readViewState(this.api.getState());
  }

  /** Stores the state `current` builds within THROTTLE_MS (the latest call wins). */
  save(current: () => TimelineViewState): void {
    this.pending = current;
    this.timer ??= setTimeout(() => this.flush(), THROTTLE_MS);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const current = this.pending;
    this.pending = undefined;
    if (current) this.api.setState(current());
  }
}
