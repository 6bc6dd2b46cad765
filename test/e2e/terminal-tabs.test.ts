import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab, pane, run, screenText, sttySize, waitForScreen } from "../helpers/ui.js";

// A catalogue agent whose CLI is not installed: the "+" menu must show it disabled with the reason.
const CATALOGUE = `agents:\n  - id: ghost\n    label: Ghost\n    command: no-such-agent-cli\nlimits:\n  maxUploadBytes: 1048576\n`;

// The status bar polls endpoints other issues add; until they exist the browser logs their 404s.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];

// A browser, a PTY and a shell per test on a shared 2-core machine: allow more than the default 30 s.
describe("the page in Chromium", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    // The over-limit upload is refused on purpose; the browser logs the 413.
    browser = await launchBrowser({ ignoreConsole: [...OPTIONAL_ENDPOINTS, /status of 413 .*\/api\/upload\)$/] });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    gw = await startGateway({ file: { path: "gateway.yaml", text: CATALOGUE } });
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
    page = await browser.context.newPage();
    await page.goto(gw.url + "/");
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    expect(browser.errors).toEqual([]);
  });

  it("opens a Shell tab from the + menu, runs a command, and shows unavailable agents disabled", async () => {
    await expect.poll(() => page.locator(".start-agent").count()).toBeGreaterThan(0);
    await page.getByRole("button", { name: "New tab" }).click();
    const ghost = page.getByRole("menuitem", { name: /^Ghost/ });
    await expect.poll(() => ghost.getAttribute("aria-disabled")).toBe("true");
    expect(await ghost.innerText()).toContain("no-such-agent-cli");
    await browser.screenshot(page, "agent-menu");
    await ghost.click({ force: true });
    expect(await page.locator("[role=tab]").count()).toBe(0);
    await page.keyboard.press("Escape");

    await openTab(page, "Shell");
    await run(page, "echo $((6 * 7))-answer");
    await waitForScreen(page, "42-answer");
    const sessions = (await gw.api("GET", "/api/sessions")).body;
    expect(sessions).toHaveLength(1);
    expect(sessions[0].agent).toBe("shell");
  });

  it("re-fits on window resize and the shell sees the new size", async () => {
    await openTab(page);
    const [rows, cols] = await sttySize(page);
    await page.setViewportSize({ width: 800, height: 500 });
    await expect.poll(async () => (await sttySize(page)).join("x"), { timeout: 15_000 }).not.toBe(`${rows}x${cols}`);
    const [rows2, cols2] = await sttySize(page);
    expect(cols2).toBeLessThan(cols);
    expect(rows2).toBeLessThan(rows);
  });

  it("restores every tab, its name and its screen after a reload", async () => {
    await openTab(page);
    await run(page, "echo first-$((1+1))");
    await waitForScreen(page, "first-2");
    await page.locator("[role=tab]").first().dblclick();
    await page.getByRole("textbox", { name: "Tab name" }).fill("build box");
    await page.keyboard.press("Enter");
    await openTab(page);
    await run(page, "echo second-$((2+1))");
    await waitForScreen(page, "second-3");

    await page.reload();
    await expect.poll(() => page.locator("[role=tab]").allInnerTexts()).toEqual([expect.stringContaining("build box"), expect.stringContaining("Shell")]);
    await waitForScreen(page, "second-3");
    await page.locator("[role=tab]", { hasText: "build box" }).click();
    await waitForScreen(page, "first-2");
    await run(page, "echo still-$((3+3))");
    await waitForScreen(page, "still-6");
  });

  it("shows two sessions side by side with a draggable divider", async () => {
    await openTab(page);
    await run(page, "echo left-$((10+1))");
    await page.getByRole("button", { name: "Split view" }).click();
    await expect.poll(() => page.locator("[role=tab]").count()).toBe(2);
    await expect.poll(() => pane(page, 1).locator(".xterm").count()).toBe(1);
    await run(page, "echo right-$((20+2))", 1);
    await waitForScreen(page, "right-22", 1);
    await waitForScreen(page, "left-11", 0);

    const before = (await pane(page, 0).boundingBox())!.width;
    const divider = (await page.getByRole("separator", { name: "Resize panes" }).boundingBox())!;
    await page.mouse.move(divider.x + divider.width / 2, divider.y + divider.height / 2);
    await page.mouse.down();
    await page.mouse.move(divider.x - 250, divider.y + divider.height / 2, { steps: 5 });
    await page.mouse.up();
    const after = (await pane(page, 0).boundingBox())!.width;
    expect(after).toBeLessThan(before - 200);
    const [, leftCols] = await sttySize(page, 0);
    const [, rightCols] = await sttySize(page, 1);
    expect(rightCols).toBeGreaterThan(leftCols);
    await browser.screenshot(page, "split-view");

    // The split, and what each pane shows, survive a reload.
    await page.reload();
    await waitForScreen(page, "left-11", 0);
    await waitForScreen(page, "right-22", 1);
    expect(await page.getByRole("button", { name: "Split view" }).getAttribute("aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Split view" }).click();
    await expect.poll(() => pane(page, 1).isVisible()).toBe(false);
    expect(await page.locator("[role=tab]").count()).toBe(2);
  });

  it("uploads a pasted image and types its path", async () => {
    await openTab(page);
    await run(page, "clear");
    await pane(page).locator(".xterm").click();
    await page.keyboard.type("stat -c size=%s ");
    await page.evaluate(() => {
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
      const data = new DataTransfer();
      data.items.add(new File([bytes], "screen shot.png", { type: "image/png" }));
      const target = document.querySelector(".pane .xterm-helper-textarea")!;
      target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const uploaded = path.join(gw.home, "uploads", "screen_shot.png");
    await waitForScreen(page, `stat -c size=%s ${uploaded}`);
    expect(readFileSync(uploaded)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await page.keyboard.press("Enter");
    await waitForScreen(page, "size=11");
  });

  it("uploads a dropped file, and refuses one over the limit without typing anything", async () => {
    await openTab(page);
    await run(page, "clear");
    await pane(page).locator(".xterm").click();
    await page.keyboard.type("wc -c < ");
    const drop = (name: string, size: number) =>
      page.evaluate(
        ([name, size]) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(size).fill(65)], name, { type: "text/plain" }));
          const target = document.querySelector(".pane .term-view")!;
          target.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
          target.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
        },
        [name, size] as const,
      );
    await drop("huge.log", 2 * 1024 * 1024);
    await expect.poll(() => page.locator(".toast.error").innerText()).toContain("limited to 1 MB");
    expect(existsSync(path.join(gw.home, "uploads", "huge.log"))).toBe(false);
    await drop("notes.txt", 1234);
    const uploaded = path.join(gw.home, "uploads", "notes.txt");
    await waitForScreen(page, `wc -c < ${uploaded}`);
    await page.keyboard.press("Enter");
    await waitForScreen(page, /^1234$/m);
    expect(await screenText(page)).not.toContain("huge.log");
  });

  it("closes a tab running a command after asking, and ends its session", async () => {
    await openTab(page);
    const id = (await gw.api("GET", "/api/sessions")).body[0].id;
    await run(page, "sleep 60");
    await expect.poll(async () => (await gw.api("GET", "/api/sessions")).body[0].busy).toBe(true);
    await page.getByRole("button", { name: "Close Shell" }).click();
    const dialog = page.getByRole("dialog");
    // The destructive choice is never the focused one.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator("[role=tab]").count()).toBe(1);
    await page.getByRole("button", { name: "Close Shell" }).click();
    await dialog.getByRole("button", { name: /Close and end/ }).click();
    await expect.poll(() => page.locator("[role=tab]").count()).toBe(0);
    expect(gw.gateway.sessions.get(id)).toBeUndefined();
    await expect.poll(() => page.locator("#empty").isVisible()).toBe(true);
    expect(existsSync(gw.home)).toBe(true);
  });
});
