import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab, pane, run, screenText, waitForScreen } from "../helpers/ui.js";

// The status bar polls endpoints other issues add; until they exist the browser logs their 404s.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(me|token|sync|ide|models)\)$/];

const tabNames = (page: Page) => page.locator("[role=tab] .tab-name").allInnerTexts();
const selectedTab = (page: Page) => page.locator("[role=tab][aria-selected=true] .tab-name").innerText();

// A browser, a PTY and a shell per test on a shared 2-core machine: allow more than the default 30 s.
describe("page features in Chromium", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
  });
  afterAll(() => browser?.close());
  beforeEach(async () => {
    gw = await startGateway();
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
    page = await browser.context.newPage();
  });
  afterEach(async () => {
    await page?.close();
    await gw?.dispose();
    expect(browser.errors).toEqual([]);
  });

  it("says what it is doing while the agent check runs, then offers the agents", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/agents", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(gw.url + "/");
    await expect.poll(() => page.locator("#empty").innerText()).toContain("Checking agent CLIs");
    await expect.poll(() => page.locator(".status-activity").innerText()).toContain("Checking agent CLIs");
    release();
    await expect.poll(() => page.locator("#empty h1").innerText()).toBe("No terminals open");
    expect(await page.locator(".start-agent[data-agent=shell]").isEnabled()).toBe(true);
    // Then "Restoring sessions…" while GET /api/sessions answers; the status line ends empty.
    await expect.poll(() => page.locator(".status-activity").innerText()).toBe("");
    await page.locator(".start-agent[data-agent=shell]").click();
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(1);
    await browser.screenshot(page, "shell-tab");
  });

  it("reconnects after the connection drops, with nothing lost or repeated", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    await page.evaluate(() => {
      const seen = ((window as any).seenStates = new Set<string>());
      new MutationObserver(() => document.querySelectorAll("[role=tab]").forEach((t) => t.classList.forEach((c) => seen.add(c)))).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
      });
    });
    await run(page, "sleep 1; echo after-$((5*5))");
    const [session] = (await gw.api("GET", "/api/sessions")).body;
    gw.gateway.sessions.get(session.id)!.closeClients(1011, "dropped by the test");
    await expect.poll(() => page.evaluate(() => [...(window as any).seenStates].includes("state-reconnecting"))).toBe(true);
    await waitForScreen(page, "after-25");
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(1);
    const text = await screenText(page);
    expect(text.match(/after-25/g)).toHaveLength(1);
    // The replayed screen replaced the old one instead of being drawn below it.
    expect(text.match(/sleep 1; echo after/g)).toHaveLength(1);
    await run(page, "echo again-$((6*6))");
    await waitForScreen(page, "again-36");
  });

  it("acknowledges parsed output, so a stream far past the server's 1 MiB window runs to its end", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    // About 2 MB: without acks from xterm's write callback the server pauses the PTY at 1 MiB for good.
    await run(page, "seq 1 300000; echo stream-$((100+1))");
    await waitForScreen(page, /^300000\nstream-101$/m, 0, 25_000);
  });

  it("shows the exit code of an ended session and restarts it", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    const [before] = (await gw.api("GET", "/api/sessions")).body;
    await run(page, "exit 3");
    await expect.poll(() => page.locator(".term-banner").innerText()).toContain("exited with code 3");
    expect(await page.locator("[role=tab] .tab-badge").innerText()).toBe("exited 3");
    await page.getByRole("button", { name: "Restart" }).click();
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator(".term-banner").isVisible()).toBe(false);
    await run(page, "echo reborn-$((7*7))");
    await waitForScreen(page, "reborn-49");
    await expect.poll(async () => (await gw.api("GET", "/api/sessions")).body.map((s: { id: string }) => s.id)).not.toContain(before.id);
    expect((await gw.api("GET", "/api/sessions")).body).toHaveLength(1);
  });

  it("answers Ctrl+Shift+T, [, ], F and W even while the terminal has focus", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    await run(page, "echo one-marker");
    await pane(page).locator(".xterm").click();
    await page.keyboard.press("Control+Shift+T");
    await expect.poll(() => page.locator("[role=tab]").count()).toBe(2);
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(2);
    expect(await page.locator("[role=tab]").nth(1).getAttribute("aria-selected")).toBe("true");

    await page.keyboard.press("Control+Shift+BracketLeft");
    await expect.poll(() => page.locator("[role=tab]").nth(0).getAttribute("aria-selected")).toBe("true");
    await waitForScreen(page, "one-marker");
    await page.keyboard.press("Control+Shift+BracketRight");
    await expect.poll(() => page.locator("[role=tab]").nth(1).getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Control+Shift+BracketRight");
    await expect.poll(() => page.locator("[role=tab]").nth(0).getAttribute("aria-selected")).toBe("true");

    await page.keyboard.press("Control+Shift+F");
    const search = pane(page).getByRole("searchbox", { name: "Find in terminal" });
    await expect.poll(() => search.isVisible()).toBe(true);
    await page.keyboard.type("one-marker");
    await expect.poll(() => pane(page).locator(".search-count").innerText()).toMatch(/^\d+\/2$/);
    await page.keyboard.press("Escape");
    await expect.poll(() => search.isVisible()).toBe(false);

    // The shell saw none of those keys: its line is still empty.
    await run(page, "echo clean-$((8*8))");
    const text = await waitForScreen(page, "clean-64");
    expect(text).not.toMatch(/[TF{}]echo clean/);

    // The way out of the terminal for the keyboard: Ctrl+Shift+L focuses the selected tab; Enter goes back.
    await page.keyboard.press("Control+Shift+L");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains("xterm-helper-textarea"))).toBe(true);

    // A command runs, so closing asks (an idle shell at its prompt closes without a question).
    await page.keyboard.type("sleep 60\n");
    await expect.poll(async () => (await gw.api("GET", "/api/sessions")).body.some((s: { busy: boolean }) => s.busy)).toBe(true);
    await page.keyboard.press("Control+Shift+W");
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByRole("button", { name: /Close and end/ }).click();
    await expect.poll(() => page.locator("[role=tab]").count()).toBe(1);
    expect((await gw.api("GET", "/api/sessions")).body).toHaveLength(1);
  });

  it("renames and reorders tabs from the keyboard and remembers both", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    await openTab(page);
    const first = page.locator("[role=tab]").first();
    await first.focus();
    await page.keyboard.press("F2");
    await page.keyboard.type("logs");
    await page.keyboard.press("Enter");
    await expect.poll(() => tabNames(page)).toEqual(["logs", "Shell"]);
    await page.locator("[role=tab]").first().focus();
    await page.keyboard.press("Shift+ArrowRight");
    await expect.poll(() => tabNames(page)).toEqual(["Shell", "logs"]);
    await page.reload();
    await expect.poll(() => tabNames(page)).toEqual(["Shell", "logs"]);
  });

  it("copies the selection (on select and with Ctrl+Shift+C), pastes with Ctrl+Shift+V, and lets text pastes through", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    await run(page, "echo copyme-$((9*9))");
    await waitForScreen(page, "copyme-81\n");
    await page.evaluate(() => navigator.clipboard.writeText("nothing"));
    // Select the output line with the mouse: xterm copies it on selection.
    const box = (await pane(page).locator(".xterm-screen").boundingBox())!;
    const lines = (await screenText(page)).split("\n");
    const row = lines.findIndex((l) => l.startsWith("copyme-81"));
    const rowHeight = box.height / (await pane(page).locator(".xterm-rows > div").count());
    const y = box.y + rowHeight * (row + 0.5);
    await page.mouse.dblclick(box.x + 20, y);
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("copyme-81");
    await page.evaluate(() => navigator.clipboard.writeText("nothing"));
    await page.keyboard.press("Control+Shift+C");
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("copyme-81");

    await pane(page).locator(".xterm").click();
    await page.keyboard.type("echo pasted-");
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData("text/plain", "$((4*4))");
      const target = document.querySelector(".pane .xterm-helper-textarea")!;
      target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await page.keyboard.press("Enter");
    await waitForScreen(page, "pasted-16");

    // Ctrl+Shift+V pastes the clipboard (the browser's own paste, which xterm takes as bracketed paste).
    await page.evaluate(() => navigator.clipboard.writeText("echo shortcut-$((2*3))"));
    await page.keyboard.press("Control+Shift+V");
    await page.keyboard.press("Enter");
    await waitForScreen(page, "shortcut-6");
  });

  it("keeps the theme and font size across a reload, and shows '-' for what is not built", async () => {
    await page.goto(gw.url + "/");
    await openTab(page);
    await page.getByRole("button", { name: "Settings" }).click();
    await page.locator("#theme-select").selectOption("github-light");
    await page.locator("#font-size").fill("18");
    await page.locator("#font-size").press("Enter");
    await page.keyboard.press("Escape");
    await page.reload();
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--bg").trim())).toBe("#ffffff");
    await expect.poll(() => page.locator("[role=tab].state-live").count(), { timeout: 15_000 }).toBe(1);
    expect(await pane(page).locator(".xterm-rows").evaluate((e) => getComputedStyle(e).fontSize)).toBe("18px");

    for (const [endpoint, item] of [["/api/token", "#status-token"], ["/api/sync", "#status-sync"]] as const) {
      const res = await gw.api("GET", endpoint);
      if (res.status === 404) expect(await page.locator(`${item} .status-value`).innerText()).toBe("-");
    }
    const me = await gw.api("GET", "/api/me");
    if (me.status === 200 && me.body.mode === "local") await expect.poll(() => page.locator("#status-email .status-value").innerText()).toBe("local mode");
    const ide = await gw.api("GET", "/api/ide");
    await expect.poll(() => page.getByRole("button", { name: /Open IDE/ }).isDisabled()).toBe(ide.status === 404);
    await browser.screenshot(page, "light-theme");
  });

  it("shows the gateway's state in the status bar, and Open IDE opens /ide/ in a new browser tab", async () => {
    await page.goto(gw.url + "/");
    const value = (id: string) => page.locator(`#${id} .status-value`).innerText();
    const models = await gw.api("GET", "/api/models");
    expect(models.status).toBe(200);
    const labels: Record<string, string> = { gateway: "AI Gateway (configured)", "ai-gateway-v2": "AI Gateway v2", serving: "serving endpoints", none: "own CLI config" };
    await expect.poll(() => value("status-models")).toBe(labels[models.body.route]);
    const sync = await gw.api("GET", "/api/sync");
    if (sync.status === 200 && sync.body.length === 0) await expect.poll(() => value("status-sync")).toBe("no repositories");
    const token = await gw.api("GET", "/api/token");
    if (token.status === 200) await expect.poll(() => value("status-token")).toBe(token.body.disabled ? "not used" : token.body.state);

    expect((await gw.api("GET", "/api/ide")).status).toBe(200);
    const button = page.getByRole("button", { name: /Open IDE/ });
    await expect.poll(() => button.isEnabled()).toBe(true);
    // The new tab's request is answered in the browser: this test is about the button, not code-server.
    await browser.context.route("**/ide/", (route) => route.fulfill({ contentType: "text/html", body: "<title>IDE stub</title>" }));
    const [popup] = await Promise.all([browser.context.waitForEvent("page"), button.click()]);
    await popup.waitForLoadState();
    expect(new URL(popup.url()).pathname).toBe("/ide/");
    expect(await popup.title()).toBe("IDE stub");
    await popup.close();
    await browser.context.unroute("**/ide/");
  });
});
