import { mkdirSync, renameSync, rmdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { gitRun, type BackupGitEnv } from "./git-exec.js";
import type { PieceStore } from "./pieces.js";
import { removeIfEmpty } from "./restore-repo.js";
import { BACKUP_IDENTITY } from "./snapshot.js";

const NOTEBOOK_EXTENSIONS: Readonly<Record<string, string>> = { PYTHON: ".py", SQL: ".sql", SCALA: ".scala", R: ".r" };
const SAFE_SEGMENT = /^(?!\.{1,2}$)[^/\0]{1,255}$/;
/** The commit a mirror-only restore makes: it says where the files came from and what is missing. */
export const MIRROR_COMMIT_MESSAGE =
  "Restored from the workspace file mirror\n\nThe workspace held only a copy of the files of the last synced commit, no git history.";

/**
 * A repository the workspace knows only as the file mirror (projects/<repo>/, no history stored yet): its files
 * exported one by one (notebooks as source, with their extension back) into a fresh repository with one commit
 * that says so, built in `workDir` and renamed to `target`.
 */
export async function restoreMirror(options: { git: BackupGitEnv; store: PieceStore; remoteDir: string; workDir: string; target: string }): Promise<number> {
  const { store, workDir } = options;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  let files = 0;
  try {
    const walk = async (remote: string, local: string, depth: number): Promise<void> => {
      if (depth > 64) return;
      for (const entry of await store.list(remote)) {
        if (!SAFE_SEGMENT.test(entry.name) || entry.name === ".git") continue;
        if (entry.type === "DIRECTORY") {
          mkdirSync(path.join(local, entry.name), { recursive: true });
          await walk(`${remote}/${entry.name}`, path.join(local, entry.name), depth + 1);
        } else if (entry.type === "FILE" || entry.type === "NOTEBOOK") {
          const name = entry.type === "NOTEBOOK" ? entry.name + (NOTEBOOK_EXTENSIONS[entry.language ?? ""] ?? "") : entry.name;
          writeFileSync(path.join(local, name), await store.getFile(`${remote}/${entry.name}`));
          files++;
        }
      }
    };
    await walk(options.remoteDir, workDir, 0);
    const env = { ...BACKUP_IDENTITY, GIT_AUTHOR_DATE: undefined, GIT_COMMITTER_DATE: undefined };
    await gitRun(options.git, workDir, ["init", "-q", "."]);
    await gitRun(options.git, workDir, ["add", "-A"], { env });
    await gitRun(options.git, workDir, ["commit", "-q", "--allow-empty", "-m", MIRROR_COMMIT_MESSAGE], { env });
    if (existsSync(options.target)) rmdirSync(options.target);
    renameSync(workDir, options.target);
    return files;
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  } finally {
    removeIfEmpty(path.dirname(workDir));
  }
}
