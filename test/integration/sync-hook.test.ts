import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../src/paths.js";
import { installHooks } from "../../src/sync/install-hooks.js";
import { startNotifyListener } from "../../src/sync/notify.js";
import { gitEnv, runGit, TestRepo } from "../helpers/git-repo.js";
import { until } from "../helpers/until.js";

// The real hooks/ of the package, installed the way the gateway installs them, in real repositories.
const hooksDir = path.join(packageRoot(), "hooks");
const quiet = pino({ level: "silent" });

describe("git hooks", () => {
  let home: string;
  let stateDir: string;
  let spoolDir: string;

  beforeEach(async () => {
    home = mkdtempSync(path.join(tmpdir(), "sync-hook-"));
    stateDir = path.join(home, "state");
    spoolDir = path.join(stateDir, "sync", "spool");
    mkdirSync(spoolDir, { recursive: true });
    const ok = await installHooks({ env: gitEnv(home), hooksDir, stateDir, home, logger: quiet });
    expect(ok).toBe(true);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const spooled = () =>
    readdirSync(spoolDir)
      .filter((n) => !n.startsWith("."))
      .sort()
      .map((n) => JSON.parse(readFileSync(path.join(spoolDir, n), "utf8")));

  it("installs core.hooksPath and the spool location in the user's global config only", async () => {
    const config = readFileSync(path.join(home, ".gitconfig"), "utf8");
    expect(config).toContain(`hooksPath = ${hooksDir}`);
    expect(config).toContain(`stateDir = ${stateDir}`);
  });

  it("spools every commit with its repository and id while the gateway is down, and the commit succeeds", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "with space", 'q"uote'));
    const first = await repo.commit({ "a.txt": "one" });
    const second = await repo.commit({ "a.txt": "two" });
    expect(spooled()).toEqual([
      { v: 1, repo: repo.dir, commit: first },
      { v: 1, repo: repo.dir, commit: second },
    ]);
  });

  it("spools merges and amends too", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "m"));
    await repo.commit({ "a.txt": "base" });
    await repo.git("checkout", "-q", "-b", "side");
    await repo.commit({ "b.txt": "side" });
    await repo.git("checkout", "-q", "main");
    await repo.commit({ "c.txt": "main" });
    await repo.git("merge", "-q", "--no-edit", "side");
    const merged = await repo.head();
    await repo.git("commit", "-q", "--amend", "-m", "amended");
    const amended = await repo.head();
    const commits = spooled().map((e) => e.commit);
    expect(commits).toContain(merged);
    expect(commits.at(-1)).toBe(amended);
  });

  it("chains the repository's own hooks: pre-commit can still refuse, commit-msg and post-commit still run", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "own-hooks"));
    const own = path.join(repo.dir, ".git", "hooks");
    const script = (name: string, body: string) => {
      writeFileSync(path.join(own, name), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(own, name), 0o755);
    };
    script("post-commit", `echo post-commit ran >> "${path.join(home, "marks")}"`);
    script("commit-msg", `echo "commit-msg $(cat "$1")" >> "${path.join(home, "marks")}"`);
    script("pre-commit", `test ! -e "${path.join(repo.dir, "forbidden")}" || { echo refused by pre-commit >&2; exit 1; }`);
    await repo.commit({ "a.txt": "ok" }, "hello");
    expect(readFileSync(path.join(home, "marks"), "utf8")).toBe("commit-msg hello\npost-commit ran\n");
    const error = await repo.commit({ forbidden: "x" }, "nope").catch((e: Error) => e);
    expect(String(error)).toContain("refused by pre-commit");
    expect(spooled()).toHaveLength(1);
  });

  it("passes post-rewrite's stdin to the repository's own hook", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "rewrite"));
    const hook = path.join(repo.dir, ".git", "hooks", "post-rewrite");
    writeFileSync(hook, `#!/bin/sh\ncat > "${path.join(home, "rewritten")}"\n`);
    chmodSync(hook, 0o755);
    const before = await repo.commit({ "a.txt": "1" });
    await repo.git("commit", "-q", "--amend", "-m", "again");
    const after = await repo.head();
    expect(readFileSync(path.join(home, "rewritten"), "utf8")).toBe(`${before} ${after}\n`);
  });

  it("works in a linked worktree, chaining the main repository's hooks", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "main-repo"));
    await repo.commit({ "a.txt": "1" });
    const hook = path.join(repo.dir, ".git", "hooks", "post-commit");
    writeFileSync(hook, `#!/bin/sh\necho "$PWD" >> "${path.join(home, "wt-marks")}"\n`);
    chmodSync(hook, 0o755);
    const wtDir = path.join(home, "projects", "linked");
    await repo.git("worktree", "add", "-q", "-b", "feature", wtDir);
    await runGit(home, wtDir, ["commit", "-q", "--allow-empty", "-m", "in worktree"]);
    const head = (await runGit(home, wtDir, ["rev-parse", "HEAD"])).stdout.trim();
    expect(spooled().at(-1)).toEqual({ v: 1, repo: wtDir, commit: head });
    expect(readFileSync(path.join(home, "wt-marks"), "utf8")).toBe(`${wtDir}\n`);
  });

  it("never fails the commit: no spool folder, no state directory, a dead or a stuck gateway", async () => {
    const repo = await TestRepo.init(home, path.join(home, "projects", "robust"));
    // A gateway that accepts the connection but never reads: the wake-up runs detached, the commit returns.
    const stuck = net.createServer(() => {});
    await new Promise<void>((resolve) => stuck.listen(0, "127.0.0.1", resolve));
    const port = (stuck.address() as net.AddressInfo).port;
    writeFileSync(path.join(stateDir, "sync", "notify"), `${port} secret\n`, { mode: 0o600 });
    const stuckCommit = await repo.commit({ "a.txt": "1" });
    expect(spooled().at(-1)?.commit).toBe(stuckCommit);
    stuck.close();
    // Nobody listening on that port any more.
    const deadCommit = await repo.commit({ "a.txt": "2" });
    expect(spooled().at(-1)?.commit).toBe(deadCommit);
    // Garbage in the notify file.
    writeFileSync(path.join(stateDir, "sync", "notify"), "not a port\n");
    await repo.commit({ "a.txt": "3" });
    // No spool folder, then no state directory at all.
    rmSync(spoolDir, { recursive: true });
    const noSpool = await repo.git("commit", "-q", "--allow-empty", "-m", "no spool");
    rmSync(stateDir, { recursive: true });
    const noState = await repo.git("commit", "-q", "--allow-empty", "-m", "no state");
    expect(noSpool.stderr + noState.stderr).toBe("");
    expect(existsSync(stateDir)).toBe(false);
  });

  it("wakes the gateway over loopback with the per-start secret", async () => {
    let woke = 0;
    const listener = await startNotifyListener({ stateDir, logger: quiet, onWake: () => void woke++ });
    try {
      const repo = await TestRepo.init(home, path.join(home, "projects", "wake"));
      await repo.commit({ "a.txt": "1" });
      await until(() => woke === 1);
      // A wrong secret is ignored.
      const socket = net.connect(listener.port, "127.0.0.1");
      socket.end("wrong\n");
      await new Promise((resolve) => socket.on("close", resolve));
      expect(woke).toBe(1);
      expect(readFileSync(path.join(stateDir, "sync", "notify"), "utf8")).toMatch(new RegExp(`^${listener.port} [0-9a-f]{48}\n$`));
    } finally {
      await listener.close();
    }
    expect(existsSync(path.join(stateDir, "sync", "notify"))).toBe(false);
  });

  it("costs the commit little: the post-commit hook's median run time", async () => {
    const listener = await startNotifyListener({ stateDir, logger: quiet, onWake: () => {} });
    try {
      const repo = await TestRepo.init(home, path.join(home, "projects", "timed"));
      await repo.commit({ "a.txt": "1" });
      // Wall time is what the commit waits; CPU time (bash's `times`: the hook and the processes it waited for)
      // is the hook's own cost, unaffected by how busy the shared machine is. Up to three rounds of 9 runs: a
      // round disturbed by other work on the machine says nothing about the hook.
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      let best = { wall: Infinity, cpu: Infinity };
      let runs = 0;
      for (let round = 0; round < 3 && best.wall >= 100; round++) {
        const wall: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < 9; i++, runs++) {
          const started = performance.now();
          const out = await new Promise<string>((resolve, reject) =>
            execFile("/bin/bash", ["-c", `"$0"; times`, path.join(hooksDir, "post-commit")], { cwd: repo.dir, env: gitEnv(home) }, (error, stdout) =>
              error ? reject(error) : resolve(stdout),
            ),
          );
          wall.push(performance.now() - started);
          const children = out.trim().split("\n").at(-1)!.match(/\d+m[\d.]+s/g)!;
          cpu.push(children.reduce((sum, t) => sum + Number(/(\d+)m/.exec(t)![1]) * 60_000 + Number(/m([\d.]+)s/.exec(t)![1]) * 1000, 0));
        }
        console.log(
          `post-commit hook, round ${round + 1}: wall median ${median(wall).toFixed(1)} ms ` +
            `(min ${Math.min(...wall).toFixed(1)}, max ${Math.max(...wall).toFixed(1)}), CPU median ${median(cpu).toFixed(1)} ms over ${wall.length} runs`,
        );
        if (median(wall) < best.wall) best = { wall: median(wall), cpu: median(cpu) };
      }
      // The 100 ms bounds the hook's own work (CPU). Wall time on this shared 2-core machine mostly
      // measures waiting for a core (seen: 15-90 ms idle-ish, 150+ ms beside other test files), so it gets a
      // bound that only a hook waiting on something (the network, a lock) would break.
      expect(best.cpu).toBeLessThan(100);
      expect(best.wall).toBeLessThan(1000);
      expect(spooled()).toHaveLength(runs + 1);
    } finally {
      await listener.close();
    }
  });
});

