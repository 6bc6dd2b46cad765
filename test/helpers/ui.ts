import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** The page's pane (0 left/only, 1 right). */
export function pane(page: Page, index = 0): Locator {
  return page.locator(`.pane[data-pane="${index}"]`);
}

/** The text xterm renders in a pane, lines joined by newlines (the DOM renderer's rows). */
export async function screenText(page: Page, index = 0): Promise<string> {
  const rows = pane(page, index).locator(".xterm-rows");
  if ((await rows.count()) === 0) return "";
  return (await rows.innerText()).replace(/\u00a0/g, " ");
}

/** Waits until a pane's screen matches. */
export async function waitForScreen(page: Page, pattern: string | RegExp, index = 0, timeout = 15_000): Promise<string> {
  let last = "";
  await expect
    .poll(
      async () => {
        last = await screenText(page, index);
        return typeof pattern === "string" ? last.includes(pattern) : pattern.test(last);
      },
      { timeout, interval: 100 },
    )
    .toBe(true)
    .catch((error: Error) => {
      throw new Error(`${error.message}\nwaiting for ${String(pattern)}; screen was:\n${last}`);
    });
  return last;
}

/** Types a command into a pane's terminal and presses Enter. */
export async function run(page: Page, command: string, index = 0): Promise<void> {
  await pane(page, index).locator(".xterm").click();
  await page.keyboard.type(command);
  await page.keyboard.press("Enter");
}

/** Opens the "+" menu and starts an agent; resolves once its tab is running. */
export async function openTab(page: Page, agent = "Shell"): Promise<void> {
  const before = await page.locator("[role=tab]").count();
  await page.getByRole("button", { name: "New tab" }).click();
  await page.getByRole("menuitem", { name: new RegExp(`^${agent}`) }).click();
  await expect.poll(() => page.locator("[role=tab]").count()).toBe(before + 1);
  await expect.poll(() => page.locator("[role=tab][aria-selected=true].state-live").count(), { timeout: 15_000 }).toBe(1);
}

/** `stty size` in a pane, as [rows, cols]. */
export async function sttySize(page: Page, index = 0): Promise<[number, number]> {
  const marker = `S${Math.random().toString(36).slice(2, 8)}`;
  await run(page, `echo ${marker} $(stty size) ${marker}`, index);
  const text = await waitForScreen(page, new RegExp(`${marker} (\\d+) (\\d+) ${marker}`), index);
  const match = new RegExp(`${marker} (\\d+) (\\d+) ${marker}`).exec(text)!;
  return [Number(match[1]), Number(match[2])];
}
