/**
 * Text from manifests, traces and file names shown in a terminal or a CI log. Names and messages
 * may carry control characters (a manifest from a pull request, a span name from a trace file):
 * printed raw they could move the cursor, recolour or clear the screen, or start a forged line
 * (`\n::error …` in a GitHub Actions log). They are shown escaped instead.
 */

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeOne(c: string): string {
  switch (c) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** `text` with every control character written as a visible escape (`\n`, `\u001b`, …). */
export function escapeControlCharacters(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, escapeOne) : text;
}
