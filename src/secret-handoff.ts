import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Why this exists: /proc/<pid>/environ shows the environment a process was exec'd with, whatever it later deletes
 * from process.env, and every process of the same user (a terminal, an agent, code-server) may read it. So when
 * the gateway starts with a secret in its environment it re-executes itself in place (same pid, for the
 * supervisor) with the secrets removed and hands them to its new image through a private file that image reads
 * and deletes before it does anything else. Node's own file descriptors are all close-on-exec, so no pipe
 * survives process.execve; the file lives in a fresh 0700 directory (tmpfs /dev/shm when there is one) for the
 * few milliseconds before the gateway has started anything that could look.
 */

/** Secrets the gateway reads: carried over to the new image, never in its environment. */
export const CARRIED_SECRETS = ["DATABRICKS_CLIENT_SECRET", "DATABRICKS_TOKEN", "GATEWAY_TOKEN"] as const;

/** Other credentials the gateway has no use for: dropped from its environment (terminals never got them). */
const OTHER_SECRET = /(SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS)(_[A-Z0-9]+)?$/i;

/** The variable naming the handoff file in the new image's environment (not a secret: a path). */
export const HANDOFF_VARIABLE = "AGENT_TERMINAL_GATEWAY_SECRETS_FILE";

type Env = Readonly<Record<string, string | undefined>>;

/** The environment without secrets, and the secrets the gateway reads. */
export function splitSecrets(env: Env): { clean: Record<string, string>; carried: Record<string, string>; dropped: string[] } {
  const clean: Record<string, string> = {};
  const carried: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if ((CARRIED_SECRETS as readonly string[]).includes(name)) carried[name] = value;
    else if (OTHER_SECRET.test(name) || name === HANDOFF_VARIABLE) dropped.push(name);
    else clean[name] = value;
  }
  return { clean, carried, dropped };
}

/** What a process can do to replace itself: process.execve, from Node 22.15 and 23.11 (absent on Node 20). */
export type Execve = (file: string, args: string[], env: Record<string, string>) => never;

/** The process facts the re-exec needs; main.ts passes the real process. */
export interface ReexecTarget {
  readonly env: Env;
  readonly execPath: string;
  readonly execArgv: readonly string[];
  readonly argv: readonly string[];
  readonly execve: Execve | undefined;
  /** Whether execve can start `file` (tests replace it). A failed process.execve aborts the process. */
  readonly canExec?: (file: string) => boolean;
}

/** Age after which a handoff directory is a leftover of a start that died before reading it. */
const STALE_HANDOFF_MS = 60_000;

/**
 * Re-executes the process without secrets in its environment when it has any. Returns only when there is nothing
 * to do ("clean"), when this Node cannot (no process.execve: "unsupported"), or when execve failed ("failed";
 * the handoff file is removed again). On success it does not return.
 */
export function reexecWithoutSecrets(target: ReexecTarget): "clean" | "unsupported" | "failed" {
  const { clean, carried, dropped } = splitSecrets(target.env);
  if (Object.keys(carried).length === 0 && dropped.length === 0) return "clean";
  if (target.execve === undefined) return "unsupported";
  // process.execve does not throw when the exec fails: it aborts, and the handoff file would stay behind.
  const canExec = target.canExec ?? executable;
  const script = target.argv[1];
  if (!canExec(target.execPath) || (script !== undefined && !readable(script))) return "failed";
  const file = writeHandoff(carried);
  try {
    target.execve(target.execPath, [target.execPath, ...target.execArgv, ...target.argv.slice(1)], { ...clean, [HANDOFF_VARIABLE]: file });
  } catch {
    removeHandoff(file);
    return "failed";
  }
  return "failed"; // Not reached: execve replaced the process.
}

/**
 * In the re-executed image: the carried secrets, read from the handoff file, which is deleted at once; an empty
 * object when the process was not re-executed. The variable is removed from `env` (process.env) too.
 */
export function takeHandedSecrets(env: Record<string, string | undefined>): Record<string, string> {
  const file = env[HANDOFF_VARIABLE];
  delete env[HANDOFF_VARIABLE];
  if (file === undefined) return {};
  try {
    const fd = openSync(file, "r");
    try {
      const stat = fstatSync(fd);
      // Only a private regular file of our own: a path someone else planted is no source of settings.
      if (!stat.isFile() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) return {};
      const parsed: unknown = JSON.parse(readFileSync(fd, "utf8"));
      return Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).filter(
          (entry): entry is [string, string] => (CARRIED_SECRETS as readonly string[]).includes(entry[0]) && typeof entry[1] === "string",
        ),
      );
    } finally {
      closeSync(fd);
    }
  } catch {
    return {};
  } finally {
    removeHandoff(file);
  }
}

/**
 * Deletes handoff directories of this user older than a minute: what a start that died between writing and
 * reading one left behind (a crash, a kill, an exec that aborted). Called at every start, before anything runs.
 */
export function sweepStaleHandoffs(now = Date.now()): void {
  for (const dir of new Set(["/dev/shm", tmpdir()])) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.startsWith("agent-terminal-gateway-")) continue;
      const handoff = path.join(dir, entry);
      try {
        const stat = lstatSync(handoff);
        if (!stat.isDirectory() || stat.uid !== process.getuid?.() || now - stat.mtimeMs < STALE_HANDOFF_MS) continue;
      } catch {
        continue;
      }
      removeHandoff(path.join(handoff, "secrets.json"));
    }
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function writeHandoff(secrets: Record<string, string>): string {
  const dir = mkdtempSync(path.join(privateTmp(), "agent-terminal-gateway-"));
  const file = path.join(dir, "secrets.json");
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600, flag: "wx" });
  return file;
}

/** Deletes the file and its directory: only a path of the shape writeHandoff() makes, never a recursive delete. */
function removeHandoff(file: string): void {
  const dir = path.dirname(file);
  if (path.basename(file) !== "secrets.json" || !path.basename(dir).startsWith("agent-terminal-gateway-")) return;
  rmSync(file, { force: true });
  try {
    rmdirSync(dir);
  } catch {
    // Not empty or gone: left alone.
  }
}

/** tmpfs when there is one (never on disk), else the temp directory. */
function privateTmp(): string {
  try {
    const probe = mkdtempSync("/dev/shm/agent-terminal-gateway-probe-");
    rmSync(probe, { recursive: true, force: true });
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}
