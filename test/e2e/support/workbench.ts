/**
 * Drives VS Code's workbench in the browser the way a user does (keyboard and clicks), and reads
 * back what a user sees: the active editor, the Problems panel, notifications, the quick fix menu,
 * the Running Extensions view. Every wait has a deadline and says what it waited for.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from './codeServer';

/** One row of the Problems panel. `line` and `column` are 1-based, as VS Code shows them. */
export interface Problem {
  file: string;
  severity: 'Error' | 'Warning' | 'Info';
  message: string;
  source: string;
  code: string;
  line: number;
  column: number;
}

export const QUICK_INPUT = '.quick-input-widget';
export const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;

export class Workbench {
  constructor(readonly page: Page) {}

  /** Types into the quick input and picks the row whose label is `label` (exactly). */
  private async pick(opener: string, text: string, label: (ariaLabel: string) => boolean, what: string, closes = true): Promise<void> {
    await this.openQuickInput(opener);
    // Replace whatever the box holds (F1 starts it with ">"; an earlier query may linger).
    await this.page.fill(QUICK_INPUT_BOX, text);
    const index = await waitFor(what, async () => {
      const labels = await this.page.$$eval(`${QUICK_INPUT} .monaco-list-row`, (rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
      const found = labels.findIndex(label);
      return found >= 0 ? found : undefined;
    }, 10_000);
    // By keyboard, as a user picks: the first row has the focus (and no pointer is left hovering anything).
    for (let row = 0; row < index; row++) await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Enter');
    if (closes) await this.page.waitForSelector(QUICK_INPUT, { state: 'hidden' });
  }

  /**
   * Presses the key that opens the quick input until it shows: a list that holds the focus (the
   * Running Extensions view) can take the first key press for itself.
   */
  private async openQuickInput(key: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press(key);
      try {
        await this.page.waitForSelector(QUICK_INPUT_BOX, { state: 'visible', timeout: 3000 });
        return;
      } catch (error) {
        if (attempt === 3) throw new Error(`${key} did not open the quick input after ${attempt} presses: ${(error as Error).message}`);
      }
    }
  }

  /** Quick Open (Ctrl+P) on a workspace file name; waits until its editor is the active one. */
  async openFile(name: string, editor: 'text' | 'custom' = 'text'): Promise<void> {
    await this.pick('Control+P', name, (label) => label.startsWith(`${name},`), `"${name}" in Quick Open`);
    await waitFor(`the editor of ${name} to be active`, async () => ((await this.activeEditorTitle()) === name ? true : undefined));
    // A custom editor (a webview) has no text lines.
    if (editor === 'text') await this.page.waitForSelector('.editor-group-container.active .monaco-editor .view-lines');
  }

  async activeEditorTitle(): Promise<string | undefined> {
    const tab = await this.page.$('.editor-group-container.active .tab.active');
    return (await tab?.getAttribute('data-resource-name')) ?? undefined;
  }

  /** Runs a command from the Command Palette (F1) by its full title, e.g. "Tracing Reload: Dry Run"; `asks`: the command opens a quick input of its own. */
  async runCommand(title: string, options: { asks?: boolean } = {}): Promise<void> {
    // A command run before is labelled "<title>, recently used".
    await this.pick('F1', `>${title}`, (label) => label === title || label.startsWith(`${title}, `), `the command "${title}" in the Command Palette`, !options.asks);
  }

  /** Moves the cursor of the active editor to a 1-based line and column (Go to Line, Ctrl+G). */
  async goTo(line: number, column: number): Promise<void> {
    await this.openQuickInput('Control+G');
    await this.page.fill(QUICK_INPUT_BOX, `:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector(QUICK_INPUT, { state: 'hidden' });
    await waitFor(`the cursor at Ln ${line}, Col ${column}`, async () => {
      const status = await this.page.$eval('.statusbar-item[id="status.editor.selection"]', (el) => el.textContent ?? '').catch(() => '');
      return status.startsWith(`Ln ${line}, Col ${column}`) ? true : undefined;
    });
  }

  /** Opens the quick fix menu (Ctrl+.) at the cursor; returns the titles it offers. */
  async quickFixes(): Promise<string[]> {
    await this.page.keyboard.press('Control+.');
    return waitFor('the quick fix menu', async () => {
      const titles = await this.page.$$eval('.action-widget .monaco-list-row.action', (rows) => rows.map((row) => row.querySelector('.title')?.textContent ?? row.textContent ?? ''));
      return titles.length > 0 ? titles : undefined;
    });
  }

  /** Picks a title in the open quick fix menu; waits for the menu to close. */
  async applyQuickFix(title: string): Promise<void> {
    await this.page.locator('.action-widget .monaco-list-row.action', { has: this.page.locator('.title', { hasText: title }) }).first().click();
    await this.page.waitForSelector('.action-widget', { state: 'hidden' });
  }

  /**
   * Saves the active editor once it has unsaved changes (an edit applied by a quick fix lands a
   * moment after its menu closes), and waits until its tab no longer shows them.
   */
  async save(): Promise<void> {
    await waitFor('the active editor to have unsaved changes', async () => ((await this.page.$('.editor-group-container.active .tab.active.dirty')) ? true : undefined));
    await this.page.keyboard.press('Control+S');
    await waitFor('the active editor to be saved', async () => ((await this.page.$('.editor-group-container.active .tab.active.dirty')) ? undefined : true));
  }

  /** Every row of the Problems panel (opened if hidden), grouped rows attributed to their file. */
  async problems(): Promise<Problem[]> {
    if (!(await this.page.isVisible('.markers-panel'))) {
      await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await this.page.waitForSelector('.markers-panel', { state: 'visible' });
    }
    const rows = await this.page.$$eval('.markers-panel .monaco-list-row', (elements) =>
      // No named helpers in here: the page runs this function as source, without tsx's __name.
      elements.map((row) => {
        const icon = row.querySelector('.marker-icon')?.classList;
        return {
          file: row.querySelector('.resource-label-container .label-name')?.textContent ?? '',
          severity: icon?.contains('error') ? 'Error' : icon?.contains('warning') ? 'Warning' : icon?.contains('info') ? 'Info' : '',
          message: row.querySelector('.marker-message')?.textContent ?? '',
          source: row.querySelector('.marker-source')?.textContent ?? '',
          code: row.querySelector('.marker-code')?.textContent ?? '',
          position: row.querySelector('.marker-line')?.textContent ?? '',
        };
      }),
    );
    const problems: Problem[] = [];
    let file = '';
    for (const row of rows) {
      if (row.file) file = row.file;
      const position = /^\[Ln (\d+), Col (\d+)\]$/.exec(row.position);
      if (!row.severity || !position) continue;
      const { message, source, code } = row;
      problems.push({ file, severity: row.severity as Problem['severity'], message, source, code, line: Number(position[1]), column: Number(position[2]) });
    }
    return problems;
  }

  /** Waits until the Problems panel's rows for `file` satisfy `accept`; the failure shows the last rows seen. */
  async waitForProblems(file: string, accept: (problems: Problem[]) => boolean, what: string, timeoutMs = 30_000): Promise<Problem[]> {
    let last: Problem[] = [];
    try {
      return await waitFor(what, async () => {
        last = (await this.problems()).filter((problem) => problem.file === file);
        return accept(last) ? last : undefined;
      }, timeoutMs, 250);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the Problems panel showed for ${file}: ${JSON.stringify(last, null, 2)}`);
    }
  }

