/**
 * Headless Chromium for the end-to-end tests, the icon script and the benches: Debian's
 * /usr/bin/chromium (installed by .ci/run) driven by playwright-core, which downloads no browser.
 */
import { chromium, type Browser } from 'playwright-core';

/** Where the browser is; `CHROMIUM` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, reproducible browser: no sandbox (CI runs as root), no GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
