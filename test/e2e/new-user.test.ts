import { readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab, pane, run, sttySize, waitForScreen } from "../helpers/ui.js";

// What a new user tripped over (issue 19, point 5), one test each.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/, /status of 429 .*\/api\/sessions\)$/, /api\/events.*net::ERR/];
const CATALOGUE = `limits:\n  maxSessions: 2\n`;

describe("what a new user tripped over", { timeout: 90_000 }, () => {
  let gw: TestGateway | undefined;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    gw = await startGateway({ file: { path: "gateway.yaml", text: CATALOGUE } });
    page = await browser.context.newPage();
    await page.goto(gw.url + "/");
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    gw = undefined;
    expect(browser.errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
    browser.errors.length = 0;
  });

  it("closes an idle shell at its prompt without asking", async () => {
    await openTab(page);
    await page.getByRole("button", { name: "Close Shell" }).click();
    await expect.poll(() => page.locator("[role=tab]").count()).toBe(0);
    expect(await page.getByRole("dialog").count()).toBe(0);
    expect(gw!.gateway.sessions.list()).toEqual([]);
  });

  it("a reload leaves a background tab's size alone until it is shown", async () => {
    await openTab(page);
    const [rows, cols] = await sttySize(page);
    const log = path.join(gw!.home, "sizes.txt");
    await run(page, `while sleep 0.1; do stty size; done > ${log}`);
    await openTab(page);
    await page.reload();
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sizes = new Set(readFileSync(log, "utf8").trim().split("\n"));
    expect([...sizes]).toEqual([`${rows} ${cols}`]);
  });

  it("says the same thing once: identical toasts do not stack", async () => {
    await openTab(page);
    await openTab(page);
    for (let i = 0; i < 4; i++) await page.keyboard.press("Control+Shift+T");
    await expect.poll(() => page.locator(".toast").count()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.locator(".toast").allInnerTexts()).toEqual([expect.stringContaining("At most 2 sessions")]);
  });

  it("after a shell exits, Restart and Close are reached from the keyboard", async () => {
    await openTab(page);
    await run(page, "exit 3");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Restart");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Close tab");
    expect(await page.locator("[role=tab] .tab-badge").innerText()).toBe("exited 3");
  });

  it("names a tab with the program's own title beside the agent's", async () => {
    await openTab(page);
    await run(page, "printf '\\e]0;%s\\a' build-box");
    await expect.poll(() => page.locator("[role=tab]").innerText()).toContain("Shell · build-box");
  });

  it("a stopped gateway: one message, the tab and its banner agree, the status bar says so", async () => {
    await openTab(page);
    await openTab(page);
    await waitForScreen(page, /[$#] /);
    await gw!.dispose();
    gw = undefined;
    await expect.poll(() => page.locator("#status-gateway").innerText(), { timeout: 15_000 }).toBe("Gateway stopped");
    await expect.poll(() => page.locator(".toast").allInnerTexts()).toEqual(["Shell: The gateway stopped: every session ended with it."]);
    const banner = await pane(page).locator(".term-banner .exit-code").innerText();
    const badge = await page.locator("[role=tab][aria-selected=true] .tab-badge").innerText();
    expect(banner).toContain(badge);
    expect(badge).toMatch(/^(ended by signal \d+|exited \d+)$/);
  });

  it("split view of two open tabs: the bar reads L before R", async () => {
    await openTab(page);
    await openTab(page);
    await page.getByRole("button", { name: "Split view" }).click();
    await expect.poll(() => page.locator("[role=tab] .tab-pane").allInnerTexts()).toEqual(["L", "R"]);
  });

  it("right-click offers Copy and Paste", async () => {
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw!.url });
    await openTab(page);
    await waitForScreen(page, /[$#] /);
    await page.evaluate(() => navigator.clipboard.writeText("echo pasted-$((3*3))"));
    await pane(page).locator(".xterm").click({ button: "right" });
    const menu = page.getByRole("menu", { name: "Terminal" });
    expect(await menu.getByRole("menuitem").allInnerTexts()).toEqual(["Copy", "Paste"]);
    await menu.getByRole("menuitem", { name: "Paste" }).click();
    await waitForScreen(page, "echo pasted-$((3*3))");
    await page.keyboard.press("Enter");
    await waitForScreen(page, "pasted-9");
    expect(await menu.count()).toBe(0);
  });

  it("from a terminal the keyboard reaches the status bar, and its details are not only hover titles", async () => {
    await openTab(page);
    await page.keyboard.press("Control+Shift+L");
    await page.keyboard.press("Control+Shift+L");
    const focusedItem = () => page.evaluate(() => document.activeElement?.closest(".status-item, button")?.id);
    expect(await focusedItem()).toBe("status-email");
    await page.keyboard.press("Tab");
    expect(await focusedItem()).toBe("status-token");
    await page.keyboard.press("Enter");
    const details = page.locator("#status-details");
    await expect.poll(() => details.isVisible()).toBe(true);
    expect(await details.innerText()).toContain("takes no token");
    // Models, Sync and Memory, then the IDE button.
    for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
    expect(await focusedItem()).toBe("open-ide");
  });
});
