import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab } from "../helpers/ui.js";

const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];
// An agent that works until the test says "go" (a file in its folder), then announces it is done, as
// Claude Code's hook does, and waits for input.
const CATALOGUE = `agents:
  - id: bot
    label: Bot
    command: bash
    args: ["-c", "printf 'bot ready\\\\n'; while [ ! -e go ]; do sleep 0.1; done; printf '\\\\033]9;Bot finished the task\\\\007'; exec cat"]
`;

/** Records every Notification the page shows: headless Chromium has no notification centre to look in. */
const CAPTURE = `(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Captured extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options?.body, note: this });
    }
  }
  window.__asks = 0;
  Captured.requestPermission = (...args) => (window.__asks++, Real.requestPermission(...args));
  window.Notification = Captured;
})();`;

describe("knowing when an agent needs you", { timeout: 90_000 }, () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    gw = await startGateway({ file: { path: "gateway.yaml", text: CATALOGUE } });
    await browser.context.grantPermissions(["notifications"], { origin: gw.url });
    page = await browser.context.newPage();
    await page.addInitScript(CAPTURE);
    await page.goto(gw.url + "/");
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    expect(browser.errors).toEqual([]);
  });

  it("marks a background tab whose agent finished, counts it in the title, notifies, and a click shows it", async () => {
    await openTab(page, "Shell");
    await openTab(page, "Bot");
    const tabs = page.locator("[role=tab]");
    const bot = tabs.nth(1);
    expect(await bot.getAttribute("aria-selected")).toBe("true");
    await tabs.nth(0).click();
    expect(await page.evaluate(() => Notification.permission)).toBe("granted");
    expect(await page.title()).not.toMatch(/^\(\d+\)/);

    writeFileSync(path.join(gw.gateway.config.projectsDir, "go"), "");
    await expect.poll(() => bot.getAttribute("class"), { timeout: 20_000 }).toContain("attention");
    expect(await bot.getAttribute("data-agent-state")).toBe("needs-input");
    expect(await bot.getAttribute("title")).toContain("needs you: Bot finished the task");
    await expect.poll(() => page.title()).toMatch(/^\(1\) Shell — Agent terminal$/);
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toMatch(/^data:image\/svg\+xml,/);
    await expect.poll(() => page.evaluate(() => (window as any).__notes.map((n: any) => `${n.title}|${n.body}`))).toEqual(["Bot needs you|Bot finished the task"]);
    await browser.screenshot(page, "attention-desktop");

    // Clicking the notification focuses that tab; seen, it is no longer counted.
    await page.evaluate(() => (window as any).__notes[0].note.onclick());
    await expect.poll(() => bot.getAttribute("aria-selected")).toBe("true");
    await expect.poll(() => bot.getAttribute("class")).not.toContain("attention");
    expect(await page.title()).toBe("Bot — Agent terminal");
    expect(await page.locator("link[rel=icon]").getAttribute("href")).toBe("favicon.svg");

    // Typing answers it: the gateway says it is no longer waiting.
    await page.keyboard.type("ok");
    await expect.poll(() => bot.getAttribute("data-agent-state"), { timeout: 15_000 }).not.toBe("needs-input");
  });

  it("asks for no permission on load, and each signal can be turned off", async () => {
    await browser.context.clearPermissions();
    await page.reload();
    await expect.poll(() => page.locator(".start-agent").count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => [Notification.permission, (window as any).__asks])).toEqual(["default", 0]);
    // Starting an agent is the gesture that asks.
    await openTab(page, "Bot");
    expect(await page.evaluate(() => (window as any).__asks)).toBe(1);
    await browser.context.grantPermissions(["notifications"], { origin: gw.url });
    await page.locator("#settings-button").click();
    for (const id of ["#notify-toggle", "#sound-toggle", "#title-count-toggle"]) expect(await page.locator(id).count()).toBe(1);
    expect(await page.locator("#notify-toggle").isChecked()).toBe(true);
    expect(await page.locator("#sound-toggle").isChecked()).toBe(false);
    await page.locator("#title-count-toggle").uncheck();
    await page.locator("#notify-toggle").uncheck();
    await page.keyboard.press("Escape");
    await openTab(page, "Shell");
    writeFileSync(path.join(gw.gateway.config.projectsDir, "go"), "");
    await expect.poll(() => page.locator("[role=tab]").nth(0).getAttribute("class"), { timeout: 20_000 }).toContain("attention");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await page.title()).toBe("Shell — Agent terminal");
    expect(await page.evaluate(() => (window as any).__notes.length)).toBe(0);
  });
});
