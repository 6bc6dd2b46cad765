import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";
import { loadChain } from "./chain.js";
import { gitRun, type BackupGitEnv } from "./git-exec.js";
import type { RepoManifest } from "./manifest.js";
import type { PieceStore } from "./pieces.js";
import { BACKUP_IDENTITY } from "./snapshot.js";

/** Where restores are built: beside the projects (same filesystem, so the final rename is atomic), hidden. */
export const RESTORE_AREA = ".agent-terminal-gateway-restore";

/** True when `dir` is absent or an empty folder: only then may a restore put a repository there. */
export function isVacant(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** Progress of one repository's restore, for the status: step `step` of `steps`. */
export type Progress = (step: number, steps: number, what: string) => void;

/**
 * Rebuilds a repository from its manifest in `<projectsDir>/.agent-terminal-gateway-restore/<key>`, then
 * renames it to `target`: every link of the history (checked), the refs exactly as saved (a deleted branch
 * stays deleted), HEAD, the stash entries with their messages, remote and branch settings, and the work in
 * progress into index and working tree. A failure removes the temporary folder; nothing half-made is left.
 * With `bare`, only the history is restored into a bare repository at `target` (a conflict's stored copy).
 */
export async function restoreRepository(options: {
  git: BackupGitEnv;
  manifest: RepoManifest;
  store: PieceStore;
  dir: string;
  workDir: string;
  target: string;
  bare?: boolean;
  progress?: Progress;
}): Promise<void> {
  const { git, manifest, store, workDir, target } = options;
  const steps = manifest.chain.length + (manifest.wip && !options.bare ? 2 : 1);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  try {
    await gitRun(git, workDir, ["init", "-q", ...(options.bare ? ["--bare"] : []), "."]);
    const gitDir = options.bare ? workDir : path.join(workDir, ".git");
    const run = (args: string[], input?: string, env: Record<string, string> = {}) =>
      gitRun(git, workDir, args, { input, env: { ...BACKUP_IDENTITY, ...env } });
    await loadChain({ git, gitDir, chain: manifest.chain, store, dir: options.dir, onLink: (i) => options.progress?.(i + 1, steps, "history") });
    // The refs exactly as saved; each object must be there.
    const updates = manifest.refs.map((r) => `create ${r.name} ${r.sha}`);
    if (updates.length > 0) await run(["update-ref", "--stdin"], ["start", ...updates, "prepare", "commit"].join("\n") + "\n");
    if ("branch" in manifest.head) await run(["symbolic-ref", "HEAD", manifest.head.branch]);
    else await run(["update-ref", "--no-deref", "HEAD", manifest.head.detached]);
    for (const entry of [...manifest.stash].reverse()) await run(["stash", "store", "-q", "-m", entry.message, entry.sha]);
    for (const [key, value] of manifest.config) await run(["config", "--local", "--add", key, value]);
    if (!options.bare) await restoreWorkTree(run, gitDir, manifest, store, options, steps);
    options.progress?.(steps, steps, "done");
    if (existsSync(target)) rmdirSync(target); // vacant (checked by the caller): an empty folder
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(workDir, target);
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  } finally {
    removeIfEmpty(path.dirname(workDir));
  }
}

/** The restore area goes once the last restore in it is done, so PROJECTS_DIR holds only repositories. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another restore), or already gone.
  }
}

type Run = (args: string[], input?: string, env?: Record<string, string>) => Promise<string>;

/** Puts the files back: the saved working tree written out, then the saved index; or HEAD's tree without WIP. */
async function restoreWorkTree(
  run: Run,
  gitDir: string,
  manifest: RepoManifest,
  store: PieceStore,
  options: { git: BackupGitEnv; dir: string; progress?: Progress },
  steps: number,
): Promise<void> {
  const head = (await run(["rev-parse", "--verify", "-q", "HEAD"]).catch(() => "")).trim() || null;
  const wip = manifest.wip;
  if (wip && wip.base === head) {
    options.progress?.(steps - 1, steps, "work in progress");
    await loadChain({ git: options.git, gitDir, chain: [{ parts: wip.parts, bytes: wip.bytes }], store, dir: options.dir });
    const scratch = path.join(gitDir, "restore-index");
    await run(["read-tree", wip.worktreeTree], undefined, { GIT_INDEX_FILE: scratch });
    await run(["checkout-index", "-a", "-f"], undefined, { GIT_INDEX_FILE: scratch });
    rmSync(scratch, { force: true });
    await run(["read-tree", wip.indexTree]);
  } else if (head) {
    await run(["read-tree", head]);
    await run(["checkout-index", "-a", "-f"]);
  }
  await run(["update-index", "-q", "--refresh"]).catch(() => "");
}
