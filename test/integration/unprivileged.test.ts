import { execFile, spawn, type ChildProcess } from "node:child_process";
import { accessSync, chmodSync, chownSync, constants, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHILD_OOM_SCORE_ADJ } from "../../src/memory.js";
import { packageRoot } from "../../src/paths.js";
import { startFakeDatabricks, type FakeDatabricks } from "../fakes/databricks.js";
import { codeServerBin } from "../helpers/code-server.js";
import { TerminalClient } from "../helpers/gateway.js";
import { KEY_ENV, registerGateway } from "../helpers/local-key.js";
import { until } from "../helpers/until.js";

const run = promisify(execFile);
const root = packageRoot();
const OWNER = "owner@example.com";
// A Databricks App runs as an unprivileged user: this needs root only to create that user (as CI runs).
const isRoot = process.getuid?.() === 0;

/** Live processes (not zombies) owned by uid. */
function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (/^State:\s+Z/m.test(status)) continue;
      if (new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * The built package as `npm start` runs it, in a folder of its own: dist/ compiled here (the repository's dist/
 * may be mid-build by another test), the rest linked from the repository.
 */
async function buildPackage(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  await run(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json"), "--outDir", path.join(dir, "dist"), "--tsBuildInfoFile", path.join(dir, "tsbuildinfo")], { cwd: root });
  copyFileSync(path.join(root, "package.json"), path.join(dir, "package.json"));
  for (const name of ["node_modules", "public", "hooks", "scripts"]) symlinkSync(path.join(root, name), path.join(dir, name));
}

/**
 * code-server where the user can run it: the cache lives under root's private HOME, so its files are
 * hard-linked (copied across file systems) into a readable folder with a wrapper of its own.
 */
async function reachableCodeServer(dir: string): Promise<string> {
  const installed = path.dirname(path.dirname(codeServerBin()));
  const wrapper = readFileSync(path.join(installed, "bin/code-server"), "utf8");
  const [, node, entry] = /exec "([^"]+)" "([^"]+)"/.exec(wrapper) ?? [];
  if (!node || !entry) throw new Error(`unexpected code-server wrapper: ${wrapper}`);
  await run("cp", ["-al", installed, dir]).catch(() => run("cp", ["-a", installed, dir]));
  const bin = path.join(dir, "bin/code-server");
  rmSync(bin);
  writeFileSync(bin, `#!/bin/sh\nexec "${node.replace(installed, dir)}" "${entry.replace(installed, dir)}" "$@"\n`, { mode: 0o755 });
  return bin;
}

describe.skipIf(!isRoot)("as an unprivileged user (the built gateway, HOME elsewhere)", () => {
  const user = `gw${process.pid}`;
  const work = mkdtempSync(path.join(tmpdir(), "gw-unpriv-"));
  const home = path.join(work, "home");
  let uid = 0;
  let gid = 0;
  let fake: FakeDatabricks;
  let child: ChildProcess | undefined;
  let output = "";

  beforeAll(async () => {
    // The user must reach the package (and so the repository) like any file it reads: say so rather than fail later.
    for (let dir = root; dir !== "/"; dir = path.dirname(dir)) accessSync(dir, constants.R_OK | constants.X_OK);
    await run("useradd", ["--no-create-home", "--home-dir", home, "--shell", "/bin/bash", "--user-group", user]);
    uid = Number((await run("id", ["-u", user])).stdout.trim());
    gid = Number((await run("id", ["-g", user])).stdout.trim());
    expect(uid).toBeGreaterThan(0);
    chmodSync(work, 0o755); // mkdtemp's 0700 would lock the user out of the package and code-server below
    mkdirSync(home);
    chownSync(home, uid, gid);
    await buildPackage(path.join(work, "pkg"));
    const ide = await reachableCodeServer(path.join(work, "code-server"));
    // This Node may also live under root's HOME (CI's Node 22): the user gets a link to it in a folder it can read.
    const node = path.join(work, "bin/node");
    mkdirSync(path.dirname(node));
    await run("cp", ["-l", realpathSync(process.execPath), node]).catch(() => run("cp", [process.execPath, node]));
    fake = await startFakeDatabricks();
    child = spawn(node, [path.join(work, "pkg/dist/src/main.js")], {
      cwd: home,
      uid,
      gid,
      env: {
        PATH: `${path.dirname(node)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        HOME: home,
        SHELL: "/bin/bash",
        LANG: "C.UTF-8",
        PORT: "0",
        DATABRICKS_HOST: fake.url,
        DATABRICKS_TOKEN: fake.issueToken(OWNER),
        CODE_SERVER_BIN: ide,
        ...KEY_ENV,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
  }, 240_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    for (const pid of uid ? processesOf(uid) : []) process.kill(pid, "SIGKILL");
    await fake?.close();
    await run("userdel", [user]).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it("starts, echoes in a shell, syncs a commit, opens the IDE and leaves nothing behind on SIGTERM", { timeout: 180_000 }, async () => {
    const urlIn = () => /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
    await until(() => urlIn() !== undefined, () => `the gateway listening; output: ${output}`, 30_000);
    const url = urlIn()!;
    await registerGateway(url); // the helpers' fetch and ws then send the local key
    const created = await fetch(`${url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"agent":"shell"}' });
    expect(created.status).toBe(201);
    const { id, pid } = (await created.json()) as { id: string; pid: number };
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, "m"));
    // Raised without privilege, so the kernel picks the shell (and any agent) before the gateway.
    expect(readFileSync(`/proc/${pid}/oom_score_adj`, "utf8").trim()).toBe(String(CHILD_OOM_SCORE_ADJ));
    expect(readFileSync(`/proc/${child!.pid}/oom_score_adj`, "utf8").trim()).toBe("0");
    const term = await TerminalClient.open(`${url.replace(/^http/, "ws")}/api/sessions/${id}/ws`);

    term.input("echo unpriv-$((6*7)) $(id -u) $HOME\r");
    await term.waitFor(`unpriv-42 ${uid} ${home}`, 15_000);

    // A commit made in the terminal, as the user makes one: the gateway's hook syncs it to the workspace.
    term.input("mkdir -p demo && cd demo && git init -q -b main && echo synced > a.txt && git add a.txt && " +
      "git -c user.name=U -c user.email=u@example.com commit -qm first && echo commit-$((1+1))-done\r");
    await term.waitFor("commit-2-done", 20_000);
    const remote = `/Users/${OWNER}/projects/demo/a.txt`;
    await until(() => fake.workspace.has(remote), () => `${remote} in the workspace; output: ${output}`, 30_000);
    expect(fake.workspace.get(remote)!.content!.toString()).toBe("synced\n");

    const ide = await fetch(`${url}/api/ide/start?wait=1`, { method: "POST" });
    const status = (await ide.json()) as { state: string; pid?: number };
    expect(ide.status, JSON.stringify(status)).toBe(200);
    expect(status.state).toBe("running");
    const page = await fetch(`${url}/ide/`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("vscode-workbench-web-configuration");
    expect(processesOf(uid).length).toBeGreaterThan(2);

    term.close();
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Every process of that user ended: the shell, git's hook, code-server and its children.
    await until(() => processesOf(uid).length === 0, () => `no process of ${user}; left: ${processesOf(uid)}`, 15_000);
    expect(output).not.toMatch(/EACCES|EPERM/);
  });
});