  /** The messages of the notifications on screen (toasts), newest last. */
  async notifications(): Promise<string[]> {
    return this.page.$$eval('.notifications-toasts .notification-list-item .notification-list-item-message', (elements) => elements.map((el) => el.textContent ?? '').reverse());
  }

  async waitForNotification(accept: (message: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    let seen: string[] = [];
    try {
      return await waitFor(what, async () => {
        seen = await this.notifications();
        return seen.find(accept);
      }, timeoutMs, 200);
    } catch (error) {
      throw new Error(`${(error as Error).message}; notifications on screen: ${JSON.stringify(seen)}`);
    }
  }

  /** Clicks a button (e.g. "Show Trace") of the notification showing `message`. */
  async clickNotificationButton(message: string, button: string): Promise<void> {
    const toast = this.page.locator('.notifications-toasts .notification-list-item', { has: this.page.locator('.notification-list-item-message', { hasText: message }) });
    await toast.locator('.monaco-button', { hasText: button }).first().click();
  }

  /** Closes every notification toast (Notifications: Clear All Notifications). */
  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
    await waitFor('the notifications to close', async () => ((await this.notifications()).length === 0 ? true : undefined));
  }

  /**
   * VS Code's own activation figure for an extension, from Developer: Show Running Extensions
   * ("Activation: 48ms" is its code loading plus the synchronous part of `activate`).
   */
  async activationTime(displayName: string): Promise<{ text: string; ms: number }> {
    await this.runCommand('Developer: Show Running Extensions');
    const list = this.page.locator('.runtime-extensions-editor .monaco-list');
    try {
      await list.waitFor({ state: 'visible' });
      return await waitFor(`${displayName} in Running Extensions with its activation time`, async () => {
        const rows = await this.page.$$eval('.runtime-extensions-editor .monaco-list-row', (elements) =>
          elements.map((row) => [row.querySelector('.name')?.textContent ?? '', row.querySelector('.activation-time')?.textContent ?? '']),
        );
        const text = rows.find(([name]) => name === displayName)?.[1];
        const ms = text ? /Activation: (\d+)ms$/.exec(text)?.[1] : undefined;
        if (text && ms) return { text, ms: Number(ms) };
        // The list shows only the rows in view (slowest first): scroll on to the next ones.
        const box = await list.boundingBox();
        if (box) {
          await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          await this.page.mouse.wheel(0, box.height / 2);
        }
        return undefined;
      });
    } finally {
      // VS Code 1.139 shows the view in a modal editor, which holds the keyboard until closed.
      await this.page.keyboard.press('Escape');
      await this.page.waitForSelector('.runtime-extensions-editor', { state: 'hidden' });
    }
  }

