import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import { signalSession } from "../sessions/process-tree.js";

/** Lines of the install's output kept for the page's progress view. */
const PROGRESS_LINES = 200;

/** What GET /api/ide reports about an install started from the page. */
export interface InstallStatus {
  readonly state: "idle" | "running" | "done" | "failed";
  /** The install's last output lines, oldest first; step lines start with "==>". */
  readonly lines: readonly string[];
  readonly startedAt: string | null;
  readonly exitCode: number | null;
}

export interface InstallerOptions {
  /** scripts/install-code-server.sh. */
  readonly script: string;
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly logger: Logger;
}

/** Runs scripts/install-code-server.sh for the page's "Install" button, one install at a time. */
export class Installer {
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private state: InstallStatus["state"] = "idle";
  private startedAt: Date | undefined;
  private exitCode: number | null = null;
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: InstallerOptions) {}

  status(): InstallStatus {
    return {
      state: this.state,
      lines: [...this.lines],
      startedAt: this.startedAt?.toISOString() ?? null,
      exitCode: this.exitCode,
    };
  }

  /** Starts the install unless one is running; resolves when it ends (callers need not wait). */
  run(): Promise<void> {
    if (this.state === "running") return this.finished;
    this.state = "running";
    this.lines = [];
    this.exitCode = null;
    this.startedAt = new Date();
    const log = this.options.logger;
    const env = Object.fromEntries(Object.entries(this.options.env()).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    const child = spawn("bash", [this.options.script], { cwd: this.options.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    log.info({ pid: child.pid }, "installing code-server");
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (partial + chunk).split(/\r?\n|\r/);
        partial = parts.pop() ?? "";
        for (const line of parts) this.add(line);
      });
      stream.on("end", () => partial && this.add(partial));
    }
    this.finished = new Promise<void>((resolve) => {
      child.once("error", (error) => {
        this.add(`cannot run the install script: ${error.message}`);
        this.state = "failed";
        resolve();
      });
      child.once("close", (code) => {
        this.child = undefined;
        this.exitCode = code;
        this.state = code === 0 ? "done" : "failed";
        log.info({ code, state: this.state }, "code-server install ended");
        resolve();
      });
    });
    return this.finished;
  }

  /** Stops a running install (its whole process group) and waits for it. */
  async close(): Promise<void> {
    if (this.child?.pid) signalSession(this.child.pid, "SIGTERM");
    await this.finished;
  }

  private add(line: string): void {
    const clean = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trimEnd();
    if (!clean) return;
    this.lines.push(clean);
    if (this.lines.length > PROGRESS_LINES) this.lines.shift();
  }
}
