import { execFile } from "node:child_process";

/** A plumbing command that takes longer than this is stuck (a lock, a dying disk). */
const GIT_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Flags on every git command of the backup: no hooks (a reference-transaction or post-checkout hook of the
 * owner's must not fire for our private work), no automatic gc, no prompts.
 */
const QUIET = ["-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0", "-c", "maintenance.auto=false"];

/** The environment git runs with: HOME and PATH of the gateway's user, nothing of the gateway's own. */
export type BackupGitEnv = Readonly<Record<string, string | undefined>>;

/** Runs git and resolves with stdout; rejects with git's stderr. `env` adds to (or removes from, undefined) the base. */
export function gitRun(
  base: BackupGitEnv,
  cwd: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...base, GIT_TERMINAL_PROMPT: "0", ...options.env };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = execFile(
      "git",
      [...QUIET, ...args],
      { cwd, env, maxBuffer: MAX_OUTPUT_BYTES, timeout: GIT_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0]}: ${String(stderr).trim().slice(0, 2000) || error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.on("error", () => {}); // reported through the exit status
    child.stdin?.end(options.input ?? "");
  });
}

/** True when git succeeds. */
export async function gitOk(base: BackupGitEnv, cwd: string, args: readonly string[]): Promise<boolean> {
  try {
    await gitRun(base, cwd, args);
    return true;
  } catch {
    return false;
  }
}

/** A full object name. */
export const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
