import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { rawRequest, UPGRADE_HEADERS } from "../helpers/raw-http.js";
import { until } from "../helpers/until.js";

const OWNER = "creator@example.com";

describe("app mode: the owner is the app's creator, looked up through the real SDK", () => {
  let fake: FakeDatabricks | undefined;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.dispose();
    await fake?.close();
    gw = fake = undefined;
  });

  it("fails closed with 503 until the lookup succeeds, then lets the creator in", async () => {
    fake = await startFakeDatabricks();
    // The app is not there yet (as during a first deployment): every lookup fails until setApp() below.
    fake.fault({ path: "/api/2.0/apps/my-gateway" }, { status: 503 });
    gw = await startGateway({
      env: {
        DATABRICKS_APP_NAME: "my-gateway",
        DATABRICKS_HOST: fake.url,
        DATABRICKS_CLIENT_ID: fake.clientId,
        DATABRICKS_CLIENT_SECRET: fake.clientSecret,
      },
      overrides: { ownerRetry: { callTimeoutMs: 500, initialDelayMs: 20, maxDelayMs: 50 } },
    });
    const url = gw.url;
    const me = [["X-Forwarded-Email", OWNER]] as const;
    const lookups = () => fake!.requests.filter((r) => r.path === "/api/2.0/apps/my-gateway").length;
    await until(() => lookups() >= 2);

    const refused = await rawRequest(url, "GET", "/api/sessions", me);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe("owner_unknown");
    const page = await rawRequest(url, "GET", "/", [...me, ["Accept", "text/html"]]);
    expect(page.status).toBe(503);
    expect(page.headers["content-type"]).toMatch(/html/);
    expect((await rawRequest(url, "GET", "/api/sessions/x/ws", [...UPGRADE_HEADERS, ...me])).status).toBe(503);
    const health = JSON.parse((await rawRequest(url, "GET", "/healthz", [])).body);
    expect(health).toMatchObject({ status: "ok", mode: "app", owner: "not yet known" });
    expect(health.lastError).toMatch(/404/);
    expect(JSON.stringify(health).toLowerCase()).not.toContain("creator@");

    fake.setApp("my-gateway", "Creator@Example.com");
    await until(async () => (await rawRequest(url, "GET", "/api/sessions", me)).status === 200);
    expect(JSON.parse((await rawRequest(url, "GET", "/healthz", [])).body)).toMatchObject({ owner: "known" });
    expect((await rawRequest(url, "GET", "/api/sessions", [["X-Forwarded-Email", "other@example.com"]])).status).toBe(403);

    // The app's credentials never reach a response or a log line.
    for (const path of ["/healthz", "/api/me", "/api/sessions"]) {
      const res = await rawRequest(url, "GET", path, me);
      expect(res.body).not.toContain(fake.clientSecret);
    }
    for (const line of gw.logs.lines) expect(line).not.toContain(fake.clientSecret);
  });
});

describe("local mode", () => {
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.dispose();
    gw = undefined;
  });

  it("needs no header, but refuses foreign Host names and cross-site origins", async () => {
    gw = await startGateway();
    const url = gw.url;
    expect((await rawRequest(url, "GET", "/api/sessions", [])).status).toBe(200);
    expect(JSON.parse((await rawRequest(url, "GET", "/api/me", [])).body)).toEqual({ email: null, mode: "local" });
    expect(JSON.parse((await rawRequest(url, "GET", "/healthz", [])).body)).toMatchObject({ mode: "local" });

    const port = new URL(url).port;
    expect((await rawRequest(url, "GET", "/", [["Host", `localhost:${port}`]])).status).toBe(200);
    expect((await rawRequest(url, "GET", "/", [["Host", `rebind.evil.org:${port}`]])).status).toBe(403);

    const id = await gw.createSession();
    const ws = (headers: ReadonlyArray<readonly [string, string]>) =>
      rawRequest(url, "GET", `/api/sessions/${id}/ws`, [...UPGRADE_HEADERS, ...headers]);
    expect((await ws([["Origin", url]])).status).toBe(101);
    expect((await ws([["Origin", "https://evil.org"]])).status).toBe(403);
    expect((await ws([["Host", `rebind.evil.org:${port}`], ["Origin", `http://rebind.evil.org:${port}`]])).status).toBe(403);
    const post = await rawRequest(url, "POST", "/api/sessions", [["Content-Type", "application/json"], ["Origin", "https://evil.org"]], '{"agent":"shell"}');
    expect(post.status).toBe(403);
  });
});

