import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { fetchWithoutKey, TEST_KEY } from "../helpers/local-key.js";
import { startMain } from "../helpers/gateway-process.js";
import { rawRequest, UPGRADE_HEADERS } from "../helpers/raw-http.js";
import { guardedRequests } from "../helpers/route-walk.js";

type Headers = ReadonlyArray<readonly [string, string]>;
const NO_KEY = { key: false } as const;
const cookieOf = (gw: TestGateway) => `agent-terminal-gateway-key-${new URL(gw.url).port}`;

describe("local mode's key", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.dispose();
  });

  const send = (method: string, path: string, headers: Headers) =>
    rawRequest(gw.url, method, path, [...headers, ["Content-Type", "application/json"]], method === "GET" ? "" : "{}", NO_KEY);

  it("refuses every registered route but /healthz without the key, with a wrong key or a wrong cookie", async () => {
    expect(gw.gateway.localKey).toBe(TEST_KEY);
    const probes = guardedRequests(gw.gateway.app);
    expect(probes.map((p) => p.path)).toEqual(expect.arrayContaining(["/api/sessions", "/api/agents", "/", "/ide/probe"]));
    const wrong: Headers[] = [
      [],
      [["Authorization", `Bearer ${TEST_KEY}x`]],
      [["Authorization", `Bearer ${TEST_KEY.slice(0, -1)}`]],
      [["Authorization", `Basic ${Buffer.from(`x:${TEST_KEY}`).toString("base64")}`]],
      [["Authorization", "Bearer"]],
      [["Cookie", `${cookieOf(gw)}=nope`]],
      // The key under another port's cookie name: another gateway's, not this one's.
      [["Cookie", `agent-terminal-gateway-key-1=${TEST_KEY}`]],
    ];
    for (const { method, path } of probes) {
      for (const headers of wrong) {
        const res = await send(method, path, headers);
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body).not.toContain(TEST_KEY);
      }
      // A wrong ?token= is no key either.
      expect((await send(method, `${path}?token=wrong-${TEST_KEY}`, [])).status, `${method} ${path}?token=`).toBe(401);
    }
    const health = await send("GET", "/healthz", []);
    expect(health.status).toBe(200);
    expect(health.body).not.toContain(TEST_KEY);
  });

  it("refuses every upgrade path without the key, and lets the bearer and the cookie through", async () => {
    const id = await gw.createSession();
    const origin: Headers = [["Origin", gw.url]];
    const paths = [...gw.gateway.upgrades.map((r) => r.probePath), `/api/sessions/${id}/ws`, "/", "/nowhere/ws", "/healthz"];
    for (const path of paths) {
      for (const headers of [[], [["Authorization", "Bearer wrong-key-wrong-key"]], [["Cookie", `${cookieOf(gw)}=x`]]] as Headers[]) {
        const res = await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...origin, ...headers], "", NO_KEY);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      }
      // ?token= is for the printed URL only: an upgrade must carry the cookie or the header.
      expect((await rawRequest(gw.url, "GET", `${path}?token=${TEST_KEY}`, [...UPGRADE_HEADERS, ...origin], "", NO_KEY)).status).toBe(401);
    }
    const ws = `/api/sessions/${id}/ws`;
    expect((await rawRequest(gw.url, "GET", ws, [...UPGRADE_HEADERS, ...origin, ["Authorization", `Bearer ${TEST_KEY}`]], "", NO_KEY)).status).toBe(101);
    expect((await rawRequest(gw.url, "GET", ws, [...UPGRADE_HEADERS, ...origin, ["Cookie", `a=b; ${cookieOf(gw)}=${TEST_KEY}`]], "", NO_KEY)).status).toBe(101);
    // The key does not lift the other checks: a cross-site page holding the cookie is still refused.
    const cross = [["Origin", "https://evil.org"], ["Cookie", `${cookieOf(gw)}=${TEST_KEY}`]] as Headers;
    expect((await rawRequest(gw.url, "GET", ws, [...UPGRADE_HEADERS, ...cross], "", NO_KEY)).status).toBe(403);
    expect((await rawRequest(gw.url, "GET", ws, [...UPGRADE_HEADERS, ["Host", "rebind.evil.org"], ["Authorization", `Bearer ${TEST_KEY}`]], "", NO_KEY)).status).toBe(403);
  });

  it("turns ?token= into an HttpOnly, SameSite=Strict cookie and a redirect to the clean URL", async () => {
    const res = await rawRequest(gw.url, "GET", `/?token=${TEST_KEY}`, [], "", NO_KEY);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/");
    const cookie = res.headers["set-cookie"]!;
    expect(cookie).toMatch(new RegExp(`^${cookieOf(gw)}=${TEST_KEY}; `));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    const deeper = await rawRequest(gw.url, "GET", `/api/agents?x=1&token=${TEST_KEY}&y=2`, [], "", NO_KEY);
    expect(deeper.status).toBe(302);
    expect(deeper.headers.location).toBe("/api/agents?x=1&y=2");
    // A path that would read as another host once redirected ("//evil.org") goes to the root instead.
    expect((await rawRequest(gw.url, "GET", `//evil.org/?token=${TEST_KEY}`, [], "", NO_KEY)).headers.location).toBe("/");
    // POST with ?token= is not redeemed (only a navigation is).
    expect((await send("POST", `/api/sessions?token=${TEST_KEY}`, [])).status).toBe(401);
    const page = await rawRequest(gw.url, "GET", "/", [["Cookie", `${cookieOf(gw)}=${TEST_KEY}`]], "", NO_KEY);
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
  });

  it("shows a browser without the key a page that says where the URL is", async () => {
    const res = await rawRequest(gw.url, "GET", "/", [["Accept", "text/html,application/xhtml+xml"]], "", NO_KEY);
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
    expect(res.body).toContain("/?token=");
    expect(res.body).toMatch(/printed when it started/);
    const api = await fetchWithoutKey(gw.url + "/api/sessions");
    expect(api.status).toBe(401);
    expect((await api.json()).error.code).toBe("key_required");
  });

  it("helpers send the key by themselves: api(), fetch, connect()", async () => {
    expect((await gw.api("GET", "/api/sessions")).status).toBe(200);
    expect((await fetch(gw.url + "/api/sessions")).status).toBe(200);
    const client = await gw.connect(await gw.createSession());
    client.input("echo key-$((6*7))\r");
    await client.waitFor("key-42");
    client.close();
  });
});

