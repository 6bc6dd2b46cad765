import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { git, type GitEnv } from "./git.js";
import type { Spool } from "./spool.js";
import type { SyncStateStore } from "./state.js";

/**
 * At start, queues the HEAD of every repository synced before whose HEAD moved without a spool entry: a commit
 * made while the hook could not write (disk full, hooks disabled with -c core.hooksPath) is not lost.
 */
export async function catchUp(options: { state: SyncStateStore; spool: Spool; git: GitEnv; logger: Logger }): Promise<number> {
  const queued = new Set((await options.spool.scan()).map((e) => e.repo));
  let added = 0;
  for (const name of options.state.names()) {
    const repo = options.state.get(name)!;
    if (queued.has(repo.dir) || !existsSync(repo.dir)) continue;
    let head: string;
    try {
      head = (await git(options.git, repo.dir, ["rev-parse", "--verify", "-q", "HEAD"])).trim();
    } catch {
      continue; // no commit yet, or not a repository any more
    }
    if (head === repo.lastCommit) continue;
    await options.spool.add(repo.dir, head);
    added++;
  }
  if (added > 0) options.logger.info({ repositories: added }, "queued commits made while the hook could not");
  return added;
}

/** The repository's name: its path under the projects folder, or undefined when it is not under it. */
export function repoName(projectsReal: string, dir: string): string | undefined {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // Removed since the commit: its name still tells which repository the entry was.
  }
  const rel = path.relative(projectsReal, real);
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join("/");
}
