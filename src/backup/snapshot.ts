import { copyFileSync, existsSync, lstatSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gitRun, OBJECT_ID, type BackupGitEnv } from "./git-exec.js";
import type { RepoManifest } from "./manifest.js";
import { secretIn, type SecretList } from "./secrets.js";

/** Untracked files above the workspace's import limit stay out of the saved work in progress, as in the mirror. */
export const MAX_WIP_FILE_BYTES = 10 * 1024 * 1024;

/** The saved identity of the backup's own commits (WIP, home): never the owner's. */
export const BACKUP_IDENTITY = {
  GIT_AUTHOR_NAME: "agent-terminal-gateway",
  GIT_AUTHOR_EMAIL: "backup@agent-terminal-gateway.invalid",
  GIT_COMMITTER_NAME: "agent-terminal-gateway",
  GIT_COMMITTER_EMAIL: "backup@agent-terminal-gateway.invalid",
  GIT_AUTHOR_DATE: "1700000000 +0000",
  GIT_COMMITTER_DATE: "1700000000 +0000",
};

/** A repository's refs as the backup keeps them. */
export interface RepoRefs {
  readonly head: RepoManifest["head"];
  readonly refs: RepoManifest["refs"];
  readonly stash: RepoManifest["stash"];
  readonly config: RepoManifest["config"];
  /** The owner's object folder (shared by worktrees), for the shadow's alternates. */
  readonly objects: string;
  readonly gitDir: string;
}

