import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startMain } from "../helpers/gateway-process.js";

let fake: FakeDatabricks;
let home: string;
beforeEach(async () => {
  fake = await startFakeDatabricks();
  home = mkdtempSync(path.join(tmpdir(), "gw-sigterm-"));
});
afterEach(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

it("on SIGTERM revokes the token the gateway created, never the one it was given, and logs no token", async () => {
  const given = fake.issueToken("owner@example.com");
  const run = startMain({
    HOME: home,
    PORT: "0",
    DATABRICKS_HOST: fake.url,
    DATABRICKS_TOKEN: given,
    TOKEN_ROTATION_INTERVAL_SECONDS: "2",
    TOKEN_LIFETIME_SECONDS: "6",
  });
  const url = await run.listening;
  const res = await fetch(`${url}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent: "shell" }),
  });
  expect(res.status).toBe(201);
  // The session starts the first rotation at once: the gateway then holds a token it created.
  const minted = () => fake.tokens.filter((t) => t.comment.includes("agent-terminal-gateway"));
  for (let i = 0; i < 100 && !readFileSync(path.join(home, ".databrickscfg"), "utf8").includes(minted()[0]?.value ?? "-"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const current = minted()[0]!;
  expect(readFileSync(path.join(home, ".databrickscfg"), "utf8")).toContain(`token = ${current.value}`);
  expect(readFileSync(`/proc/${run.child.pid}/cmdline`, "latin1")).not.toContain(current.value);

  run.child.kill("SIGTERM");
  expect(await run.exited).toBe(0);
  const live = minted().filter((t) => !t.revoked);
  expect(live).toEqual([]); // the current one included: a redeploy asks for a new paste
  expect(fake.tokens.find((t) => t.value === given)!.revoked).toBe(false);
  expect(readFileSync(path.join(home, ".databrickscfg"), "utf8")).not.toContain("token");
  expect(run.output()).toContain("revoked a token the gateway no longer uses");
  for (const token of fake.tokens) expect(run.output()).not.toContain(token.value);
}, 30_000);
