/**
 * The history backup's costs (issue 15), measured against the fake workspace through the real SDK and git:
 * save cost per commit on a repository of `commits` commits (ms of CPU, the gateway's and its git children's,
 * and bytes uploaded), the time to restore a repository whose history is `historyMb` MB, and the post-commit
 * hook's cost (it only spools; the work happens in the gateway). Printed beside the main table.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { saveRepository } from "../src/backup/repo-backup.js";
import { PieceStore } from "../src/backup/pieces.js";
import { restoreRepository } from "../src/backup/restore-repo.js";
import { userClient } from "../src/databricks.js";
import { packageRoot } from "../src/paths.js";
import { startFakeDatabricks } from "../test/fakes/databricks.js";
import { median } from "./stats.js";

/** What the backup section reports. */
export interface BackupBench {
  readonly commits: number;
  readonly fullSave: { ms: number; bytes: number };
  readonly perCommit: { cpuMs: number; bytes: number; ms: number };
  readonly restore: { historyBytes: number; ms: number };
  readonly hookMs: number;
}

const OWNER = "bench@example.com";

export async function backupBench(options: { commits: number; historyMb: number; rounds: number }, dir: string): Promise<BackupBench> {
  const fake = await startFakeDatabricks();
  try {
    const token = fake.issueToken(OWNER);
    let uploaded = 0;
    const store = new PieceStore({ client: userClient(fake.url, token), callTimeoutMs: 120_000, signal: new AbortController().signal, secrets: () => [token], onUpload: (b) => (uploaded += b) });
    const home = path.join(dir, "home");
    mkdirSync(home, { recursive: true });
    const git = { HOME: home, PATH: process.env.PATH, LANG: "C.UTF-8" };
    const env = { ...git, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@x", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@x" };
    const run = (cwd: string, args: string[], input?: string) => execFileSync("git", ["-c", "core.hooksPath=/dev/null", ...args], { cwd, env, input, maxBuffer: 1 << 30 });
    const save = async (name: string, repoDir: string, previous: Parameters<typeof saveRepository>[0]["previous"]) => {
      const remoteDir = `/Users/${OWNER}/bench/${name}`;
      await store.mkdirs(remoteDir);
      const result = await saveRepository({ git, name, dir: repoDir, shadowDir: path.join(dir, `${name}.shadow`), previous, maxLinks: 1000, wip: true, secrets: () => [token], store, remoteDir });
      return result.manifest ?? previous;
    };

    // A repository of `commits` commits, written with fast-import (the hooks' cost is measured on its own).
    const repo = path.join(dir, "many");
    mkdirSync(repo);
    run(repo, ["init", "-q", "-b", "main"]);
    const stream: string[] = [];
    for (let i = 1; i <= options.commits; i++) {
      const body = `line ${i}\n`.repeat(50) + randomBytes(2000).toString("base64") + "\n";
      stream.push(`commit refs/heads/main\ncommitter b <b@x> ${1700000000 + i} +0000\ndata 9\ncommit ${String(i).padStart(2, "0").slice(-2)}\n`);
      stream.push(`M 644 inline src/file-${i % 40}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`);
    }
    run(repo, ["fast-import", "--quiet"], stream.join(""));
    run(repo, ["reset", "-q", "--hard"]);
    let started = performance.now();
    uploaded = 0;
    let manifest = await save("many", repo, undefined);
    const fullSave = { ms: performance.now() - started, bytes: uploaded };
    const cpu: number[] = [];
    const bytes: number[] = [];
    const wall: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      writeFileSync(path.join(repo, `src/file-${(round % Math.min(39, options.commits)) + 1}.txt`), `round ${round}\n` + randomBytes(1000).toString("base64"));
      run(repo, ["commit", "-q", "-am", `round ${round}`]);
      const before = cpuNow();
      started = performance.now();
      uploaded = 0;
      manifest = await save("many", repo, manifest);
      wall.push(performance.now() - started);
      cpu.push(cpuNow() - before);
      bytes.push(uploaded);
    }

    // A history of historyMb MB (incompressible), saved whole, then restored into a fresh folder.
    const big = path.join(dir, "big");
    mkdirSync(big);
    run(big, ["init", "-q", "-b", "main"]);
    const per = Math.ceil((options.historyMb * 1024 * 1024) / 4);
    for (let i = 0; i < 4; i++) {
      writeFileSync(path.join(big, `blob-${i}.bin`), randomBytes(per));
      run(big, ["add", "-A"]);
      run(big, ["commit", "-q", "-m", `part ${i}`]);
    }
    const bigManifest = (await save("big", big, undefined))!;
    started = performance.now();
    await restoreRepository({ git, manifest: bigManifest, store, dir: `/Users/${OWNER}/bench/big`, workDir: path.join(dir, "restoring"), target: path.join(dir, "restored") });
    const restore = { historyBytes: bigManifest.chain.reduce((n, l) => n + l.bytes, 0), ms: performance.now() - started };

    return {
      commits: options.commits,
      fullSave,
      perCommit: { cpuMs: median(cpu), bytes: median(bytes), ms: median(wall) },
      restore,
      hookMs: hookCost(dir, repo, env),
    };
  } finally {
    await fake.close();
  }
}

/** This process's CPU and its waited-for children's (git), in ms. */
function cpuNow(): number {
  const own = process.cpuUsage();
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (own.user + own.system) / 1000 + ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** Median of 21 runs of the real post-commit hook (spool file + wake-up) in `repo`. */
function hookCost(dir: string, repo: string, env: Record<string, string | undefined>): number {
  const state = path.join(dir, "state");
  mkdirSync(path.join(state, "sync", "spool"), { recursive: true });
  const home = path.join(dir, "hook-home");
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, ".gitconfig"), `[agent-terminal-gateway]\n\tstateDir = ${state}\n`);
  const hook = path.join(packageRoot(), "hooks", "post-commit");
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const started = performance.now();
    spawnSync("bash", [hook], { cwd: repo, env: { ...env, HOME: home } });
    times.push(performance.now() - started);
  }
  return median(times);
}

/** The lines printed under the main table. */
export function backupLines(result: BackupBench): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  return [
    `Backup (history bundles, fake workspace over loopback, real SDK and git):`,
    `  first save of a ${result.commits}-commit repository: ${Math.round(result.fullSave.ms)} ms, ${kb(result.fullSave.bytes)} uploaded`,
    `  save per commit after that (median): ${Math.round(result.perCommit.cpuMs)} ms CPU (gateway + git), ${Math.round(result.perCommit.ms)} ms wall, ${kb(result.perCommit.bytes)} uploaded`,
    `  restore of a ${(result.restore.historyBytes / 1048576).toFixed(1)} MB history: ${Math.round(result.restore.ms)} ms`,
    `  post-commit hook (median of 21): ${result.hookMs.toFixed(1)} ms`,
  ].join("\n");
}
