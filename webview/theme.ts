/**
 * Colours for the canvases, read from the page's CSS: timeline.css maps VS Code's theme variables
 * (`--vscode-charts-blue`, `--vscode-errorForeground`…) to `--tl-*` ones with fallbacks. VS Code
 * changes the variables and the body's `vscode-light` / `vscode-dark` / `vscode-high-contrast`
 * class when the theme changes; the page watches both and draws again.
 */

export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  bar: string;
  error: string;
  rollback: string;
  selection: string;
  focus: string;
  /** Bar outlines in high-contrast themes ('' otherwise). */
  contrastBorder: string;
  /** Laid over the parts of the minimap outside the visible window. */
  minimapShade: string;
  font: string;
}

const VARIABLES: Record<Exclude<keyof Palette, 'font'>, string> = {
  background: '--tl-background',
  foreground: '--tl-foreground',
  muted: '--tl-muted',
  grid: '--tl-grid',
  bar: '--tl-bar',
  error: '--tl-error',
  rollback: '--tl-rollback',
  selection: '--tl-selection',
  focus: '--tl-focus',
  contrastBorder: '--tl-contrast-border',
  minimapShade: '--tl-minimap-shade',
};

export function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const palette = { font: `${style.fontSize} ${style.fontFamily}` } as Palette;
  for (const [key, variable] of Object.entries(VARIABLES) as [keyof typeof VARIABLES, string][]) {
    palette[key] = style.getPropertyValue(variable).trim();
  }
  if (!document.body.classList.contains('vscode-high-contrast') && !document.body.classList.contains('vscode-high-contrast-light')) palette.contrastBorder = '';
  return palette;
}

/** Calls `changed` when the theme may have changed (class or style of <html> or <body>). */
export function watchTheme(changed: () => void): MutationObserver {
  const observer = new MutationObserver(changed);
  for (const element of [document.documentElement, document.body]) observer.observe(element, { attributes: true, attributeFilter: ['class', 'style'] });
  return observer;
}
