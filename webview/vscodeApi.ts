/** The webview side of VS Code's webview API, typed with our messages and state. */
import type { TimelineViewState, WebviewToHost } from '../common/timelineProtocol';

export interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: TimelineViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** VS Code allows one call per page: main.ts makes it and passes the result down. */
export const acquireApi = (): VsCodeApi => acquireVsCodeApi();
