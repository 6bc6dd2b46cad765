import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { BACKUP_OWNER, repoPicture, restoreState, startBackupGateway, storedText, tempDir } from "../helpers/backup-fixture.js";
import type { TestGateway } from "../helpers/gateway.js";
import { TestRepo } from "../helpers/git-repo.js";
import { until } from "../helpers/until.js";
import { agentHomes } from "../../src/agents/homes.js";

// Two machines one after the other (a redeploy): gateway A with HOME1 works, is shut down as SIGTERM does;
// gateway B with an empty HOME2, the same PROJECTS_DIR path (emptied) and the same fake workspace restores.
describe("restore after a redeploy", () => {
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

  it("brings back branches, tags, HEAD, stash, staged/unstaged/untracked work, a Claude transcript and shell history", async () => {
    fake = await startFakeDatabricks();
    const token = fake.issueToken(BACKUP_OWNER);
    const projects = temp("bk-projects-");
    const home1 = temp("bk-home1-");
    const a = await startBackupGateway({ fake, home: home1, projectsDir: projects, token });
    gateways.push(a);

    const repo = await TestRepo.init(home1, path.join(projects, "demo"));
    await repo.commit({ "a.txt": "one\n", "b.txt": "bee\n", ".gitignore": "*.log\n", "bin/data.bin": Buffer.from([0, 1, 2, 255]) }, "first");
    await repo.git("tag", "-a", "v1", "-m", "release one");
    await repo.git("checkout", "-q", "-b", "feature");
    await repo.commit({ "feature.txt": "feature work\n" }, "feature");
    await repo.git("checkout", "-q", "-b", "gone");
    await repo.commit({ "gone.txt": "to be deleted\n" }, "gone");
    await repo.git("checkout", "-q", "feature");
    await repo.git("tag", "light");
    // Two stash entries with their messages.
    repo.write({ "a.txt": "stashed one\n" });
    await repo.git("stash", "push", "-q", "-m", "first idea");
    repo.write({ "b.txt": "stashed bee\n" });
    await repo.git("stash", "push", "-q", "-m", "second idea");
    // A first save happens after the commits (the hook's wake-up); the branch deleted after it must not come back.
    await until(async () => (await a.api("GET", "/api/sync")).body.find((r: any) => r.name === "demo")?.backup?.savedAt != null, "a first backup", 30_000);
    await repo.git("branch", "-D", "gone");

    // Work in progress only the shutdown save sees: staged, unstaged, untracked, a staged new file, a deletion.
    repo.write({ "a.txt": "staged change\n", "staged-new.txt": "new and staged\n" });
    await repo.git("add", "a.txt", "staged-new.txt");
    repo.write({ "a.txt": "staged change\nthen unstaged on top\n", "b.txt": null, "untracked/u.txt": "untracked\n", "debug.log": "ignored\n" });
    // A Claude Code transcript of a gateway tab (in the gateway's own Claude config dir under HOME1) and shell history.
    const projectKey = path.join(projects, "demo").replace(/[/.]/g, "-");
    const claudeDir = (gw: TestGateway) => agentHomes(gw.gateway.config).claude;
    const transcriptRel = path.join(path.relative(home1, claudeDir(a).configDir), "projects", projectKey, "3f1c8a52-5f1e-4c7e-9a0e-0d2d9b6a1c11.jsonl");
    const transcript = transcriptLines(path.join(projects, "demo"));
    mkdirSync(path.dirname(path.join(home1, transcriptRel)), { recursive: true });
    writeFileSync(path.join(home1, transcriptRel), transcript);
    const shell = await a.connect(await a.createSession({ agent: "shell", cwd: path.join(projects, "demo") }));
    shell.input("echo history-marker-4711\n");
    await shell.until(() => shell.text.includes("history-marker-4711\r\n"), "the echo", 20_000);
    const before = await repoPicture(home1, repo.dir);
    expect(before.status!.split("\n").sort()).toEqual(["", " D b.txt", "?? untracked/u.txt", "A  staged-new.txt", "MM a.txt"]);

    // SIGTERM's path: gateway.close() (main.ts calls it on SIGTERM).
    await a.dispose();
    gateways.splice(0);
    expect(readFileSync(path.join(home1, ".bash_history"), "utf8")).toContain("echo history-marker-4711");
    const status = JSON.parse(readFileSync(path.join(home1, ".local/state/agent-terminal-gateway/backup/state.json"), "utf8"));
    expect(status.repos.demo.wip).not.toBeNull();

    // The redeploy: an empty HOME, the projects folder emptied.
    rmSync(path.join(projects, "demo"), { recursive: true, force: true });
    const home2 = temp("bk-home2-");
    const b = await startBackupGateway({ fake, home: home2, projectsDir: projects, token });
    gateways.push(b);
    const restore = await restoreState(b, "done");
    expect(restore.repos.demo).toMatchObject({ state: "restored", source: "history" });
    expect(restore.home.state).toBe("restored");

    const after = await repoPicture(home2, path.join(projects, "demo"));
    expect(after).toEqual(before);
    expect(after.refs).not.toContain("refs/heads/gone");
    expect(readFileSync(path.join(projects, "demo", "untracked/u.txt"), "utf8")).toBe("untracked\n");
    expect(existsSync(path.join(projects, "demo", "debug.log"))).toBe(false);
    expect(readFileSync(path.join(home2, transcriptRel))).toEqual(Buffer.from(transcript));
    expect(readFileSync(path.join(home2, ".bash_history"), "utf8")).toContain("echo history-marker-4711");
    // Never a token: not the PAT file, nor anything holding the PAT, in any uploaded byte.
    const stored = await storedText(fake, temp("bk-scan-"));
    expect(stored).toContain("zebra-crossing"); // the scan reads inside the bundles
    for (const t of fake.tokens) expect(stored.includes(t.value)).toBe(false);
    expect(stored).not.toMatch(/dapi[0-9a-f]{32}/);
    // The real Claude Code finds the restored conversation: its resume picker lists it. A Claude tab first, so
    // the gateway writes its Claude files and marks the folder trusted, then `claude --resume` on those files.
    const demo = path.join(projects, "demo");
    const claudeTab = await b.createSession({ agent: "claude", cwd: demo });
    const { configDir, settingsFile } = claudeDir(b);
    await until(() => existsSync(path.join(configDir, ".claude.json")) && readFileSync(path.join(configDir, ".claude.json"), "utf8").includes(JSON.stringify(demo)), "the folder trusted", 30_000);
    await b.api("DELETE", `/api/sessions/${claudeTab}`);
    const tab = await b.connect(await b.createSession({ agent: "shell", cwd: demo, cols: 160, rows: 40 }));
    tab.input(`CLAUDE_CONFIG_DIR='${configDir}' claude --settings '${settingsFile}' --resume\r`);
    await tab.until(() => tab.text.includes("zebra-crossing"), "the restored conversation in claude --resume", 90_000);
    // GET /api/sync reports the restore per repository.
    const sync = (await b.api("GET", "/api/sync")).body.find((r: any) => r.name === "demo");
    expect(sync.restore).toMatchObject({ state: "restored" });
  }, 180_000);
});

/** A Claude Code transcript: one user prompt and one assistant answer, as Claude Code 2 writes them. */
function transcriptLines(cwd: string): string {
  const sessionId = "3f1c8a52-5f1e-4c7e-9a0e-0d2d9b6a1c11";
  const base = { isSidechain: false, userType: "external", cwd, sessionId, version: "2.0.0", gitBranch: "feature" };
  const user = { ...base, parentUuid: null, type: "user", message: { role: "user", content: "Explain the restore marker zebra-crossing" }, uuid: "a5b5c6d7-0000-4000-8000-000000000001", timestamp: "2026-12-01T08:00:00.000Z" };
  const assistant = {
    ...base,
    parentUuid: user.uuid,
    type: "assistant",
    message: { id: "msg_01", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "It marks a restored conversation." }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 8 } },
    uuid: "a5b5c6d7-0000-4000-8000-000000000002",
    timestamp: "2026-12-01T08:00:01.000Z",
  };
  return [user, assistant].map((l) => JSON.stringify(l)).join("\n") + "\n";
}
