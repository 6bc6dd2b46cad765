import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { rawRequest, UPGRADE_HEADERS } from "../helpers/raw-http.js";
import { guardedRequests } from "../helpers/route-walk.js";

const OWNER = "owner@example.com";
const OTHER = "someone@example.com";
type Headers = ReadonlyArray<readonly [string, string]>;

describe("owner guard (APP_OWNER)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } });
  });
  afterAll(async () => {
    await gw.dispose();
  });

  const get = (path: string, headers: Headers) => rawRequest(gw.url, "GET", path, headers);
  const email = (value: string): Headers => [["X-Forwarded-Email", value]];

  it("lets the owner in, whatever the case of the header's name and value and surrounding spaces", async () => {
    for (const headers of [
      email(OWNER),
      email("OWNER@Example.COM"),
      email(`  ${OWNER}\t `),
      [["x-FORWARDED-email", OWNER]] as Headers,
    ]) {
      expect((await get("/api/sessions", headers)).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it("answers 401 for a missing, empty or blank header", async () => {
    for (const headers of [[], email(""), email("   ")] as Headers[]) {
      const res = await get("/api/sessions", headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe("unauthenticated");
    }
  });

  it("answers 403 for anyone else, suffix and prefix tricks included", async () => {
    for (const value of [OTHER, `${OWNER}.evil.org`, `evil-${OWNER}`, "owner@example.co", "owner@example", "owner"]) {
      const res = await get("/api/sessions", email(value));
      expect(res.status, value).toBe(403);
      expect(res.headers["content-type"]).toMatch(/json/);
      const body = JSON.parse(res.body);
      expect(body.error.code).toBe("not_owner");
      expect(body.error.message).toContain(value);
    }
  });

  it("refuses several headers, even all naming the owner, and comma lists", async () => {
    for (const headers of [
      [...email(OWNER), ...email(OWNER)],
      [...email(OWNER), ...email(OTHER)],
      [...email(OTHER), ["x-forwarded-email", OWNER]],
      [...email(OWNER), ...email("")],
      email(`${OWNER}, ${OTHER}`),
      email(`${OTHER},${OWNER}`),
      email(`${OWNER},`),
    ] as Headers[]) {
      const res = await get("/api/sessions", headers);
      expect(res.status, JSON.stringify(headers)).toBe(400);
    }
  });

  it("shows a browser an HTML page naming the signed-in email (escaped), never the owner's", async () => {
    const intruder = "<b>mallory</b>@evil.org";
    const res = await get("/", [...email(intruder), ["Accept", "text/html,application/xhtml+xml"]]);
    expect(res.status).toBe(403);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    expect(res.body).toContain("&#60;b&#62;mallory&#60;/b&#62;@evil.org");
    expect(res.body).not.toContain("<b>");
    expect(res.body.toLowerCase()).not.toContain(OWNER);
    // The API answers JSON even to a browser.
    const api = await get("/api/agents", [...email(OTHER), ["Accept", "text/html"]]);
    expect(api.headers["content-type"]).toMatch(/json/);
    expect(api.body).not.toContain(OWNER);
  });

  it("keeps /healthz open and silent about who the owner is", async () => {
    const res = await get("/healthz", []);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok", mode: "app", owner: "known" });
    expect(res.body.toLowerCase()).not.toContain("owner@");
  });

  it("tells the page who is signed in at GET /api/me", async () => {
    const res = await get("/api/me", email(" Owner@Example.com "));
    expect(JSON.parse(res.body)).toEqual({ email: "Owner@Example.com", mode: "app" });
  });

  it("sends the security headers on the page and on refusals", async () => {
    for (const res of [await get("/", email(OWNER)), await get("/", []), await get("/healthz", [])]) {
      expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'self'");
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("covers every registered route but /healthz (walked from the router stack)", async () => {
    const probes = guardedRequests(gw.gateway.app);
    const paths = probes.map((p) => p.path);
    // The walk must see the routes it claims to cover, or it proves nothing.
    expect(paths).toEqual(expect.arrayContaining(["/api/sessions", "/api/agents", "/api/me", "/"]));
    expect(paths).not.toContain("/healthz");
    for (const { method, path } of probes) {
      const anonymous = await rawRequest(gw.url, method, path, [["Content-Type", "application/json"]], method === "GET" ? "" : "{}");
      expect(anonymous.status, `${method} ${path} without a user`).toBe(401);
      const other = await rawRequest(gw.url, method, path, [...email(OTHER), ["Content-Type", "application/json"]], method === "GET" ? "" : "{}");
      expect(other.status, `${method} ${path} as another user`).toBe(403);
    }
  });

  it("covers every upgrade path, and paths no route serves", async () => {
    const paths = [...gw.gateway.upgrades.map((r) => r.probePath), "/", "/nowhere/ws", "/healthz"];
    expect(gw.gateway.upgrades.length).toBeGreaterThan(0);
    const origin: Headers = [["Origin", gw.url]];
    for (const path of paths) {
      expect((await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...origin])).status, path).toBe(401);
      expect((await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...origin, ...email(OTHER)])).status, path).toBe(403);
      expect((await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...origin, ...email(OWNER), ...email(OWNER)])).status, path).toBe(400);
      expect((await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ["Origin", "https://evil.org"], ...email(OWNER)])).status, path).toBe(403);
      // The owner from the same origin gets past the guard (to the route's own answer).
      const owner = await rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...origin, ...email(OWNER)]);
      expect([401, 403, 400, 503], path).not.toContain(owner.status);
    }
  });

  it("refuses cross-site WebSockets and posts, honouring X-Forwarded-Host", async () => {
    const id = await gw.createSession();
    const path = `/api/sessions/${id}/ws`;
    const ws = (headers: Headers) => rawRequest(gw.url, "GET", path, [...UPGRADE_HEADERS, ...email(OWNER), ...headers]);
    expect((await ws([["Origin", gw.url]])).status).toBe(101);
    expect((await ws([])).status).toBe(101); // no Origin: not a browser page
    expect((await ws([["X-Forwarded-Host", "app.example.com"], ["Origin", "https://app.example.com"]])).status).toBe(101);
    for (const origin of ["https://evil.org", "https://app.example.com.evil.org", "null", `${gw.url.replace(/:\d+$/, ":1")}`]) {
      expect((await ws([["X-Forwarded-Host", "app.example.com"], ["Origin", origin]])).status, origin).toBe(403);
      expect((await ws([["Origin", origin]])).status, origin).toBe(403);
    }
    expect((await ws([["X-Forwarded-Host", "app.example.com"], ["Origin", gw.url]])).status).toBe(403);

    const post = (origin: string) =>
      rawRequest(gw.url, "POST", "/api/sessions", [...email(OWNER), ["Content-Type", "application/json"], ["Origin", origin]], '{"agent":"shell"}');
    expect((await post("https://evil.org")).status).toBe(403);
    const created = await post(gw.url);
    expect(created.status).toBe(201);
    await rawRequest(gw.url, "DELETE", `/api/sessions/${JSON.parse(created.body).id}`, email(OWNER));
  });

  it("runs a real terminal for the owner over the guarded WebSocket", async () => {
    const id = await gw.createSession();
    const client = await gw.connect(id, { headers: { "X-Forwarded-Email": OWNER, Origin: gw.url } });
    client.input("echo guard-$((6*7))\r");
    await client.waitFor("guard-42");
    client.close();
    await expect(gw.connect(id, { headers: { "X-Forwarded-Email": OTHER } })).rejects.toThrow(/403/);
  });
});
