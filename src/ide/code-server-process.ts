import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { Logger } from "pino";
import { preferForOomKill } from "../memory.js";
import { isAlive, reapSession, signalSession } from "../sessions/process-tree.js";

/** Lines of code-server's output kept for the "failed" state's message. */
const TAIL_LINES = 30;
/**
 * code-server usually ends its tree well within a second of SIGTERM (at worst 10 s, notes/code-server.md); the
 * gateway itself must be down within 10 s of a SIGTERM, so SIGKILL follows after 5 s.
 */
const TERM_GRACE_MS = 5_000;
/** After the leader exits, its children get this long before SIGKILL. */
const KILL_GRACE_MS = 3_000;
const HEALTH_POLL_MS = 100;

export interface CodeServerProcessOptions {
  readonly bin: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly socketPath: string;
  readonly logger: Logger;
}

/** How a process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One code-server process, spawned detached so that it leads its own process group and session: stopping it
 * signals the whole tree (code-server forks a child; after SIGKILL to the parent alone that child lingers).
 */
export class CodeServerProcess {
  readonly pid: number;
  /** Resolves once the process has exited and nothing of its session is left. */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private exit: ExitInfo | undefined;

  constructor(private readonly options: CodeServerProcessOptions) {
    this.child = spawn(options.bin, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.pid = this.child.pid ?? -1;
    preferForOomKill(this.child.pid, options.logger);
    const log = options.logger;
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.remember(line);
      });
      stream.on("end", () => partial && this.remember(partial));
    }
    this.exited = new Promise((resolve) => {
      let spawnError: Error | undefined;
      this.child.once("error", (error) => {
        spawnError = error;
        this.remember(`cannot run ${options.bin}: ${error.message}`);
        if (this.pid === -1) resolve((this.exit = { code: null, signal: null }));
      });
      this.child.once("exit", (code, signal) => {
        this.exit = { code, signal };
        log.info({ pid: this.pid, code, signal, spawnError: spawnError?.message }, "code-server exited");
        resolve(this.reap().then(() => this.exit!));
      });
    });
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** The last lines code-server printed, oldest first. */
  logTail(): string {
    return this.tail.join("\n");
  }

  /**
   * Polls GET /healthz until it answers 200 with JSON (it answered 404 once just after start; GET / would count as
   * activity). Resolves undefined when healthy, else why not.
   */
  async waitHealthy(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) return `code-server exited (${describeExit(this.exit)}) while starting`;
      if (await healthy(this.options.socketPath)) return undefined;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
    }
    return `code-server did not become healthy within ${Math.round(timeoutMs / 1000)} s`;
  }

  /** Ends the whole process group: SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<ExitInfo> {
    if (this.exit === undefined && this.pid > 0) {
      signalSession(this.pid, "SIGTERM");
      const timer = setTimeout(() => signalSession(this.pid, "SIGKILL"), TERM_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  private remember(line: string): void {
    const clean = line.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
    if (!clean) return;
    this.tail.push(clean);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.options.logger.debug({ pid: this.pid, line: clean }, "code-server");
  }

  /** After the leader exits its children may linger: signal what is left of the session until none is. */
  private async reap(): Promise<void> {
    if (this.pid > 0) await reapSession(this.pid, { first: "SIGTERM", killAfterMs: KILL_GRACE_MS, pollMs: HEALTH_POLL_MS });
  }
}

/** "code 1", "signal SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function healthy(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: "/healthz", timeout: 2_000, headers: { host: "localhost" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 && typeof JSON.parse(body) === "object");
        } catch {
          resolve(false);
        }
      });
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/**
 * Ends a code-server that a previous gateway run left behind (the gateway was killed before it could stop it):
 * the pid file names its group leader, and the command line must still be code-server's before anything is sent.
 */
export function killStale(pidFile: string, logger: Logger): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return;
  }
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return;
  }
  if (!cmdline.includes("code-server")) return;
  logger.warn({ pid }, "ending a code-server left behind by an earlier run");
  signalSession(pid, "SIGKILL");
}
