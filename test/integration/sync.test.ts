import { execFile } from "node:child_process";
import { symlinkSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks } from "../fakes/databricks.js";
import { gitEnv } from "../helpers/git-repo.js";
import { OWNER, startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";

// Real repositories, the real hook (installed by the gateway into its temp HOME), the real SDK, the fake
// workspace. Each test starts its own gateway and fake.
describe("workspace sync", () => {
  let f: SyncFixture;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await f?.dispose();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const imports = (rel: string) =>
    f.fake.requests.filter((r) => r.path === "/api/2.0/workspace/import" && (r.body as any)?.path === `/Users/${OWNER}/projects/${rel}`);

  it("uploads the whole tree on the first commit: nested folders, never ignored or untracked files", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("demo");
    const first = await repo.commit({
      "README.md": "# demo\n",
      "src/a/b/c.ts": "export const c = 1;\n",
      "src/a/d.ts": "export const d = 2;\n",
      ".gitignore": "secret.env\nbuild/\n",
      "secret.env": "TOKEN=hunter2\n",
      "build/out.js": "ignored\n",
    });
    const status = await f.synced("demo", first);
    expect(f.tree("demo")).toEqual([".gitignore:FILE", "README.md:FILE", "src/a/b/c.ts:FILE", "src/a/b:DIRECTORY", "src/a/d.ts:FILE", "src/a:DIRECTORY", "src:DIRECTORY"]);
    expect(f.remote("demo/src/a/b/c.ts")?.content?.toString()).toBe("export const c = 1;\n");
    expect(status).toMatchObject({ name: "demo", lastError: null, pending: 0, skipped: [] });
    expect(Date.parse(status.lastSyncedAt)).toBeGreaterThan(0);

    // Every call carried the owner's PAT; the app's credentials were never used.
    const workspaceCalls = f.fake.requests.filter((r) => r.path.startsWith("/api/2.0/workspace/"));
    expect(workspaceCalls.length).toBeGreaterThan(0);
    const ownersTokens = new Set(f.fake.tokens.filter((t) => t.userName === OWNER).map((t) => `Bearer ${t.value}`));
    expect(workspaceCalls.every((r) => ownersTokens.has(r.authorization ?? ""))).toBe(true);
    expect(f.fake.requests.some((r) => r.path.startsWith("/oidc/"))).toBe(false);
    // Each folder was created once.
    const mkdirs = f.fake.requests.filter((r) => r.path === "/api/2.0/workspace/mkdirs").map((r) => (r.body as any).path);
    expect(new Set(mkdirs).size).toBe(mkdirs.length);
    // One log line per sync with counts and duration; the token in none.
    const done = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync done");
    expect(done.at(-1)).toMatchObject({ repo: "demo", commit: first, uploaded: 4, deleted: 0, skipped: 0, full: true });
    expect(typeof done.at(-1).ms).toBe("number");

    // Untracked files stay on the machine too; so do symlinks, which the workspace cannot hold.
    symlinkSync("README.md", path.join(repo.dir, "link-to-readme"));
    repo.write({ "untracked.txt": "local only", "README.md": "# demo 2\n" });
    await repo.git("add", "link-to-readme", "README.md");
    await repo.git("commit", "-q", "-m", "second");
    await f.synced("demo", await repo.head());
    expect(f.remote("demo/README.md")?.content?.toString()).toBe("# demo 2\n");
    expect((await repo.git("ls-files")).stdout).toContain("link-to-readme");
    expect(f.tree("demo").some((e) => e.startsWith("untracked") || e.startsWith("link-to-readme"))).toBe(false);
    expect(f.gw.logs.lines.some((l) => l.includes(f.token))).toBe(false);
  });

  it("applies modifications, deletions, renames and new nested folders incrementally", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("inc");
    const first = await repo.commit({
      "keep.txt": "same",
      "edit.txt": "v1",
      "gone/deep/x.txt": "bye",
      "docs/old-name.md": "a long enough document body for rename detection\n".repeat(5),
    });
    await f.synced("inc", first);
    const second = await repo.commit({
      "edit.txt": "v2",
      "gone/deep/x.txt": null,
      "docs/old-name.md": null,
      "docs/new-name.md": "a long enough document body for rename detection\n".repeat(5),
      "new/nested/dirs/y.txt": "hi",
    });
    await f.synced("inc", second);
    expect(f.tree("inc")).toEqual([
      "docs/new-name.md:FILE",
      "docs:DIRECTORY",
      "edit.txt:FILE",
      "keep.txt:FILE",
      "new/nested/dirs/y.txt:FILE",
      "new/nested/dirs:DIRECTORY",
      "new/nested:DIRECTORY",
      "new:DIRECTORY",
    ]);
    expect(f.remote("inc/edit.txt")?.content?.toString()).toBe("v2");
    // Incremental: the unchanged file was imported once, by the first sync.
    expect(imports("inc/keep.txt")).toHaveLength(1);
    const done = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync done");
    expect(done.at(-1)).toMatchObject({ full: false, uploaded: 3, deleted: 2 });
    expect(done[0]).toMatchObject({ full: true, uploaded: 4 });
  });

  it("tracks notebooks by their workspace name through changes, renames and deletion", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("nb");
    const header = "# Databricks notebook source\n";
    let head = await repo.commit({ "etl.py": `${header}print(1)\n`, "plain.py": "print(2)\n", "lab.ipynb": '{"cells":[]}' });
    await f.synced("nb", head);
    expect(f.tree("nb")).toEqual(["etl:NOTEBOOK", "lab:NOTEBOOK", "plain.py:FILE"]);

    head = await repo.commit({ "etl.py": `${header}print(3)\n` });
    await f.synced("nb", head);
    expect(f.remote("nb/etl")?.content?.toString()).toContain("print(3)");

    await repo.git("mv", "etl.py", "jobs-etl.py");
    await repo.git("commit", "-q", "-m", "rename");
    head = await repo.head();
    await f.synced("nb", head);
    expect(f.tree("nb")).toEqual(["jobs-etl:NOTEBOOK", "lab:NOTEBOOK", "plain.py:FILE"]);

    // No longer a notebook: it becomes a plain file, and the notebook goes.
    head = await repo.commit({ "jobs-etl.py": "print(4)\n" });
    await f.synced("nb", head);
    expect(f.tree("nb")).toEqual(["jobs-etl.py:FILE", "lab:NOTEBOOK", "plain.py:FILE"]);

    head = await repo.commit({ "jobs-etl.py": `${header}print(5)\n` });
    await f.synced("nb", head);
    expect(f.tree("nb")).toEqual(["jobs-etl:NOTEBOOK", "lab:NOTEBOOK", "plain.py:FILE"]);

    head = await repo.commit({ "jobs-etl.py": null, "lab.ipynb": null });
    await f.synced("nb", head);
    expect(f.tree("nb")).toEqual(["plain.py:FILE"]);
  });

  it("skips a file over the 10 MB import limit and reports it; the rest syncs", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("big");
    const head = await repo.commit({ "huge.bin": Buffer.alloc(10 * 1024 * 1024 + 1, 7), "small.txt": "ok" });
    const status = await f.synced("big", head, 60_000);
    expect(f.tree("big")).toEqual(["small.txt:FILE"]);
    expect(status.skipped).toEqual([{ path: "huge.bin", reason: expect.stringMatching(/10485761 bytes, over .*import limit/) }]);
    expect(imports("big/huge.bin")).toHaveLength(0);
    expect(f.gw.logs.lines.some((l) => l.includes("files left out of the workspace sync") && l.includes("huge.bin"))).toBe(true);
  });

  it("syncs 200 files of one commit with at most 6 requests in flight", async () => {
    // A counting pass-through proxy between the gateway and the fake workspace.
    const fake = await startFakeDatabricks();
    let inFlight = 0;
    let most = 0;
    const target = new URL(fake.url);
    const proxy = http.createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("end", () => inFlight--);
      });
      upstream.on("error", () => (inFlight--, res.destroy()));
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      proxy.closeAllConnections();
      proxy.close();
    }, () => fake.close());
    f = await startSyncFixture({ fake, host: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    const repo = await f.repo("many");
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`d${i % 10}/file-${i}.txt`] = `content ${i}\n`;
    const head = await repo.commit(files);
    await f.synced("many", head, 60_000);
    const tree = f.tree("many").filter((e) => e.endsWith(":FILE"));
    expect(tree).toHaveLength(200);
    expect(f.remote("many/d7/file-157.txt")?.content?.toString()).toBe("content 157\n");
    const mkdirs = f.fake.requests.filter((r) => r.path === "/api/2.0/workspace/mkdirs");
    expect(mkdirs).toHaveLength(10);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(6);
  });

  it("keeps a commit queued while the workspace is down and syncs it when it is back", async () => {
    // A hung call is cut by the per-call deadline (1 s here), a dropped connection and 503s are retried.
    f = await startSyncFixture({ sync: { callTimeoutMs: 1_000 } });
    const repo = await f.repo("outage");
    f.fake.fault({ path: /^\/api\/2\.0\/workspace\// }, { status: 503 }, 2);
    f.fake.fault({ path: /^\/api\/2\.0\/workspace\// }, "hang", 1);
    f.fake.fault({ path: /^\/api\/2\.0\/workspace\// }, "close", 1);
    f.fake.fault({ path: /^\/api\/2\.0\/workspace\// }, { status: 429, headers: { "retry-after": "0" } }, 1);
    const head = await repo.commit({ "a.txt": "survives" });
    const down = await f.untilStatus("outage", (s) => s.lastError !== null, "an error while the workspace is down");
    expect(down).toMatchObject({ pending: 1, lastCommit: null });
    expect(down.lastError).toMatch(/Workspace unavailable/);
    await f.synced("outage", head);
    expect(f.remote("outage/a.txt")?.content?.toString()).toBe("survives");
    expect((await f.status("outage")).lastError).toBeNull();
    const failures = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync failed; will retry");
    expect(failures.length).toBeGreaterThanOrEqual(4);
  });

  it("waits for a token, then syncs the newest of several commits at once when one is pasted", async () => {
    // A long backoff: only the pasted token can make this sync happen within the test.
    f = await startSyncFixture({ token: "none", sync: { retry: { baseMs: 60_000, maxMs: 60_000 } } });
    const repo = await f.repo("later");
    await repo.commit({ "a.txt": "1" });
    await repo.commit({ "a.txt": "2" });
    const head = await repo.commit({ "a.txt": "3", "b.txt": "b" });
    const waiting = await f.untilStatus("later", (s) => s.pending === 3 && s.lastError !== null, "three queued commits");
    expect(waiting.lastError).toMatch(/personal access token/);
    expect(f.fake.requests.some((r) => r.path.startsWith("/api/2.0/workspace/"))).toBe(false);

    await f.paste(f.token);
    await f.synced("later", head, 5_000);
    expect(f.remote("later/a.txt")?.content?.toString()).toBe("3");
    // Coalesced: one sync of the newest commit, a.txt imported once.
    expect(imports("later/a.txt")).toHaveLength(1);
    const done = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync done");
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ commits: 3, commit: head });
  });

  it("coalesces quick commits into fewer syncs of the newest state", async () => {
    f = await startSyncFixture({ sync: { debounceMs: 500 } });
    const repo = await f.repo("burst");
    // Five commits from one shell loop, as an agent committing step by step would make them.
    await repo.git("commit", "-q", "--allow-empty", "-m", "start");
    const script = 'for i in 1 2 3 4 5; do echo "$i" > n.txt && git add n.txt && git commit -q -m "step $i"; done';
    await new Promise<void>((resolve, reject) =>
      execFile("/bin/bash", ["-c", script], { cwd: repo.dir, env: gitEnv(f.gw.home) }, (error) => (error ? reject(error) : resolve())),
    );
    const head = await repo.head();
    await f.synced("burst", head);
    expect(f.remote("burst/n.txt")?.content?.toString()).toBe("5\n");
    const done = f.gw.logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "workspace sync done");
    expect(done.length).toBeLessThan(6);
    expect(done.reduce((n, l) => n + l.commits, 0)).toBe(6);
  });

  it("in app mode writes to the owner's folder as the workspace spells the user name", async () => {
    // The gateway lower-cases APP_OWNER; the workspace's folder is /Users/<userName> exactly as SCIM has it.
    f = await startSyncFixture({ appOwner: "first.last@example.com", user: "First.Last@Example.com" });
    const repo = await f.repo("app-mode");
    const head = await repo.commit({ "a.txt": "in the owner's folder" });
    await f.synced("app-mode", head);
    expect(f.fake.workspace.get("/Users/First.Last@Example.com/projects/app-mode/a.txt")?.content?.toString()).toBe("in the owner's folder");
    expect((await f.gw.api("GET", "/api/sync", undefined, {})).status).toBe(200);
    expect((await fetch(`${f.gw.url}/api/sync`)).status).toBe(401);
  });

  it("reports a refused token and resumes as soon as a new one arrives", async () => {
    f = await startSyncFixture({ sync: { retry: { baseMs: 60_000, maxMs: 60_000 } } });
    const repo = await f.repo("refused");
    f.fake.tokens.find((t) => t.value === f.token)!.revoked = true;
    const head = await repo.commit({ "a.txt": "1" });
    const refused = await f.untilStatus("refused", (s) => s.lastError !== null, "a refused token");
    expect(refused.lastError).toMatch(/refused the token \(40[13]\)/);
    expect(refused.lastError).not.toContain(f.token);
    await f.paste(f.fake.issueToken(OWNER));
    await f.synced("refused", head, 5_000);
  });
});
