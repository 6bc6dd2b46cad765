import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { startChildGateway, type ChildGateway } from "../helpers/gateway-process.js";
import { TestRepo } from "../helpers/git-repo.js";
import { until } from "../helpers/until.js";

const OWNER = "owner@example.com";
/** Databricks Apps send SIGKILL 15 s after SIGTERM; main.ts gives itself 10. */
const SIGKILL_AFTER_MS = 15_000;

/**
 * SIGTERM (what Databricks Apps send on a redeploy or stop) while a workspace call hangs: the gateway, as its
 * own process, exits cleanly in time; a queued commit survives in the spool and is synced by the next start;
 * the token in use stays valid and no token the gateway minted is left alive.
 */
describe("faults: SIGTERM during a sync and during a rotation", () => {
  let fake: FakeDatabricks | undefined;
  let gw: ChildGateway | undefined;
  let home: string | undefined;
  afterEach(async () => {
    if (gw && gw.child.exitCode === null) await gw.stop("SIGKILL");
    await fake?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    fake = gw = home = undefined;
  });

  /** What a wait names when it times out, with the gateway's last output at that moment. */
  const what = (name: string) => () => `${name}; gateway output: ${gw?.output().slice(-2000)}`;
  const stopTimed = async (child: ChildGateway) => {
    const started = Date.now();
    const code = await child.stop("SIGTERM");
    return { code, ms: Date.now() - started };
  };

  it("during a sync: exits 0 in time, the commit stays queued and the next start syncs it", async () => {
    fake = await startFakeDatabricks();
    const token = fake.issueToken(OWNER);
    home = mkdtempSync(path.join(tmpdir(), "gw-sigterm-"));
    const env = { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: token };
    gw = await startChildGateway(env, { home });
    // The hook is installed at start; the import never answers.
    fake.fault({ path: "/api/2.0/workspace/import" }, "hang", 1000);
    const repo = await TestRepo.init(home, path.join(home, "projects", "app"));
    const head = await repo.commit({ "main.py": "print('kept')\n" });
    await until(() => fake!.requests.some((r) => r.path === "/api/2.0/workspace/import"), what("the import in flight"), 20_000);

    const stopped = await stopTimed(gw);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(SIGKILL_AFTER_MS);
    const spool = path.join(home, ".local", "state", "agent-terminal-gateway", "sync", "spool");
    const queued = readdirSync(spool).filter((n) => n.endsWith(".json"));
    expect(queued).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(spool, queued[0]!), "utf8"))).toMatchObject({ commit: head });

    // The workspace is back; the next start finds the commit and syncs it.
    await fake.close();
    fake = await restartFake(fake, token);
    gw = await startChildGateway({ ...env, DATABRICKS_HOST: fake.url }, { home });
    await until(async () => {
      const status = (await (await fetch(`${gw!.url}/api/sync`)).json()) as any[];
      return status.some((s) => s.name === "app" && s.lastCommit === head && s.pending === 0);
    }, what("the commit synced after the restart"), 30_000);
    expect(fake.workspace.get(`/Users/${OWNER}/projects/app/main.py`)?.content?.toString()).toBe("print('kept')\n");
    expect(readdirSync(spool).filter((n) => n.endsWith(".json"))).toEqual([]);
    expect((await stopTimed(gw)).code).toBe(0);
  }, 90_000);

  it("during a rotation: exits 0 in time, the token in use still works, the half-made token is revoked", async () => {
    fake = await startFakeDatabricks();
    const first = fake.issueToken(OWNER);
    home = mkdtempSync(path.join(tmpdir(), "gw-sigterm-"));
    gw = await startChildGateway({ DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: first }, { home });
    // The new token is created, then its check (SCIM Me as the new token) never answers: mid-rotation.
    fake.fault({ path: "/api/2.0/preview/scim/v2/Me" }, "hang", 1000);
    const created = await fetch(`${gw.url}/api/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "shell" }),
    });
    expect(created.status).toBe(201);
    await until(() => fake!.requests.some((r) => r.path === "/api/2.0/preview/scim/v2/Me"), what("the rotation in flight"), 20_000);
    const minted = fake.tokens.filter((t) => t.value !== first);
    expect(minted).toHaveLength(1);
    expect((await (await fetch(`${gw.url}/api/token`)).json()) as any).toMatchObject({ state: "rotating" });

    const stopped = await stopTimed(gw);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(SIGKILL_AFTER_MS);
    const valid = (t: { revoked: boolean; expiresAt: number }) => !t.revoked && (t.expiresAt === -1 || t.expiresAt > Date.now());
    expect(valid(fake.tokens.find((t) => t.value === first)!)).toBe(true);
    expect(minted.every((t) => t.revoked)).toBe(true);
    expect(readFileSync(path.join(home, ".databrickscfg"), "utf8")).toContain(`token = ${first}`);
    expect(gw.output()).not.toContain(first);
  }, 60_000);
});

/** A fresh fake on a new port that knows the owner's token (the old fake's tokens are gone with it). */
async function restartFake(old: FakeDatabricks, token: string): Promise<FakeDatabricks> {
  const fresh = await startFakeDatabricks();
  const known = old.tokens.find((t) => t.value === token)!;
  fresh.tokens.push({ ...known });
  return fresh;
}
