/**
 * The messages between the extension host and the timeline webview (webview/), and the trace
 * shape the webview draws. Everything here is plain JSON (webview messages are serialized): times
 * are milliseconds as numbers, never BigInt. The host builds a `TimelineTrace` with
 * `toTimelineTrace` (core/tracing/timelineData.ts); the webview never parses trace files itself.
 */
import type { TimelineTrace } from '../core/tracing/timelineData';

export type { AttributeValue } from '../core/tracing/model';
export type { TimelineSpan, TimelineTrace } from '../core/tracing/timelineData';

/** What the webview keeps with `setState` and gets back after a window reload. */
export interface TimelineViewState {
  version: 1;
  /** Where the host reads the trace again after a reload (a trace file, or the stored last run). */
  source?: { uri: string; title: string; manifestUri?: string };
  selectedSpanId?: string;
  /** Span ids whose children are hidden. */
  collapsed?: string[];
  filter?: string;
  /** The visible window of the time axis, in ms from the origin. */
  view?: { start: number; end: number };
  scrollTop?: number;
  /** Whether the critical path is highlighted (optional like all of these: a state without it still reads). */
  criticalPath?: boolean;
  /** The width of the span-name column, in CSS pixels. */
  treeWidth?: number;
}

export type HostToWebview =
  /** Show a trace; `state` restores selection, collapsed rows, filter and zoom when it is for the same source. */
  | { type: 'trace'; trace: TimelineTrace; source?: TimelineViewState['source']; revealable: boolean; state?: TimelineViewState }
  /** Select a span (e.g. from a hover in the manifest) and scroll it into view. */
  | { type: 'select'; spanId: string };

export type WebviewToHost =
  /** The page has loaded and listens: the host sends the trace. */
  | { type: 'ready' }
  /** "Reveal in manifest" on a change's span: the host opens the manifest at the change's pointer. */
  | { type: 'reveal'; spanId: string; ref: string }
  /** Export the shown trace (the host asks where, with a default file name, and confirms overwrites). */
  | { type: 'export'; format: 'otlp' | 'chrome' };
