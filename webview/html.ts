/**
 * The timeline webview's page (the host serves it; the tests load the same page). Pure: no
 * `vscode` import, so the Chromium tests build the page exactly as the extension does. The page
 * is a shell: the script builds everything else with DOM calls, and the trace's own text (its
 * title, span names) never passes through HTML.
 */

export interface TimelinePage {
  /** The bundle `dist/webview.js`, as a webview URI. */
  scriptUri: string;
  /** The stylesheet `dist/webview.css`, as a webview URI. */
  styleUri: string;
  /** `webview.cspSource`: the origins the page may load its files from (space-separated sources). */
  cspSource: string;
  /** From `newNonce()`, new for every page. */
  nonce: string;
  /** The document title (a file name): escaped here; the script shows the trace's title itself. */
  title: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for an HTML text node or a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/**
 * One source of a CSP source list: a scheme or host source, or `'self'`. Anything else (a `;`, a
 * comma, another quoted keyword such as `'unsafe-inline'`) would widen the policy.
 */
const CSP_SOURCE = /^(?:'self'|[A-Za-z0-9*:/.\-_+%]+)$/;
const NONCE = /^[A-Za-z0-9+/=_-]{16,}$/;

/** The page's Content Security Policy: scripts only with the nonce, styles, images and fonts only from `cspSource`. */
export function timelineCsp(cspSource: string, nonce: string): string {
  const sources = cspSource.split(' ').filter((source) => source !== '');
  if (sources.length === 0 || !sources.every((source) => CSP_SOURCE.test(source))) throw new Error(`timelineCsp: not a CSP source list: ${JSON.stringify(cspSource)}`);
  if (!NONCE.test(nonce)) throw new Error('timelineCsp: the nonce must be at least 16 base64 or hex characters (use newNonce())');
  const list = sources.join(' ');
  return [`default-src 'none'`, `img-src ${list} data:`, `style-src ${list}`, `script-src 'nonce-${nonce}'`, `font-src ${list}`].join('; ');
}

export function timelineHtml(page: TimelinePage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(timelineCsp(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
</head>
<body>
<script nonce="${escapeHtml(page.nonce)}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>
`;
}

/** 128 random bits as 32 hex digits, from the platform's cryptographic generator (Node and browsers alike). */
export function newNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
