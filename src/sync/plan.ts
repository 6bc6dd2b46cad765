import { diffTrees, isRegularFile, listDirectories, listTree, type GitEnv } from "./git.js";
import { parentDirs } from "./remote-names.js";

/** A file to import: its repository path, blob, and whether an older version may already be in the workspace. */
export interface Upload {
  readonly path: string;
  readonly sha: string;
  readonly existed: boolean;
}

/** What one sync does to the workspace, in repository paths. */
export interface SyncPlan {
  /** True when the whole tree is uploaded (first sync, or the last synced commit is gone). */
  readonly full: boolean;
  readonly uploads: readonly Upload[];
  /** Files gone from the tree (deleted, or the old side of a rename). */
  readonly deletes: readonly string[];
  /** Folders that no longer hold any tracked file, deepest first. */
  readonly goneDirs: readonly string[];
}

/**
 * The plan from `from` (the last synced commit; undefined for a first sync) to `to`: the whole tree at `to`, or
 * the diff with renames. Only regular files count; untracked and ignored files are never part of a commit.
 */
export async function planSync(options: GitEnv, cwd: string, from: string | undefined, to: string): Promise<SyncPlan> {
  if (from === undefined) {
    const files = await listTree(options, cwd, to);
    return { full: true, uploads: files.map((f) => ({ ...f, existed: false })), deletes: [], goneDirs: [] };
  }
  const uploads: Upload[] = [];
  const deletes: string[] = [];
  for (const change of await diffTrees(options, cwd, from, to)) {
    const regular = isRegularFile(change.newMode);
    if (change.status === "D" || change.status === "R") deletes.push(change.oldPath);
    if (change.status === "D") continue;
    if (regular) uploads.push({ path: change.newPath, sha: change.newSha, existed: change.status === "M" || change.status === "T" });
    // A file that became a symlink or a submodule leaves the workspace.
    else if (change.status === "M" || change.status === "T") deletes.push(change.newPath);
  }
  let goneDirs: string[] = [];
  if (deletes.length > 0) {
    const present = await listDirectories(options, cwd, to);
    const candidates = new Set(deletes.flatMap(parentDirs));
    goneDirs = [...candidates].filter((dir) => !present.has(dir)).sort((a, b) => depth(b) - depth(a) || a.localeCompare(b));
  }
  return { full: false, uploads, deletes, goneDirs };
}

function depth(dir: string): number {
  return dir.split("/").length;
}
