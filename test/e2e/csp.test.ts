import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OWNER = "owner@example.com";
const FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

declare global {
  interface Window {
    __violations: string[];
  }
}

// The real page in Debian's Chromium, behind the owner guard (the Apps proxy's header added to every request):
// the page must satisfy its own content security policy, and other origins must not frame it.
describe("content security policy in Chromium", () => {
  let gw: TestGateway;
  let context: BrowserContext;
  let profile: string;
  let console: string[];

  beforeAll(async () => {
    gw = await startGateway({ env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } });
    profile = mkdtempSync(path.join(tmpdir(), "chromium-csp-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      args: FLAGS,
      extraHTTPHeaders: { "X-Forwarded-Email": OWNER },
    });
    console = [];
    context.on("console", (msg) => void console.push(msg.text()));
    // Init scripts run outside the page's CSP, so the listener sees every violation from the first byte on.
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await gw?.dispose();
  });

  const violations = (page: Page) => page.evaluate(() => window.__violations);

  it("loads the page, its modules, xterm and a WebSocket without a single violation", async () => {
    const page = await context.newPage();
    const response = await page.goto(gw.url + "/");
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.waitForLoadState("networkidle").catch(() => undefined);

    // Whatever the page shows, exercise what the CSP governs: a same-origin module import, xterm's own
    // <style> elements, a terminal rendered in the DOM and a WebSocket back to the gateway.
    const id = await gw.createSession();
    // A string, not a function: vitest would rewrite a function's import() into its own loader.
    const echoed = await page.evaluate(`(async (sessionId) => {
      const { Terminal } = await import("/vendor/xterm/lib/xterm.mjs");
      const host = document.createElement("div");
      document.body.append(host);
      const term = new Terminal({ cols: 80, rows: 10 });
      term.open(host);
      const ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/sessions/" + sessionId + "/ws");
      ws.binaryType = "arraybuffer";
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no echo")), 10000);
        ws.onopen = () => ws.send(JSON.stringify({ type: "input", data: "echo csp-$((20+22))\\r" }));
        ws.onerror = () => reject(new Error("WebSocket failed"));
        ws.onmessage = (event) => {
          if (typeof event.data === "string") return;
          term.write(new Uint8Array(event.data), () => {
            const buffer = term.buffer.active;
            let text = "";
            for (let i = 0; i < buffer.length; i++) text += buffer.getLine(i).translateToString(true) + "\\n";
            if (/^csp-42$/m.test(text)) {
              clearTimeout(timer);
              ws.close();
              // Let the renderer draw (and inject its styles) before the violations are read.
              requestAnimationFrame(() => setTimeout(() => resolve(text + host.querySelectorAll(".xterm-rows > div").length), 100));
            }
          });
        };
      });
    })(${JSON.stringify(id)})`);
    expect(echoed).toMatch(/^csp-42$/m);
    expect(echoed).toMatch(/\n10$/); // ten rows rendered in the DOM
    expect(await violations(page)).toEqual([]);
    expect(console.filter((line) => /Content Security Policy/i.test(line))).toEqual([]);
    await page.close();
  });

  it("does block what it should: an inline script is a violation (the listener above is live)", async () => {
    const page = await context.newPage();
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
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      await expect.poll(() => console.some((line) => /frame-ancestors/.test(line))).toBe(true);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      expect(await frame?.title().catch(() => "")).not.toBe(await titleOf(gw.url));
      await page.close();
    } finally {
      framer.closeAllConnections();
      await new Promise((resolve) => framer.close(resolve));
    }
  });

  async function titleOf(url: string): Promise<string> {
    const page = await context.newPage();
    await page.goto(url + "/");
    const title = await page.title();
    await page.close();
    return title;
  }
});
