import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { pane, waitForScreen } from "../helpers/ui.js";

const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];
const PHONE = { width: 390, height: 844 };

/** Starts a shell from the "+" menu by touch and waits until it runs. */
async function tapNewShell(page: Page, count: number): Promise<void> {
  await page.locator("#new-tab").tap();
  await page.getByRole("menuitem", { name: /^Shell/ }).tap();
  await expect.poll(() => page.locator("#tab-switcher option").count(), { timeout: 15_000 }).toBe(count);
  await expect.poll(() => page.locator("[role=tab][aria-selected=true].state-live").count(), { timeout: 15_000 }).toBe(1);
}

/** Elements whose box leaves the screen to the right (or the page itself scrolling sideways). */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth}px`);
    for (const node of Array.from(document.querySelectorAll<HTMLElement>("header *, footer *, .key-bar, .menu:not([hidden]) *, .popover:not([hidden]) *"))) {
      const box = node.getBoundingClientRect();
      if (box.width > 0 && node.offsetParent !== null && box.right > width + 0.5 && !node.closest(".key-bar")) out.push(`${node.tagName}#${node.id}.${node.className} right ${Math.round(box.right)}`);
    }
    return out;
  }, PHONE.width);
}

describe("the page on a phone", { timeout: 120_000 }, () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ viewport: PHONE, mobile: true, ignoreConsole: OPTIONAL_ENDPOINTS });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    gw = await startGateway();
    page = await browser.newPage();
    await page.goto(gw.url + "/");
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    expect(browser.errors).toEqual([]);
  });

  it("sends Esc, arrows, sticky Ctrl and Ctrl-C from the key bar, as cat -v shows", async () => {
    await tapNewShell(page, 1);
    await pane(page).locator(".xterm").tap();
    await page.keyboard.type("cat -v\n");
    await waitForScreen(page, /cat -v\s*\n/);
    const key = (name: string) => page.getByRole("button", { name, exact: true });
    await key("Escape").tap();
    await key("Up arrow").tap();
    await key("Left arrow").tap();
    await key("Control (for the next key)").tap();
    expect(await key("Control (for the next key)").getAttribute("aria-pressed")).toBe("true");
    await page.keyboard.type("a");
    expect(await key("Control (for the next key)").getAttribute("aria-pressed")).toBe("false");
    await page.keyboard.type("z\n");
    await waitForScreen(page, "^[^[[A^[[D^Az");
    await key("Control-C").tap();
    await waitForScreen(page, /\^C\s*\n[^\n]*[$#]\s*$/);
    await browser.screenshot(page, "phone-key-bar");

    // A swipe down scrolls back through the scrollback.
    await page.keyboard.type("seq 1 300\n");
    await waitForScreen(page, /^300$/m);
    const host = pane(page).locator(".term-host");
    const box = (await host.boundingBox())!;
    await host.evaluate((node, { x, top, bottom }) => {
      const touch = (y: number) => new Touch({ identifier: 1, target: node, clientX: x, clientY: y });
      node.dispatchEvent(new TouchEvent("touchstart", { touches: [touch(top)], bubbles: true }));
      for (let y = top; y <= bottom; y += 20) node.dispatchEvent(new TouchEvent("touchmove", { touches: [touch(y)], bubbles: true }));
      node.dispatchEvent(new TouchEvent("touchend", { touches: [], bubbles: true }));
    }, { x: box.x + box.width / 2, top: box.y + 40, bottom: box.y + box.height - 40 });
    await expect.poll(() => page.evaluate(() => document.querySelector(".pane .xterm-rows")!.textContent)).not.toContain("300");
  });

  it("fits five tabs, the + menu, settings and the status bar in 390 px, and refits above the keyboard", async () => {
    for (let i = 1; i <= 5; i++) await tapNewShell(page, i);
    expect(await overflow(page)).toEqual([]);
    for (const id of ["#new-tab", "#split-button", "#settings-button", "#tab-switcher", "#open-ide", "#status-token", "#status-models", "#status-sync"]) {
      const box = (await page.locator(id).boundingBox())!;
      expect(box, id).not.toBeNull();
      expect(box.x + box.width, id).toBeLessThanOrEqual(PHONE.width);
      expect(box.y + box.height, id).toBeLessThanOrEqual(PHONE.height);
    }
    for (const id of ["#new-tab", "#settings-button", "#tab-switcher"]) expect((await page.locator(id).boundingBox())!.height, id).toBeGreaterThanOrEqual(44);
    // The terminal is sized to the screen, not to a wider page.
    const term = (await pane(page).locator(".xterm-screen").boundingBox())!;
    expect(term.x + term.width).toBeLessThanOrEqual(PHONE.width);
    await browser.screenshot(page, "phone-five-tabs");

    // The compact switcher reaches every tab.
    const options = await page.locator("#tab-switcher option").all();
    await page.locator("#tab-switcher").selectOption((await options[1]!.getAttribute("value"))!);
    await expect.poll(() => page.locator("[role=tab]").nth(1).getAttribute("aria-selected")).toBe("true");

    await page.locator("#new-tab").tap();
    expect(await overflow(page)).toEqual([]);
    await browser.screenshot(page, "phone-menu");
    await page.keyboard.press("Escape");

    // An on-screen keyboard shrinks the visual viewport: the page follows it, the terminal refits.
    const rowsBefore = await pane(page).locator(".xterm-rows > div").count();
    await page.setViewportSize({ width: PHONE.width, height: 500 });
    await expect.poll(() => page.evaluate(() => document.documentElement.style.getPropertyValue("--page-height"))).toBe("500px");
    await expect.poll(() => pane(page).locator(".xterm-rows > div").count()).toBeLessThan(rowsBefore);
    const keyBar = (await page.locator("#key-bar").boundingBox())!;
    expect(keyBar.y + keyBar.height).toBeLessThanOrEqual(500);
  });
});
