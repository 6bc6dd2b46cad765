import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIRROR_COMMIT_MESSAGE } from "../../src/backup/restore-mirror.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { BACKUP_OWNER, restoreState, startBackupGateway, syncEntry, tempDir } from "../helpers/backup-fixture.js";
import type { TestGateway } from "../helpers/gateway.js";
import { TestRepo } from "../helpers/git-repo.js";
import { until } from "../helpers/until.js";

/** Runs node with `args` and resolves with its exit code and output. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8", ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as any).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const ROOT = `/Users/${BACKUP_OWNER}/.agent-terminal-gateway/backup`;

// What a restore does besides the plain case: a local repository in the way, a workspace with only the file
// mirror, hostile stored data.
describe("restore: conflicts, mirror-only workspaces, hostile data", () => {
  let fake: FakeDatabricks | undefined;
  const gateways: TestGateway[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.dispose().catch(() => undefined);
    await fake?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const temp = (prefix: string) => {
    const dir = tempDir(prefix);
    dirs.push(dir);
    return dir;
  };
  const machine = async (projects = temp("bk-projects-"), home = temp("bk-home-")) => {
    const gw = await startBackupGateway({ fake: fake!, home, projectsDir: projects, token: fake!.issueToken(BACKUP_OWNER) });
    gateways.push(gw);
    return { gw, home, projects };
  };

  it("never overwrites a local repository: a conflict, with the stored history in a copy to fetch from", async () => {
    fake = await startFakeDatabricks();
    const a = await machine();
    const stored = await TestRepo.init(a.home, path.join(a.projects, "same"));
    const storedHead = await stored.commit({ "s.txt": "stored\n" }, "stored");
    await syncEntry(a.gw, "same", (e) => e.backup?.links === 1, "saved");
    await a.gw.dispose();
    gateways.splice(0);

    // Another machine that already has a repository of that name when its gateway starts.
    const projects = temp("bk-projects-");
    const home = temp("bk-home-");
    const local = await TestRepo.init(home, path.join(projects, "same"));
    const localHead = await local.commit({ "l.txt": "local\n" }, "local");
    const c = await machine(projects, home);
    const restore = await restoreState(c.gw, "done");
    expect(restore.repos.same).toMatchObject({ state: "conflict", storedCopy: expect.stringContaining("stored") });
    expect(await local.head()).toBe(localHead);
    expect(readdirSync(local.dir).sort()).toEqual([".git", "l.txt"]);
    // By hand, without the gateway: the documented command restores the stored history anywhere.
    const byHand = path.join(temp("bk-hand-"), "same");
    const cli = await runCli(["--import", "tsx", "src/backup/restore-cli.ts", "same", byHand], { DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: fake.issueToken(BACKUP_OWNER), HOME: home });
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringContaining("restored") });
    expect(readFileSync(path.join(byHand, "s.txt"), "utf8")).toBe("stored\n");
    // The documented command brings the stored branches in beside the local ones.
    await local.git("fetch", "-q", restore.repos.same.storedCopy, "refs/heads/*:refs/remotes/stored/*");
    expect((await local.git("rev-parse", "refs/remotes/stored/main")).stdout.trim()).toBe(storedHead);
    // Until then the stored backup was kept; now the local repository, which holds it, is saved.
    const manifestOf = () => JSON.parse(fake!.workspace.get(`${ROOT}/repos/same/manifest.json`)!.content!.toString("utf8"));
    expect(manifestOf().refs).toEqual([{ name: "refs/heads/main", sha: storedHead }]);
    await c.gw.dispose();
    gateways.splice(0);
    expect(manifestOf().refs.map((r: any) => r.name).sort()).toEqual(["refs/heads/main", "refs/remotes/stored/main"]);
  });

  it("consolidates a long chain into one full bundle and deletes the old parts", async () => {
    fake = await startFakeDatabricks();
    const projects = temp("bk-projects-");
    const home = temp("bk-home-");
    const token = fake.issueToken(BACKUP_OWNER);
    const backup = { intervalMs: 60_000, debounceMs: 50, retry: { baseMs: 100, maxMs: 500 }, callTimeoutMs: 5_000, maxLinks: 3 };
    const gw = await startBackupGateway({ fake, home, projectsDir: projects, token, overrides: { callTimeoutMs: 5_000, backup } });
    gateways.push(gw);
    const repo = await TestRepo.init(home, path.join(projects, "long"));
    const parts = () => [...fake!.workspace.keys()].filter((k) => k.startsWith(`${ROOT}/repos/long/`) && k.endsWith(".part"));
    for (let i = 1; i <= 3; i++) {
      await repo.commit({ [`f${i}.txt`]: `${i}\n` }, `c${i}`);
      await syncEntry(gw, "long", (e) => e.backup?.links === i, `link ${i}`);
    }
    expect(parts()).toHaveLength(3);
    await repo.commit({ "f4.txt": "4\n" }, "c4");
    await syncEntry(gw, "long", (e) => e.backup?.links === 1 && e.backup.savedAt, "the consolidated chain");
    await until(() => parts().length === 1, "the old parts deleted");
    const before = (await repo.git("log", "--format=%H %s")).stdout;
    await gw.dispose();
    gateways.splice(0);
    rmSync(repo.dir, { recursive: true, force: true });
    const b = await machine(projects);
    await restoreState(b.gw, "done");
    expect((await TestRepo.open(b.home, path.join(projects, "long")).git("log", "--format=%H %s")).stdout).toBe(before);
  });

  it("restores a repository the workspace knows only as the file mirror, as one commit that says so", async () => {
    fake = await startFakeDatabricks();
    const put = (rel: string, type: "FILE" | "NOTEBOOK" | "DIRECTORY", content?: string, language?: string) =>
      fake!.workspace.set(`/Users/${BACKUP_OWNER}/projects/${rel}`, { type, content: content === undefined ? undefined : Buffer.from(content), language });
    fake.issueToken(BACKUP_OWNER);
    put("", "DIRECTORY");
    put("old", "DIRECTORY");
    put("old/README.md", "FILE", "# old\n");
    put("old/src", "DIRECTORY");
    put("old/src/main.ts", "FILE", "export {};\n");
    put("old/notebook", "NOTEBOOK", "# Databricks notebook source\nprint(1)\n", "PYTHON");
    fake.workspace.set(`/Users/${BACKUP_OWNER}`, { type: "DIRECTORY" });
    fake.workspace.set(`/Users/${BACKUP_OWNER}/projects`, { type: "DIRECTORY" });
    const b = await machine();
    const restore = await restoreState(b.gw, "done");
    expect(restore.repos.old).toMatchObject({ state: "restored", source: "mirror" });
    const repo = TestRepo.open(b.home, path.join(b.projects, "old"));
    expect((await repo.git("log", "--format=%B")).stdout.trim()).toBe(MIRROR_COMMIT_MESSAGE);
    expect((await repo.git("ls-files")).stdout.split("\n").filter(Boolean).sort()).toEqual(["README.md", "notebook.py", "src/main.ts"]);
    expect((await repo.git("status", "--porcelain")).stdout).toBe("");
  });

  it("hostile stored data writes nothing outside PROJECTS_DIR or HOME, nor anything the list does not name", async () => {
    fake = await startFakeDatabricks();
    const a = await machine();
    const repo = await TestRepo.init(a.home, path.join(a.projects, "fine"));
    await repo.commit({ "f.txt": "f\n" }, "f");
    await syncEntry(a.gw, "fine", (e) => e.backup?.links === 1, "saved");
    await a.gw.dispose();
    gateways.splice(0);
    // A manifest naming a path that climbs out, one naming another repository's folder, a home file not on the list.
    const manifest = JSON.parse(fake.workspace.get(`${ROOT}/repos/fine/manifest.json`)!.content!.toString("utf8"));
    const evil = { ...manifest, name: "../../evil" };
    fake.workspace.set(`${ROOT}/repos/evil`, { type: "DIRECTORY" });
    fake.workspace.set(`${ROOT}/repos/evil/manifest.json`, { type: "FILE", content: Buffer.from(JSON.stringify(evil)) });
    fake.workspace.set(`${ROOT}/repos/other`, { type: "DIRECTORY" });
    fake.workspace.set(`${ROOT}/repos/other/manifest.json`, { type: "FILE", content: Buffer.from(JSON.stringify(manifest)) });
    fake.workspace.set(`${ROOT}/repos/badref`, { type: "DIRECTORY" });
    const badRef = { ...manifest, name: "badref", refs: [{ name: "refs/heads/../../../x", sha: manifest.refs[0].sha }] };
    fake.workspace.set(`${ROOT}/repos/badref/manifest.json`, { type: "FILE", content: Buffer.from(JSON.stringify(badRef)) });
    rmSync(repo.dir, { recursive: true, force: true });

    const projects = path.join(a.projects);
    const b = await machine(projects);
    const restore = await restoreState(b.gw, "done");
    expect(restore.repos.fine.state).toBe("restored");
    expect(restore.repos.evil).toMatchObject({ state: "failed", message: expect.stringMatching(/invalid/) });
    expect(restore.repos.other).toMatchObject({ state: "failed", message: expect.stringMatching(/another repository/) });
    expect(restore.repos.badref).toMatchObject({ state: "failed", message: expect.stringMatching(/invalid/) });
    expect(readdirSync(projects).sort()).toEqual(["fine"]);
    expect(existsSync(path.join(path.dirname(path.dirname(projects)), "evil"))).toBe(false);
    expect(readFileSync(path.join(projects, "fine", "f.txt"), "utf8")).toBe("f\n");
  });
});
