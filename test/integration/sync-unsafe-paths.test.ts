import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { isSafeRepoPath } from "../../src/sync/safe-path.js";
import { startSyncFixture, type SyncFixture } from "../helpers/sync-fixture.js";

describe("the sync refuses empty, . and .. path components (issue 14)", () => {
  let f: SyncFixture | undefined;
  afterEach(async () => {
    await f?.dispose();
    f = undefined;
  });

  it("a commit whose tree holds an entry named '..' syncs its other files and nothing outside the repository's folder", async () => {
    f = await startSyncFixture();
    const repo = await f.repo("crafted");
    const first = await repo.commit({ "a.txt": "first" });
    await f.synced("crafted", first);
    // git refuses such a tree in the index, but mktree and commit-tree make one (as a hostile repository can carry).
    const git = (args: string[], input?: string) =>
      execFileSync("git", args, { cwd: repo.dir, input, env: { ...process.env, HOME: f!.gw.home, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).toString().trim();
    const blob = git(["hash-object", "-w", "--stdin"], "escaped\n");
    const inner = git(["mktree", "-z"], `100644 blob ${blob}\tescape.txt\0`);
    const dotted = git(["mktree", "-z"], `100644 blob ${blob}\tdot.txt\0`);
    const aBlob = git(["rev-parse", `${first}:a.txt`]);
    const entries = [`040000 tree ${inner}\t..`, `040000 tree ${dotted}\t.`, `100644 blob ${aBlob}\ta.txt`, `100644 blob ${blob}\tb.txt`];
    const tree = git(["mktree", "-z"], entries.map((e) => e + "\0").join(""));
    expect(git(["ls-tree", "-r", "--name-only", tree]).split("\n")).toEqual(expect.arrayContaining(["../escape.txt", "b.txt"]));
    const crafted = git(["commit-tree", tree, "-p", first, "-m", "crafted"]);
    git(["update-ref", "refs/heads/main", crafted]);
    // The post-commit hook, as `git commit` would have run it.
    git(["hook", "run", "post-commit"]);
    const status = await f.synced("crafted", crafted);
    expect(f.remote("crafted/b.txt")?.content?.toString()).toBe("escaped\n");
    expect(status.skipped.map((s: { path: string }) => s.path)).toEqual(expect.arrayContaining(["../escape.txt"]));
    const imports = f.fake.requests.filter((r) => r.path === "/api/2.0/workspace/import" || r.path === "/api/2.0/workspace/mkdirs");
    for (const request of imports) {
      const target = String((request.body as { path?: string })?.path ?? "");
      expect(target, target).toMatch(/^\/Users\/owner@example\.com\/projects\/crafted(\/|$)/);
      expect(target.split("/"), target).not.toContain("..");
      expect(target.split("/"), target).not.toContain(".");
    }
    expect(f.tree("crafted").some((entry) => entry.includes("escape"))).toBe(false);
  });

  it("isSafeRepoPath", () => {
    for (const ok of ["a", "a/b.txt", "..a", "a..", ".env", "a/.b/c"]) expect(isSafeRepoPath(ok), ok).toBe(true);
    for (const bad of ["", ".", "..", "../x", "a/../b", "a/./b", "a//b", "/abs", "a/", "a\\..\\b", "x\0y"]) expect(isSafeRepoPath(bad), bad).toBe(false);
  });
});
