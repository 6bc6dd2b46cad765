import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "../helpers/gateway.js";

const OWNER = "owner@example.com";
const POSTS = ["/api/ide/start", "/api/ide/stop", "/api/ide/install"];

// The IDE's state-changing routes have no origin check of their own: the guard's checkOrigin is the only one.
const MODES: { mode: string; env: Record<string, string>; headers: Record<string, string> }[] = [
  { mode: "local", env: {}, headers: {} },
  { mode: "app", env: { APP_OWNER: OWNER }, headers: { "X-Forwarded-Email": OWNER } },
];

describe.each(MODES)("the IDE's POST routes behind the guard ($mode mode)", ({ env, headers }) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env, headers });
  });
  afterAll(() => gw.dispose());

  it.each(POSTS)("refuses a cross-site POST %s with 403 cross_origin", async (route) => {
    const res = await gw.api("POST", route, undefined, { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("cross_origin");
  });

  it("takes the same POST from the gateway's own origin", async () => {
    const res = await gw.api("POST", "/api/ide/stop", undefined, { origin: gw.url });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe("absent");
  });
});
