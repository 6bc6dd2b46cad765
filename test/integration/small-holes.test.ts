import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInEmail } from "../../src/auth/identity.js";
import { normalizeEmail } from "../../src/auth/owner.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { rawRequest, UPGRADE_HEADERS } from "../helpers/raw-http.js";

const OWNER = "owner@example.com";

describe("issue 14's smaller holes", () => {
  let local: TestGateway;
  let app: TestGateway;
  beforeAll(async () => {
    local = await startGateway({ overrides: { connectionLimits: { perAddress: 20, headersTimeoutMs: 1_000, checkIntervalMs: 200 } } });
    app = await startGateway({ env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } });
  });
  afterAll(async () => {
    await Promise.all([local?.dispose(), app?.dispose()]);
  });

  it("X-Forwarded-Email is trimmed of spaces and tabs only: U+00A0 stays part of it (and so is not the owner)", () => {
    expect(signedInEmail({ rawHeaders: ["X-Forwarded-Email", ` \t${OWNER}\t `] })).toBe(OWNER);
    expect(signedInEmail({ rawHeaders: ["X-Forwarded-Email", `${OWNER}\u00a0`] })).toBe(`${OWNER}\u00a0`);
    expect(signedInEmail({ rawHeaders: ["X-Forwarded-Email", `\u2003${OWNER}`] })).toBe(`\u2003${OWNER}`);
    expect(normalizeEmail(`${OWNER}\u00a0`)).not.toBe(OWNER);
    expect(normalizeEmail(` ${OWNER.toUpperCase()}\t`)).toBe(OWNER);
  });

  it("an Origin with userinfo, a path or a query names no page: refused on posts and upgrades", async () => {
    const id = await local.createSession();
    const host = new URL(local.url).host;
    for (const origin of [`http://evil@${host}`, `http://evil:pw@${host}`, `http://${host}/path`, `http://${host}/`, `http://${host}?q`]) {
      const post = await rawRequest(local.url, "POST", "/api/sessions", [["Content-Type", "application/json"], ["Origin", origin]], '{"agent":"shell"}');
      expect(post.status, origin).toBe(403);
      const ws = await rawRequest(local.url, "GET", `/api/sessions/${id}/ws`, [...UPGRADE_HEADERS, ["Origin", origin]]);
      expect(ws.status, origin).toBe(403);
      const ide = await rawRequest(app.url, "POST", "/api/ide/stop", [["X-Forwarded-Email", OWNER], ["Origin", origin.replace(host, new URL(app.url).host)]]);
      expect(ide.status, origin).toBe(403);
    }
    expect((await rawRequest(local.url, "GET", `/api/sessions/${id}/ws`, [...UPGRADE_HEADERS, ["Origin", local.url]])).status).toBe(101);
  });

  it("local mode takes a Host header only when all of it is a loopback name and port", async () => {
    const port = new URL(local.url).port;
    for (const host of [`[::1]anything`, `[::1]evil.org`, `[::1]:${port}x`, `localhost:${port}x`, `127.0.0.1.evil.org`, `localhost.evil.org:${port}`, `[::2]:${port}`]) {
      expect((await rawRequest(local.url, "GET", "/api/sessions", [["Host", host]])).status, host).toBe(403);
    }
    for (const host of [`[::1]:${port}`, `[::1]`, `localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST`]) {
      expect((await rawRequest(local.url, "GET", "/api/sessions", [["Host", host]])).status, host).toBe(200);
    }
  });

  it("caps connections per client address and closes one that never finishes its headers", async () => {
    const { port } = new URL(local.url);
    const sockets = Array.from({ length: 40 }, () => {
      const socket = net.connect(Number(port), "127.0.0.1");
      const state = { closedAt: 0, socket };
      socket.on("error", () => {});
      // Read what comes (the 408), so the socket sees the server's end.
      socket.resume();
      socket.on("close", () => (state.closedAt = Date.now()));
      // A slowloris client: a request line and one header, then silence.
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      return state;
    });
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Over the cap of 20: closed at once.
    expect(sockets.filter((s) => s.closedAt > 0).length).toBeGreaterThanOrEqual(20);
    // The rest, by the 1 s header timeout (checked every 200 ms), well before Node's default of 60 s.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(sockets.filter((s) => s.closedAt === 0)).toHaveLength(0);
    expect(Math.max(...sockets.map((s) => s.closedAt)) - started).toBeLessThan(3_500);
    // And the gateway still answers.
    expect((await local.api("GET", "/api/sessions")).status).toBe(200);
  });
});
