import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type TestBrowser } from "../helpers/browser.js";
import { codeServerBin } from "../helpers/code-server.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

/** The workbench on 2 busy cores: code-server's cold start plus VS Code's first paint can take a while. */
const WORKBENCH_MS = 120_000;
const FILE_SECRET = "dapi-file-secret-0123456789";

/**
 * A hostile page on a loopback port (a dev server with an XSS bug, a static server over a cloned repository):
 * its script tries what the attacker did, through the gateway's port proxy, and writes what happened
 * into the page for the test to read.
 */
function hostilePage(sessionId: string, secretFile: string): string {
  return `<!doctype html><html><head><title>preview</title><script src="asset.js"></script></head><body><pre id="out"></pre><script>
const out = {};
const done = () => { document.getElementById("out").textContent = JSON.stringify(out); };
const attempt = async (name, run) => { try { out[name] = await run(); } catch (e) { out[name] = "error: " + e.name; } };
(async () => {
  out.origin = self.origin;
  out.asset = self.assetLoaded === true;
  await attempt("cookie", () => document.cookie);
  await attempt("create", async () => { const r = await fetch("/api/sessions", { method: "POST", credentials: "include", headers: { "content-type": "application/json" }, body: '{"agent":"shell"}' }); return r.status + " " + (await r.text()); });
  await attempt("createSimple", async () => { const r = await fetch("/api/sessions", { method: "POST", credentials: "include", mode: "no-cors", headers: { "content-type": "text/plain" }, body: '{"agent":"shell"}' }); return r.type + " " + r.status; });
  await attempt("list", async () => { const r = await fetch("/api/sessions", { credentials: "include" }); return r.status + " " + (await r.text()); });
  await attempt("resource", async () => { const r = await fetch("/ide/vscode-remote-resource?path=" + encodeURIComponent(${JSON.stringify(secretFile)}), { credentials: "include" }); return r.status + " " + (await r.text()); });
  await attempt("ws", () => new Promise((resolve) => {
    const ws = new WebSocket("ws://" + location.host + "/api/sessions/${sessionId}/ws");
    ws.onopen = () => { ws.send(JSON.stringify({ type: "input", data: "echo pwned > /tmp/pwned\\r" })); resolve("open"); };
    ws.onerror = () => resolve("refused");
  }));
  await attempt("frame", () => new Promise((resolve) => {
    const f = document.createElement("iframe");
    f.src = "/ide/vscode-remote-resource?path=" + encodeURIComponent(${JSON.stringify(secretFile)});
    f.onload = () => { try { resolve("read: " + f.contentDocument.body.textContent); } catch (e) { resolve("unreadable: " + e.name); } };
    document.body.appendChild(f);
  }));
  done();
})();
</script></body></html>`;
}

const OWNER = "owner@example.com";
const MODES = [
  { mode: "local", env: {}, headers: {} },
  // App mode: every request carries the signed-in owner, as the Apps proxy adds it to any request of the owner's
  // browser (the worst case: a platform cookie the sandboxed page's requests carry too).
  { mode: "app", env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } },
] as const;

describe.each(MODES)("the IDE's port proxy in Chromium ($mode mode)", ({ env, headers }) => {
  let gw: TestGateway;
  let browser: TestBrowser;
  let service: http.Server;
  let port: number;
  let secretFile: string;
  let sessionId: string;

  beforeAll(async () => {
    gw = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin(), ...env }, headers });
    secretFile = path.join(gw.home, ".databrickscfg");
    writeFileSync(secretFile, `[DEFAULT]\nhost = https://example\ntoken = ${FILE_SECRET}\n`, { mode: 0o600 });
    sessionId = await gw.createSession();
    service = http.createServer((req, res) => {
      // absproxy passes the whole path on, proxy strips its prefix.
      if (req.url?.endsWith("/asset.js")) {
        res.writeHead(200, { "content-type": "text/javascript" }).end("self.assetLoaded = true;");
        return;
      }
      // A service that tries to set a cookie on the gateway's origin too.
      res.writeHead(200, { "content-type": "text/html", "set-cookie": "agent-terminal-gateway-key-1=planted; Path=/" });
      res.end(hostilePage(sessionId, secretFile));
    });
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    port = (service.address() as AddressInfo).port;
    expect((await gw.api("POST", "/api/ide/start?wait=1")).status).toBe(200);
    // The owner's browser: it holds the key cookie, as after opening the printed URL. The hostile page's refused
    // requests log console errors; those are the point here.
    browser = await launchBrowser({ viewport: { width: 1400, height: 900 }, ignoreConsole: [/./] });
    await browser.context.setExtraHTTPHeaders(headers);
  }, WORKBENCH_MS);
  afterAll(async () => {
    await browser?.close();
    await gw?.dispose();
    await new Promise((resolve) => service?.close(resolve));
  });

  for (const prefix of ["proxy", "absproxy"]) {
    it(`/ide/${prefix}/<port>/ runs the page sandboxed: no API call, WebSocket or file read of the gateway's succeeds`, { timeout: 120_000 }, async () => {
      const before = (await gw.api("GET", "/api/sessions")).body.length;
      const page = await browser.newPage();
      // What the gateway answered the page's requests for its API and code-server's file route.
      const answers: Record<string, number> = {};
      page.on("response", (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/ide/vscode-remote-resource")) {
          const key = `${r.request().method()} ${url.pathname}`;
          answers[key] = Math.max(answers[key] ?? 0, r.status() < 400 ? 1000 + r.status() : r.status());
        }
      });
      const response = await page.goto(`${gw.url}/ide/${prefix}/${port}/`);
      expect(response!.headers()["content-security-policy"]).toMatch(/(^|, )sandbox allow-scripts/);
      expect(response!.headers()["set-cookie"]).toBeUndefined();
      await page.waitForFunction(() => document.getElementById("out")?.textContent, undefined, { timeout: 60_000 });
      const out = JSON.parse((await page.locator("#out").textContent())!);
      expect(out.origin).toBe("null");
      // The preview itself works: its own script file loaded through the proxy.
      expect(out.asset).toBe(true);
      // Refused by the gateway (every try: fetch and frame), not merely unreadable for the page; a success counts 1000+.
      expect(answers["GET /ide/vscode-remote-resource"], JSON.stringify(answers)).toBeGreaterThanOrEqual(401);
      expect(answers["GET /ide/vscode-remote-resource"], JSON.stringify(answers)).toBeLessThan(404);
      expect(out.cookie).toMatch(/^error: SecurityError/);
      expect(out.ws).toBe("refused");
      for (const name of ["create", "createSimple", "list", "resource", "frame"]) {
        expect(String(out[name]), name).not.toContain(FILE_SECRET);
        expect(String(out[name]), name).not.toMatch(/^(200|201) /);
      }
      expect(String(out.frame)).not.toMatch(/^read: /);
      expect((await gw.api("GET", "/api/sessions")).body.length).toBe(before);
      expect((await browser.context.cookies(gw.url)).map((c) => c.value)).not.toContain("planted");
      await page.close();
    });
  }

  it("the workbench itself still works in the same browser", { timeout: WORKBENCH_MS }, async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${gw.url}/ide/`);
    expect(response!.headers()["content-security-policy"] ?? "").not.toContain("sandbox");
    await page.waitForSelector(".monaco-workbench", { timeout: WORKBENCH_MS });
    await page.close();
  });
});
