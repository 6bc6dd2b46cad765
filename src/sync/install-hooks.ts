import { chmodSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { git, type GitEnv } from "./git.js";

/** The git config key the hook reads to find the spool; namespaced so nothing else sets it. */
export const STATE_DIR_KEY = "agent-terminal-gateway.stateDir";

/**
 * Points the gateway user's git at the package's hooks/ (git config --global core.hooksPath), so every
 * repository, new, cloned or existing, hands its commits to the sync, and tells the hook where the spool is.
 * Repositories' own hooks still run: every hook there chains the repository's hook of the same name.
 * Returns false (and logs why) when git cannot be configured.
 */
export async function installHooks(options: GitEnv & { hooksDir: string; stateDir: string; home: string; logger: Logger }): Promise<boolean> {
  const { hooksDir, logger } = options;
  ensureExecutable(hooksDir, logger);
  try {
    const previous = (await git(options, options.home, ["config", "--global", "--get", "core.hooksPath"]).catch(() => "")).trim();
    if (previous && path.resolve(options.home, previous) !== hooksDir) {
      logger.warn(
        { previous, hooksDir },
        "replacing the global core.hooksPath: repositories' own .git/hooks keep running, hooks from the previous folder do not",
      );
    }
    await git(options, options.home, ["config", "--global", "core.hooksPath", hooksDir]);
    await git(options, options.home, ["config", "--global", STATE_DIR_KEY, options.stateDir]);
    logger.info({ hooksDir }, "git hooks installed for workspace sync");
    return true;
  } catch (error) {
    logger.error({ err: error }, "cannot install the git hooks: commits will not reach the workspace");
    return false;
  }
}

/** A deploy may drop the executable bits (workspace files keep no modes), and git skips such hooks. */
function ensureExecutable(hooksDir: string, logger: Logger): void {
  try {
    for (const name of readdirSync(hooksDir)) {
      if (name.startsWith("_")) continue;
      const file = path.join(hooksDir, name);
      if ((statSync(file).mode & 0o111) !== 0o111) chmodSync(file, 0o755);
    }
  } catch (error) {
    logger.warn({ err: error, hooksDir }, "cannot make the git hooks executable");
  }
}