describe("local mode's key settings", () => {
  it("GATEWAY_AUTH=none turns the check off; app mode has no key", async () => {
    const open = await startGateway({ env: { GATEWAY_AUTH: "none" } });
    try {
      expect(open.gateway.localKey).toBeUndefined();
      expect((await fetchWithoutKey(open.url + "/api/sessions")).status).toBe(200);
    } finally {
      await open.dispose();
    }
    const app = await startGateway({ env: { APP_OWNER: "o@example.com" }, headers: { "X-Forwarded-Email": "o@example.com" } });
    try {
      expect(app.gateway.localKey).toBeUndefined();
      expect((await fetchWithoutKey(app.url + "/api/sessions", { headers: { "X-Forwarded-Email": "o@example.com" } })).status).toBe(200);
    } finally {
      await app.dispose();
    }
  });

  it("without GATEWAY_TOKEN draws a fresh key per start", async () => {
    const a = await startGateway({ env: { GATEWAY_TOKEN: undefined } });
    const b = await startGateway({ env: { GATEWAY_TOKEN: undefined } });
    try {
      expect(a.gateway.localKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(a.gateway.localKey).not.toBe(b.gateway.localKey);
      expect((await a.api("GET", "/api/sessions")).status).toBe(200);
      expect((await a.api("GET", "/api/sessions", undefined, { authorization: `Bearer ${b.gateway.localKey}` })).status).toBe(401);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it("refuses a malformed GATEWAY_TOKEN or GATEWAY_AUTH without repeating the value", () => {
    for (const token of ["short", "has space in it and is long", "x".repeat(257), "ünïcödé-is-not-url-safe"]) {
      expect(() => loadConfig({ GATEWAY_TOKEN: token })).toThrow(ConfigError);
      try {
        loadConfig({ GATEWAY_TOKEN: token });
      } catch (error) {
        expect((error as Error).message).not.toContain(token);
      }
    }
    expect(() => loadConfig({ GATEWAY_AUTH: "off" })).toThrow(/GATEWAY_AUTH/);
  });

  it("main prints the URL with the key, and says loudly when the check is off", async () => {
    const home = (await import("node:fs")).mkdtempSync("/tmp/gw-key-main-");
    const keyed = startMain({ HOME: home, PORT: "0", GATEWAY_TOKEN: "" });
    try {
      let printed: RegExpExecArray | null = null;
      for (let i = 0; i < 400 && !printed; i++) {
        printed = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]{32})/.exec(keyed.output());
        if (!printed) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(printed, keyed.output()).not.toBeNull();
      const [, base, key] = printed!;
      // The key is printed once, for the person who started it, and is in no log line.
      const logLines = keyed.output().split("\n").filter((line) => line.startsWith("{"));
      for (const line of logLines) expect(line).not.toContain(key);
      expect((await fetchWithoutKey(`${base}/api/sessions`)).status).toBe(401);
      expect((await fetchWithoutKey(`${base}/api/sessions`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    } finally {
      keyed.child.kill("SIGTERM");
      await keyed.exited;
    }
    const open = startMain({ HOME: home, PORT: "0", GATEWAY_AUTH: "none" });
    try {
      for (let i = 0; i < 400 && !/gateway listening/.test(open.output()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(open.output()).toMatch(/GATEWAY_AUTH=none: NO KEY CHECK/);
      expect(open.output()).toMatch(/!!! GATEWAY_AUTH=none: the key check is OFF/);
      expect(open.output()).not.toMatch(/\?token=/);
    } finally {
      open.child.kill("SIGTERM");
      await open.exited;
      (await import("node:fs")).rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("local mode's key and the IDE's port previews", () => {
  it("a preview needs no key only while code-server runs, and only under its plain /ide/proxy/<port>/ path", async () => {
    const { codeServerBin } = await import("../helpers/code-server.js");
    const http = await import("node:http");
    const service = http.createServer((_req, res) => res.end("preview"));
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    const port = (service.address() as import("node:net").AddressInfo).port;
    const gw = await startGateway({ env: { CODE_SERVER_BIN: codeServerBin() } });
    try {
      const bare = (path: string) => rawRequest(gw.url, "GET", path, [], "", NO_KEY);
      // Not running: the key is needed (and a keyless request does not start code-server).
      expect((await bare(`/ide/proxy/${port}/`)).status).toBe(401);
      expect((await gw.api("GET", "/api/ide")).body.state).not.toBe("running");
      expect((await gw.api("POST", "/api/ide/start?wait=1")).status).toBe(200);
      const preview = await bare(`/ide/proxy/${port}/`);
      expect(preview.status).toBe(200);
      expect(preview.body).toBe("preview");
      expect(preview.headers["content-security-policy"]).toMatch(/sandbox/);
      expect((await bare(`/ide/absproxy/${port}/`)).status).toBe(200);
      for (const path of ["/ide/", "/ide/vscode-remote-resource?path=/etc/hostname", `/ide/%70roxy/${port}/`, `/ide//proxy/${port}/`, `/ide/x/../proxy/${port}/`, `/api/sessions`,
        // A preview path that dot-segments out of the preview, to code-server's own routes, needs the key.
        `/ide/proxy/${port}/../../vscode-remote-resource?path=/etc/hostname`, `/ide/proxy/${port}/%2e%2e/%2e%2e/vscode-remote-resource?path=/etc/hostname`]) {
        expect((await bare(path)).status, path).toBe(401);
      }
    } finally {
      await gw.dispose();
      await new Promise((resolve) => service.close(resolve));
    }
  }, 120_000);
});
