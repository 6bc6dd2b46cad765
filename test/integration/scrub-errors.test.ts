import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startGateway, type TestGateway } from "../helpers/gateway.js";
import { startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";
import { until } from "../helpers/until.js";

/** Every log line and answer a test collected must be free of every secret it used. */
function expectClean(texts: readonly string[], secrets: readonly string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("error paths whose upstream echoes its credentials are scrubbed", () => {
  let fake: FakeDatabricks | undefined;
  let gw: TestGateway | undefined;
  let f: SyncFixture | undefined;
  afterEach(async () => {
    await gw?.dispose();
    await f?.dispose();
    await fake?.close();
    gw = fake = f = undefined;
  });

  it("the owner lookup: /healthz and the log show why, never the Basic credential or the client secret", async () => {
    fake = await startFakeDatabricks();
    const basic = Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64");
    // An OAuth endpoint quoting the request back, as some do on invalid_client.
    fake.fault(
      { path: "/oidc/v1/token" },
      { status: 401, body: { error: "invalid_client", error_description: `refused Authorization: Basic ${basic} (client_secret=${fake.clientSecret}; raw ${basic} ${fake.clientSecret})` } },
      1000,
    );
    gw = await startGateway({
      env: { DATABRICKS_APP_NAME: "echo-app", DATABRICKS_HOST: fake.url, DATABRICKS_CLIENT_ID: fake.clientId, DATABRICKS_CLIENT_SECRET: fake.clientSecret },
      overrides: { ownerRetry: { callTimeoutMs: 2_000, initialDelayMs: 20, maxDelayMs: 50 } },
    });
    let health: any;
    await until(async () => {
      health = await (await fetch(gw!.url + "/healthz")).json();
      return typeof health.lastError === "string" && health.attempts >= 2;
    }, () => `an owner lookup error in /healthz: ${JSON.stringify(health)}`, 20_000);
    expect(fake.requests.some((r) => r.path === "/oidc/v1/token")).toBe(true);
    expectClean([JSON.stringify(health), ...gw.logs.lines], [fake.clientSecret, basic]);
  });

  it("the sync: /api/sync's errors and the log never carry the echoed PAT", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("echo");
    f.fake.fault(
      { path: /^\/api\/2\.0\/workspace\// },
      { status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message: `Request with Authorization: Bearer ${f.token} refused; token=${f.token}` } },
      1000,
    );
    await repo.commit({ "a.txt": "x" });
    // A 400 makes the sync skip the file, naming the upstream's answer as the reason.
    const status = await f.untilStatus("echo", (s) => s.lastError !== null || s.skipped.length > 0, "a sync error");
    expect(JSON.stringify(status)).toMatch(/Authorization: Bearer \[redacted\] refused/);
    expectClean([JSON.stringify(status), JSON.stringify((await f.gw.api("GET", "/api/sync")).body), ...f.gw.logs.lines], [f.token]);
  });

  it("the IDE: a code-server that prints a credential before failing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "echo-ide-"));
    const pat = "dapi00112233445566778899aabbccddeeff";
    const bin = path.join(dir, "code-server");
    writeFileSync(bin, `#!/bin/sh\necho "fatal: upstream said Authorization: Bearer ${pat}" >&2\nexit 3\n`, { mode: 0o755 });
    try {
      gw = await startGateway({ env: { CODE_SERVER_BIN: bin } });
      const started = await gw.api("POST", "/api/ide/start?wait=1");
      expect(started.status).toBe(502);
      expect(JSON.stringify(started.body)).toMatch(/fatal: upstream said/);
      const status = await gw.api("GET", "/api/ide");
      expectClean([JSON.stringify(started.body), JSON.stringify(status.body), ...gw.logs.lines], [pat]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
