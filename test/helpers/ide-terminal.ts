import type { Page } from "playwright-core";
import { expect } from "vitest";

/** Opens a new integrated terminal in code-server's workbench through the command palette and types a command into it. */
export async function runInIdeTerminal(page: Page, command: string): Promise<void> {
  const input = page.locator(".quick-input-widget input");
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: "Create New Terminal" }).first();
  // The palette can close again while the workbench is still settling (a notification takes the focus): open
  // and fill it until the command is offered.
  await expect
    .poll(
      async () => {
        await page.locator(".monaco-workbench .part.editor").click({ position: { x: 200, y: 200 } });
        await page.keyboard.press("F1");
        if (!(await input.waitFor({ state: "visible", timeout: 3_000 }).then(() => true, () => false))) return false;
        if (!(await input.fill(">Terminal: Create New Terminal", { timeout: 3_000 }).then(() => true, () => false))) return false;
        return row.waitFor({ state: "visible", timeout: 5_000 }).then(() => true, () => false);
      },
      { timeout: 90_000, interval: 500 },
    )
    .toBe(true);
  await page.keyboard.press("Enter");
  await page.locator(".terminal-wrapper .xterm").first().waitFor({ state: "visible", timeout: 30_000 });
  // The shell prints its prompt after the view appears; typed keys before that are buffered by the PTY anyway.
  await page.locator(".terminal-wrapper .xterm-helper-textarea").first().focus();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}