  /**
   * The text of Developer: Startup Performance (a Markdown report with the "Extension Activation
   * Stats" table), copied from its editor through the clipboard.
   */
  async startupPerformance(): Promise<string> {
    await this.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(this.page.url()).origin });
    await this.runCommand('Developer: Startup Performance');
    await waitFor('the Startup Performance editor', async () => ((await this.activeEditorTitle()) === 'Startup Performance' ? true : undefined));
    const text = this.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    // The report fills in as its parts come back from the extension host: copy until it is whole.
    return waitFor('the report, with its Extension Activation Stats, on the clipboard', async () => {
      await text.click();
      await this.page.keyboard.press('Control+A');
      await this.page.keyboard.press('Control+C');
      const copied = await this.page.evaluate(() => navigator.clipboard.readText());
      return copied.includes('## Extension Activation Stats') ? copied : undefined;
    }, 20_000, 500);
  }

  /** Hovers the first squiggle of the given severity in the active editor; waits for the hover. Returns its text. */
  async hoverSquiggle(severity: 'error' | 'warning' | 'info'): Promise<string> {
    const squiggle = this.page.locator(`.editor-group-container.active .monaco-editor .squiggly-${severity}`).first();
    await squiggle.waitFor({ state: 'visible' });
    // The squiggle lies under the text layer, which takes the pointer: move the mouse onto it.
    const box = await squiggle.boundingBox();
    if (!box) throw new Error(`the ${severity} squiggle has no box on screen`);
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    return waitFor('the hover over the diagnostic', async () => {
      const text = await this.page.$eval('.monaco-hover:not(.hidden) .marker', (el) => el.textContent ?? '').catch(() => '');
      return text || undefined;
    });
  }

  /** Makes the panel (Problems, Output) taller by dragging its top edge up `pixels`. */
  async growPanel(pixels: number): Promise<void> {
    const panel = await this.page.locator('.part.panel').boundingBox();
    if (!panel) throw new Error('the panel is not open');
    const x = panel.x + panel.width / 2;
    await this.page.mouse.move(x, panel.y - 2);
    await this.page.mouse.down();
    await this.page.mouse.move(x, panel.y - 2 - pixels, { steps: 5 });
    await this.page.mouse.up();
    await this.page.mouse.move(1, panel.y + panel.height / 2);
    await waitFor(`the panel to grow by ${pixels} px, its edge no longer highlighted`, async () => {
      const grown = await this.page.locator('.part.panel').boundingBox();
      return grown && grown.height >= panel.height + pixels - 2 && !(await this.page.$('.monaco-sash.hover, .monaco-sash.active, .monaco-sash:hover')) ? true : undefined;
    }, 5000);
  }

  async screenshot(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    await this.page.screenshot({ path });
  }
}
