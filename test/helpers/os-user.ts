import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

/** Why a test that needs a second OS user is skipped; undefined when it can run (as root, with useradd). */
export function throwawayUserUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to create a throwaway OS user (CI runs as root); skipped";
  try {
    execFileSync("sh", ["-c", "command -v useradd && command -v userdel && command -v setpriv"], { stdio: "ignore" });
  } catch {
    return "useradd, userdel or setpriv missing; skipped";
  }
  return undefined;
}

/** A local OS user made for one test: no password, no login shell, removed by remove(). */
export interface ThrowawayUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** Runs a command as this user (setpriv, no supplementary groups); resolves with its exit code and output. */
  run(command: string, args: readonly string[], options?: { env?: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Starts a command as this user and returns at once (the caller ends it by pid). */
  start(command: string, args: readonly string[], options?: { env?: Record<string, string>; cwd?: string }): ChildProcess;
  remove(): void;
}

/** Creates the user with `useradd` (a home under /tmp when `home` is true). */
export function createThrowawayUser(options: { home?: string } = {}): ThrowawayUser {
  const name = `atg${randomBytes(4).toString("hex")}`;
  const args = ["--shell", "/usr/sbin/nologin", "--user-group"];
  if (options.home) args.push("--create-home", "--home-dir", options.home);
  else args.push("--no-create-home", "--home-dir", "/nonexistent");
  execFileSync("useradd", [...args, name], { stdio: "pipe" });
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return {
    name,
    uid,
    gid,
    start(command, commandArgs, startOptions = {}) {
      // setpriv execs the command in its own process: the command's pid is the child's.
      return spawn("setpriv", ["--reuid", String(uid), "--regid", String(gid), "--clear-groups", "--", command, ...commandArgs], {
        env: { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8", ...startOptions.env },
        cwd: startOptions.cwd ?? "/",
        stdio: ["ignore", "pipe", "pipe"],
      });
    },
    run(command, commandArgs, runOptions = {}) {
      return new Promise((resolve, reject) => {
        const child = this.start(command, commandArgs, runOptions);
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (d) => (stdout += d));
        child.stderr!.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), runOptions.timeoutMs ?? 60_000);
        child.on("error", reject);
        child.on("exit", (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    },
    remove() {
      // The processes run() started end with it (or are killed by pid by their test); the account goes here.
      try {
        execFileSync("userdel", ["--force", "--remove", name], { stdio: "ignore" });
      } catch {
        // Already gone.
      }
    },
  };
}
