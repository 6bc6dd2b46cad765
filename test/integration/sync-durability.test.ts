import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { TestRepo } from "../helpers/git-repo.js";
import { startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";

// Nothing lost: the spool and the sync state outlive the gateway; garbage never stops the queue.
describe("workspace sync durability", () => {
  let f: SyncFixture | undefined;
  let fake: FakeDatabricks | undefined;
  let home: string | undefined;
  afterEach(async () => {
    await f?.dispose();
    await fake?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    f = fake = home = undefined;
  });

  const spoolDir = (h: string) => path.join(h, ".local", "state", "agent-terminal-gateway", "sync", "spool");
  const syncDone = (fixture: SyncFixture) =>
    fixture.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync done");

  it("syncs a commit queued before a restart and one made while the gateway was down", async () => {
    fake = await startFakeDatabricks();
    home = mkdtempSync(path.join(tmpdir(), "sync-restart-"));
    // First life: no token, so the commit stays queued.
    f = await startSyncFixture({ fake, home, token: "none" });
    const repo = await f.repo("durable");
    await repo.commit({ "a.txt": "queued before the restart" });
    await f.untilStatus("durable", (s) => s.pending === 1, "a queued commit");
    await f.dispose();
    f = undefined;

    // Down: the hook still spools.
    const head = await TestRepo.open(home, repo.dir).commit({ "b.txt": "made while down" });
    expect(readdirSync(spoolDir(home)).filter((n) => n.endsWith(".json"))).toHaveLength(2);

    // Second life, with a token: both commits arrive, as one sync of the newest.
    f = await startSyncFixture({ fake, home });
    await f.synced("durable", head);
    expect(f.remote("durable/a.txt")?.content?.toString()).toBe("queued before the restart");
    expect(f.remote("durable/b.txt")?.content?.toString()).toBe("made while down");
    expect(syncDone(f)).toEqual([expect.objectContaining({ commits: 2, full: true })]);
    await f.dispose();
    f = undefined;

    // A commit the hook never saw (hooks turned off for it) is caught up at the next start, incrementally.
    const again = TestRepo.open(home, repo.dir);
    again.write({ "c.txt": "no hook" });
    await again.git("add", "-A");
    await again.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "no hook");
    expect(readdirSync(spoolDir(home)).filter((n) => n.endsWith(".json"))).toHaveLength(0);
    f = await startSyncFixture({ fake, home });
    await f.synced("durable", await again.head());
    expect(f.remote("durable/c.txt")?.content?.toString()).toBe("no hook");
    expect(syncDone(f)).toEqual([expect.objectContaining({ full: false, uploaded: 1 })]);
  });

  it("quarantines garbage in the spool, logs it, and carries on with valid commits", async () => {
    f = await startSyncFixture();
    const spool = spoolDir(f.gw.home);
    writeFileSync(path.join(spool, "1-1-1.json"), "not json at all");
    writeFileSync(path.join(spool, "2-1-1.json"), JSON.stringify({ v: 1, repo: "relative/path", commit: "abc" }));
    writeFileSync(path.join(spool, "3-1-1.json"), "x".repeat(20_000));
    writeFileSync(path.join(spool, "notes.txt"), "stray");
    writeFileSync(path.join(spool, "4-1-1.json"), JSON.stringify({ v: 1, repo: "/no/such/repo/anywhere", commit: "a".repeat(40) }));
    const repo = await f.repo("after-garbage");
    const head = await repo.commit({ "ok.txt": "fine" });
    await f.synced("after-garbage", head);
    const quarantine = path.join(spool, "..", "quarantine");
    expect(readdirSync(quarantine)).toHaveLength(4);
    const warnings = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "invalid sync spool file quarantined");
    expect(warnings.map((w) => w.problem).sort()).toEqual([
      "larger than 8192 bytes",
      "not JSON",
      "repo: an absolute path without control characters",
      "unexpected file name",
    ]);
    // The well-formed entry for a path outside the projects folder is dropped, not quarantined.
    expect(readdirSync(spool)).toEqual([]);
    expect((await f.gw.api("GET", "/healthz")).status).toBe(200);
  });

  it("sets an unreadable state file aside and uploads the repository whole", async () => {
    fake = await startFakeDatabricks();
    home = mkdtempSync(path.join(tmpdir(), "sync-state-"));
    f = await startSyncFixture({ fake, home });
    const repo = await f.repo("stateful");
    await f.synced("stateful", await repo.commit({ "a.txt": "1", "b.txt": "2" }));
    await f.dispose();
    f = undefined;
    const stateFile = path.join(spoolDir(home), "..", "state.json");
    writeFileSync(stateFile, '{"v":1,"repos":{"stateful":{"dir":42}}}');
    f = await startSyncFixture({ fake, home });
    const head = await TestRepo.open(home, repo.dir).commit({ "b.txt": "3" });
    await f.synced("stateful", head);
    expect(syncDone(f)).toEqual([expect.objectContaining({ full: true, uploaded: 2 })]);
    expect(f.remote("stateful/b.txt")?.content?.toString()).toBe("3");
    expect(readdirSync(path.dirname(stateFile)).some((n) => n.startsWith("state.json.bad-"))).toBe(true);
    expect(f.gw.logs.lines.some((l) => l.includes("invalid sync state set aside"))).toBe(true);
  });

  it("leaves repositories outside the projects folder alone", async () => {
    f = await startSyncFixture();
    const outside = await TestRepo.init(f.gw.home, path.join(f.gw.home, "elsewhere"));
    await outside.commit({ "private.txt": "stays here" });
    const inside = await f.repo("inside");
    const head = await inside.commit({ "a.txt": "1" });
    await f.synced("inside", head);
    const until = Date.now() + 5_000;
    while (readdirSync(spoolDir(f.gw.home)).some((n) => n.endsWith(".json")) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readdirSync(spoolDir(f.gw.home))).toEqual([]);
    expect((await f.gw.api("GET", "/api/sync")).body.map((r: any) => r.name)).toEqual(["inside"]);
    expect(f.fake.requests.some((r) => JSON.stringify(r.body ?? "").includes("private.txt"))).toBe(false);
    expect(existsSync(path.join(f.gw.home, "elsewhere", "private.txt"))).toBe(true);
  });
});
