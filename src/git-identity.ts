import { execFile } from "node:child_process";
import type { Logger } from "pino";
import type { UserIdentity } from "./token/token-api.js";
import type { TokenSource } from "./token/types.js";

/** The owner as git should name them: SCIM Me's display name and email. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitIdentityOptions {
  /** The owner's token and who it belongs to (the token manager's own SCIM Me checks: no call of ours). */
  readonly tokens: Pick<TokenSource, "current" | "subscribe"> & { identity(): UserIdentity | undefined };
  /** The environment git runs with: HOME (whose ~/.gitconfig is the global one) and PATH. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
}

/**
 * Commits made in the terminals carry the owner's name: once a checked token is there (a paste, or the rotation
 * the first session starts), SCIM Me's display name and email go into the gateway user's global git config,
 * each of user.name and user.email only when unset there. A value the owner set is never overwritten. Runs once
 * per start; a failure is retried on the next token.
 */
export function createGitIdentity(options: GitIdentityOptions): { start(): void; close(): Promise<void>; readonly done: Promise<void> } {
  const log = options.logger.child({ component: "git-identity" });
  let unsubscribe: (() => void) | undefined;
  /** The attempt under way: close() waits for its `git config` (a test's HOME is removed right after). */
  let running: Promise<void> | undefined;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));

  const attempt = (token: string | undefined): void => {
    if (!token || running || !unsubscribe) return;
    running = write().finally(() => (running = undefined));
  };
  const write = async (): Promise<void> => {
    try {
      const who = gitIdentity(options.tokens.identity());
      if (!who) return;
      for (const [key, value] of [["user.name", who.name], ["user.email", who.email]] as const) {
        if ((await gitConfig(options.env, ["--global", "--get", key])) === undefined) {
          await gitConfig(options.env, ["--global", key, value]);
          log.info({ key }, "git identity set from the workspace");
        }
      }
      unsubscribe?.();
      unsubscribe = undefined;
      finished();
    } catch (error) {
      log.warn({ err: error }, "cannot set the git identity; retrying with the next token");
    }
  };

  return {
    done,
    start() {
      unsubscribe = options.tokens.subscribe((token) => attempt(token));
      attempt(options.tokens.current());
    },
    async close() {
      unsubscribe?.();
      unsubscribe = undefined;
      await running;
    },
  };
}

/** The display name (else the user name) and the primary email (else the user name, an email), or undefined. */
function gitIdentity(me: UserIdentity | undefined): GitIdentity | undefined {
  if (!me) return undefined;
  const email = me.email ?? me.userName;
  const name = me.displayName || me.userName;
  if (!name || !email || /[\r\n\0]/.test(name + email)) return undefined;
  return { name, email };
}

/** `git config …`: its output, or undefined when git exits 1 (a key that is unset). */
function gitConfig(env: Readonly<Record<string, string | undefined>>, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile("git", ["config", ...args], { env, timeout: 10_000, encoding: "utf8" }, (error, stdout, stderr) => {
      if (!error) resolve(stdout.trim());
      else if (error.code === 1) resolve(undefined);
      else reject(new Error(`git config: ${String(stderr).trim() || error.message}`));
    });
  });
}
