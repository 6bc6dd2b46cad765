import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OWNER = "owner@example.com";

describe("POST /api/token against the fake workspace", () => {
  let fake: FakeDatabricks;
  let gw: TestGateway;
  const bodies: string[] = [];

  beforeEach(async () => {
    fake = await startFakeDatabricks();
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url }, overrides: { callTimeoutMs: 1500 } });
    bodies.length = 0;
  });
  afterEach(async () => {
    await gw.dispose();
    await fake.close();
  });

  async function call(method: string, body?: unknown) {
    const res = await gw.api(method, "/api/token", body);
    bodies.push(JSON.stringify(res.body));
    return res;
  }

  it("refuses malformed bodies with 400", async () => {
    for (const body of [{}, { token: 42 }, { token: "" }, { token: "dapi x" }, { token: "a", extra: 1 }, "[1", ["dapi"]]) {
      const res = await call("POST", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBeTruthy();
    }
    expect((await gw.api("POST", "/api/token", "token=dapi1", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(400);
    expect((await call("GET")).body).toEqual({ state: "missing", expiresAt: null, rotatedAt: null, lastError: null });
  });

  it("accepts the first user's token, then refuses another user's and a rejected one; never shows a value", async () => {
    const mine = fake.issueToken(OWNER);
    const res = await call("POST", { token: ` ${mine} ` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: "active", lastError: null, rotatedAt: expect.any(String) });
    expect(gw.gateway.tokens.current()).toBe(mine);
    // The check went to SCIM Me as the pasted token.
    expect(fake.requests.some((r) => r.path === "/api/2.0/preview/scim/v2/Me" && r.authorization === `Bearer ${mine}`)).toBe(true);

    const cfg = path.join(gw.home, ".databrickscfg");
    expect(readFileSync(cfg, "utf8")).toBe(`[DEFAULT]\nhost  = ${fake.url}\ntoken = ${mine}\n`);
    expect(statSync(cfg).mode & 0o777).toBe(0o600);

    const theirs = fake.issueToken("someone@example.com");
    const refused = await call("POST", { token: theirs });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("not_owner");

    const revoked = fake.issueToken(OWNER);
    fake.tokens.find((t) => t.value === revoked)!.revoked = true;
    expect((await call("POST", { token: revoked })).status).toBe(401);
    expect((await call("POST", { token: "dapi0000000000000000000000000000" })).status).toBe(401);

    expect(gw.gateway.tokens.current()).toBe(mine);
    expect((await call("GET")).body.state).toBe("active");
    const everything = [...bodies, ...gw.logs.lines].join("\n");
    for (const value of [mine, theirs, revoked]) expect(everything).not.toContain(value);
  });

  it("answers 502 when the workspace fails, hangs or cannot be reached, and keeps the token it had", async () => {
    const mine = fake.issueToken(OWNER);
    expect((await call("POST", { token: mine })).status).toBe(200);
    const other = fake.issueToken(OWNER);
    fake.fault({ path: "/api/2.0/preview/scim/v2/Me" }, { status: 503 });
    expect((await call("POST", { token: other })).status).toBe(502);
    fake.fault({ path: "/api/2.0/preview/scim/v2/Me" }, "hang");
    const hung = await call("POST", { token: other });
    expect(hung.status).toBe(502);
    expect(hung.body.error.message).toMatch(/in time/);
    fake.fault({ path: "/api/2.0/preview/scim/v2/Me" }, "close");
    expect((await call("POST", { token: other })).status).toBe(502);
    expect(gw.gateway.tokens.current()).toBe(mine);
    const everything = [...bodies, ...gw.logs.lines].join("\n");
    for (const value of [mine, other]) expect(everything).not.toContain(value);
  });
});

describe("POST /api/token with a named owner (APP_OWNER)", () => {
  it("accepts the owner's token in any letter case and refuses another user's", async () => {
    const fake = await startFakeDatabricks();
    const gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, APP_OWNER: OWNER }, overrides: { callTimeoutMs: 1500 } });
    try {
      const asOwner = { "x-forwarded-email": OWNER };
      const other = fake.issueToken("someone@example.com");
      const refused = await gw.api("POST", "/api/token", { token: other }, asOwner);
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/token belongs to another user/);
      const mine = fake.issueToken("Owner@Example.com");
      expect((await gw.api("POST", "/api/token", { token: mine }, asOwner)).status).toBe(200);
      expect(gw.logs.lines.join("\n")).not.toContain(mine);
    } finally {
      await gw.dispose();
      await fake.close();
    }
  });
});