/** Reads branches, tags, remote-tracking branches, HEAD, the stash entries and remote/branch settings; read-only. */
export async function readRefs(git: BackupGitEnv, dir: string): Promise<RepoRefs> {
  const common = (await gitRun(git, dir, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim();
  const gitDir = (await gitRun(git, dir, ["rev-parse", "--absolute-git-dir"])).trim();
  const refs: { name: string; sha: string }[] = [];
  const listed = await gitRun(git, dir, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags", "refs/remotes"]);
  for (const line of listed.split("\n")) {
    const space = line.indexOf(" ");
    const sha = line.slice(0, space);
    const name = line.slice(space + 1);
    if (OBJECT_ID.test(sha) && /^refs\/(heads|tags|remotes)\//.test(name) && !/[\0-\x20]/.test(name)) refs.push({ name, sha });
  }
  const symbolic = (await gitRun(git, dir, ["symbolic-ref", "-q", "HEAD"]).catch(() => "")).trim();
  const head: RepoManifest["head"] = symbolic.startsWith("refs/heads/")
    ? { branch: symbolic }
    : { detached: (await gitRun(git, dir, ["rev-parse", "--verify", "-q", "HEAD"])).trim() };
  const stash: RepoManifest["stash"] = [];
  const stashLog = await gitRun(git, dir, ["log", "-g", "--format=%H%x00%gs", "refs/stash", "--"]).catch(() => "");
  for (const line of stashLog.split("\n")) {
    const [sha = "", message = ""] = line.split("\0");
    if (OBJECT_ID.test(sha)) stash.push({ sha, message: message.slice(0, 4096) });
  }
  const config: [string, string][] = [];
  const raw = await gitRun(git, dir, ["config", "--local", "-z", "--get-regexp", "^(remote|branch)\\."]).catch(() => "");
  for (const record of raw.split("\0")) {
    const newline = record.indexOf("\n");
    if (newline > 0) config.push([record.slice(0, newline), record.slice(newline + 1)]);
  }
  return { head, refs, stash, config, objects: path.join(common, "objects"), gitDir };
}

/** The refs the shadow holds for a history bundle: the owner's, stash entries and a detached HEAD by number. */
export function historyRefs(state: RepoRefs): Map<string, string> {
  const refs = new Map(state.refs.map((r) => [r.name, r.sha]));
  state.stash.forEach((entry, i) => refs.set(`refs/atg/stash/${i}`, entry.sha));
  if ("detached" in state.head) refs.set("refs/atg/head", state.head.detached);
  return refs;
}

/** Work in progress as two trees: the index as staged, and the working tree (tracked + untracked, not ignored). */
export interface WipCapture {
  readonly base: string | null;
  readonly indexTree: string;
  readonly worktreeTree: string;
  readonly commit: string;
  readonly skipped: { path: string; reason: string }[];
}

/**
 * Captures the work in progress of the repository at `dir` without touching it: a copy of its index in the
 * shadow, new objects written into the shadow's object folder (the owner's are read through alternates).
 * Untracked files over MAX_WIP_FILE_BYTES, or holding a secret, are skipped and listed.
 */
export async function captureWip(git: BackupGitEnv, dir: string, state: RepoRefs, shadowDir: string, secrets: SecretList): Promise<WipCapture> {
  const index = path.join(shadowDir, "wip-index");
  rmSync(index, { force: true });
  if (existsSync(path.join(state.gitDir, "index"))) copyFileSync(path.join(state.gitDir, "index"), index);
  const env = {
    GIT_INDEX_FILE: index,
    GIT_OBJECT_DIRECTORY: path.join(shadowDir, "objects"),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: state.objects,
    ...BACKUP_IDENTITY,
  };
  const run = (args: string[], input?: string) => gitRun(git, dir, ["--literal-pathspecs", ...args], { env, input });
  try {
    const base = (await run(["rev-parse", "--verify", "-q", "HEAD"]).catch(() => "")).trim() || null;
    const indexTree = (await run(["write-tree"])).trim();
    const skipped: { path: string; reason: string }[] = [];
    // Staged content is uploaded as it is: refuse the whole save rather than a token in it.
    if (base) {
      for (const file of await stagedWithSecret(run, dir, base, secrets)) {
        throw new WipRefused(`work in progress not saved: the staged ${file} holds what looks like a token`);
      }
    }
    // Tracked files changed in the working tree, each checked before it is added.
    const changed: string[] = [];
    for (const file of (await run(["diff-files", "-z", "--name-only"])).split("\0")) {
      if (!file) continue;
      const full = path.join(dir, file);
      const stat = lstatSync(full, { throwIfNoEntry: false });
      const problem = stat?.isFile() ? secretIn(readFileSync(full), secrets) : undefined;
      if (problem) skipped.push({ path: file, reason: `change not saved: it ${problem}` });
      else changed.push(file);
    }
    if (changed.length > 0) await run(["add", "-u", "--pathspec-from-file=-", "--pathspec-file-nul", "--"], changed.join("\0"));
    const keep: string[] = [];
    for (const file of (await run(["ls-files", "-z", "--others", "--exclude-standard"])).split("\0")) {
      if (!file) continue;
      const full = path.join(dir, file);
      const stat = lstatSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isFile() && stat.size > MAX_WIP_FILE_BYTES) {
        skipped.push({ path: file, reason: `${stat.size} bytes, over the ${MAX_WIP_FILE_BYTES}-byte limit` });
        continue;
      }
      const problem = stat.isFile() ? secretIn(readFileSync(full), secrets) : undefined;
      if (problem) skipped.push({ path: file, reason: `not saved: it ${problem}` });
      else keep.push(file);
    }
    if (keep.length > 0) await run(["add", "--pathspec-from-file=-", "--pathspec-file-nul", "--"], keep.join("\0"));
    const worktreeTree = (await run(["write-tree"])).trim();
    const parents = base ? ["-p", base] : [];
    const indexCommit = (await run(["commit-tree", indexTree, ...parents, "-m", "index"])).trim();
    const commit = (await run(["commit-tree", worktreeTree, ...parents, "-p", indexCommit, "-m", "work in progress"])).trim();
    return { base, indexTree, worktreeTree, commit, skipped };
  } finally {
    rmSync(index, { force: true });
  }
}

/** Staged files whose content differs from `base` and holds a secret (read from the shadow's view of the objects). */
async function stagedWithSecret(run: (args: string[], input?: string) => Promise<string>, _dir: string, base: string, secrets: SecretList): Promise<string[]> {
  const raw = await run(["diff-index", "--cached", "-z", "--no-renames", "--diff-filter=AM", base]);
  const fields = raw.split("\0");
  const found: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const sha = fields[i]!.split(" ")[3];
    const file = fields[i + 1]!;
    if (!sha || !OBJECT_ID.test(sha)) continue;
    const content = Buffer.from(await run(["cat-file", "blob", sha]), "latin1");
    if (secretIn(content, secrets)) found.push(file);
  }
  return found;
}

/** The work in progress cannot be saved as it is (a staged file holds a secret); the history still is. */
export class WipRefused extends Error {}
