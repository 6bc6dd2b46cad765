import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks, type FaultResponse } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { rawRequest } from "../helpers/raw-http.js";
import { OWNER, startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";
import { until } from "../helpers/until.js";

/**
 * The Databricks API misbehaving in each way it can, for each caller: the owner lookup, a token paste, the
 * rotation, the workspace sync. Each test shows what the owner sees meanwhile, that it recovers by itself,
 * and that no working token and no commit is lost.
 */
const FAULTS: ReadonlyArray<readonly [string, FaultResponse]> = [
  ["429", { status: 429, headers: { "retry-after": "1" } }],
  ["500", { status: 500 }],
  ["503", { status: 503 }],
  ["a closed connection", "close"],
  ["no answer", "hang"],
];

describe("faults: Databricks answers 429, 500, 503, drops the connection or never answers", () => {
  let fake: FakeDatabricks | undefined;
  let gw: TestGateway | undefined;
  let fixture: SyncFixture | undefined;
  afterEach(async () => {
    await gw?.dispose();
    await fixture?.dispose();
    await fake?.close();
    gw = fake = fixture = undefined;
  });

  it.each(FAULTS)("owner lookup, %s: the owner sees 503 'owner not known yet', then gets in by itself", async (_name, fault) => {
    fake = await startFakeDatabricks();
    fake.setApp("gw", OWNER);
    fake.fault({ path: "/api/2.0/apps/gw" }, fault, 3);
    gw = await startGateway({
      env: { DATABRICKS_APP_NAME: "gw", DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: fake.clientId, DATABRICKS_CLIENT_SECRET: fake.clientSecret },
      overrides: { ownerRetry: { callTimeoutMs: 600, initialDelayMs: 100, maxDelayMs: 200 } },
    });
    const me = [["X-Forwarded-Email", OWNER]] as const;
    await until(() => fake!.requests.some((r) => r.path === "/api/2.0/apps/gw"), "the first lookup", 20_000);
    const refused = await rawRequest(gw.url, "GET", "/", [...me, ["Accept", "text/html"]]);
    expect(refused.status).toBe(503);
    expect(refused.body).toContain("does not know its owner yet");
    await until(async () => (await rawRequest(gw!.url, "GET", "/api/sessions", me)).status === 200, "the owner let in", 20_000);
    expect(JSON.parse((await rawRequest(gw.url, "GET", "/healthz", [])).body)).toMatchObject({ owner: "known" });
    for (const line of gw.logs.lines) expect(line).not.toContain(fake.clientSecret);
  });

  it.each(FAULTS)("token paste, %s: the owner gets 502 or (429) a delayed 200, and the token in use is kept", async (name, fault) => {
    fake = await startFakeDatabricks();
    // A 429 is retried by the SDK after its Retry-After second: room for that on a busy machine.
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url }, overrides: { callTimeoutMs: name === "429" ? 10_000 : 1500 } });
    const kept = fake.issueToken(OWNER);
    expect((await gw.api("POST", "/api/token", { token: kept })).status).toBe(200);
    const next = fake.issueToken(OWNER);
    fake.fault({ path: "/api/2.0/preview/scim/v2/Me" }, fault, name === "429" ? 1 : 5);
    const res = await gw.api("POST", "/api/token", { token: next });
    if (name === "429") {
      // The SDK retries a 429 itself: the paste takes a moment longer and succeeds.
      expect(res.status).toBe(200);
      expect(gw.gateway.tokens.current()).toBe(next);
    } else {
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe("workspace_unreachable");
      expect(gw.gateway.tokens.current()).toBe(kept);
      expect((await gw.api("GET", "/api/token")).body.state).toBe("active");
      expect(readFileSync(path.join(gw.home, ".databrickscfg"), "utf8")).toContain(`token = ${kept}`);
    }
    expect([JSON.stringify(res.body), ...gw.logs.lines].join("\n")).not.toMatch(new RegExp(`${kept}|${next}`));
  });

  it.each(FAULTS)("rotation, %s: the owner sees the error in the status bar, the old token keeps working, the next try rotates", async (name, fault) => {
    fake = await startFakeDatabricks();
    const first = fake.issueToken(OWNER);
    gw = await startGateway({ env: { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: first }, overrides: { callTimeoutMs: 800 } });
    fake.fault({ method: "POST", path: "/api/2.0/token/create" }, fault, 1);
    // A live session with a token of unknown age rotates at once.
    await gw.createSession();
    const states = new Set<string>();
    const valid = (value: string | undefined) => fake!.tokens.some((t) => t.value === value && !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now()));
    await until(async () => {
      const status = (await gw!.api("GET", "/api/token")).body;
      states.add(status.state);
      if (status.state === "error") expect(status.lastError).toMatch(/rotation failed/);
      // At every moment the token in use is one the workspace accepts.
      expect(valid(gw!.gateway.tokens.current())).toBe(true);
      return status.state === "active" && gw!.gateway.tokens.current() !== first;
    }, "a rotated token", 30_000);
    if (name !== "429") expect(states).toContain("error");
    const current = gw.gateway.tokens.current()!;
    expect(readFileSync(path.join(gw.home, ".databrickscfg"), "utf8")).toContain(`token = ${current}`);
    // The first token was given, not minted: never revoked by the gateway.
    expect(valid(first)).toBe(true);
    expect(gw.logs.lines.join("\n")).not.toMatch(new RegExp(`${first}|${current}`));
  }, 40_000);

  it.each(FAULTS)("sync, %s: the commit stays queued with the reason shown, then reaches the workspace", async (name, fault) => {
    fixture = await startSyncFixture({ sync: { retry: { baseMs: 100, maxMs: 300 }, callTimeoutMs: 600 } });
    const repo = await fixture.repo("faulty");
    fixture.fake.fault({ path: /^\/api\/2\.0\/workspace\// }, fault, 2);
    const head = await repo.commit({ "a.txt": `survives ${name}` });
    const spoolDir = path.join(fixture.gw.gateway.config.stateDir, "sync", "spool");
    if (name !== "429") {
      const failing = await fixture.untilStatus("faulty", (s) => s.lastError !== null, "the error shown");
      expect(failing).toMatchObject({ pending: 1, lastCommit: null });
      expect(failing.lastError).toMatch(/Workspace unavailable|Sync failed/);
      expect(readdirSync(spoolDir).filter((f) => f.endsWith(".json"))).toHaveLength(1);
    }
    await fixture.synced("faulty", head);
    expect(fixture.remote("faulty/a.txt")?.content?.toString()).toBe(`survives ${name}`);
    expect((await fixture.status("faulty")).lastError).toBeNull();
    expect(readdirSync(spoolDir).filter((f) => f.endsWith(".json"))).toEqual([]);
  });
});
