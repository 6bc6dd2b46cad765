import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { openTab, run, waitForScreen } from "../helpers/ui.js";

const OWNER = "owner@example.com";
// The status bar polls endpoints other issues add; until they exist the browser logs their 404s.
const OPTIONAL_ENDPOINTS = [/status of 404 .*\/api\/(token|sync|ide|models)\)$/];

declare global {
  interface Window {
    __violations: string[];
  }
}

// The real page in Debian's Chromium, behind the owner guard (the Apps proxy's header added to every request,
// WebSocket handshakes included): the page must satisfy its own content security policy, and other origins
// must not frame it.
describe("content security policy in Chromium", () => {
  let gw: TestGateway;
  let browser: TestBrowser;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    gw = await startGateway({ env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } });
    browser = await launchBrowser({ ignoreConsole: OPTIONAL_ENDPOINTS });
    await browser.context.setExtraHTTPHeaders({ "X-Forwarded-Email": OWNER });
    browser.context.on("console", (msg) => void consoleLines.push(msg.text()));
    // Init scripts run outside the page's CSP, so the listener sees every violation from the first byte on.
    await browser.context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
  });

  const violations = (page: Page) => page.evaluate(() => window.__violations);

  it("runs the real page (modules, xterm, a terminal over the WebSocket) without a single violation", async () => {
    const page = await browser.context.newPage();
    const response = await page.goto(gw.url + "/");
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await openTab(page, "Shell");
    await run(page, "echo csp-$((20+22))");
    await waitForScreen(page, /^csp-42$/m);
    // The status bar names the signed-in user, from GET /api/me.
    await expect.poll(() => page.locator("#status-email").innerText({ timeout: 1000 }).catch(() => "")).toContain(OWNER);
    expect(await violations(page)).toEqual([]);
    expect(consoleLines.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it("does block what it should: an inline script is a violation (the listener above is live)", async () => {
    const page = await browser.context.newPage();
    await page.goto(gw.url + "/");
    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__inlineRan = true";
      document.head.append(script);
    });
    await expect.poll(() => violations(page)).toEqual([expect.stringMatching(/^script-src/)]);
    expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();
    await page.close();
  });

  it("cannot be framed by another origin", async () => {
    const framer = http.createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end(`<!doctype html><title>framer</title><iframe id="f" src="${gw.url}/"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve));
    try {
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await expect.poll(() => consoleLines.some((line) => /frame-ancestors/.test(line))).toBe(true);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(await frame?.title().catch(() => "")).not.toBe(await titleOf(gw.url));
      await page.close();
    } finally {
      framer.closeAllConnections();
      await new Promise((resolve) => framer.close(resolve));
    }
  });

  async function titleOf(url: string): Promise<string> {
    const page = await browser.context.newPage();
    await page.goto(url + "/");
    const title = await page.title();
    await page.close();
    return title;
  }
});
