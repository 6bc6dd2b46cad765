import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Logger } from "pino";
import { isExecutable } from "../paths.js";
import { signalSession } from "../sessions/process-tree.js";
import { installRelease, isInstalled, type ReleaseProgress } from "./release-archive.js";

/** Lines of the install's output kept for the page's progress view. */
const PROGRESS_LINES = 200;

/** What GET /api/ide reports about an install started from the page. */
export interface InstallStatus {
  readonly state: "idle" | "running" | "done" | "failed";
  /** The install's last output lines, oldest first; step lines start with "==>". */
  readonly lines: readonly string[];
  readonly startedAt: string | null;
  readonly exitCode: number | null;
  /** Which way it went: the release archive, or the npm build (the fallback); null before it is known. */
  readonly method: "release" | "npm" | "cached" | null;
  /** The release download's bytes, then its unpacking; null otherwise. */
  readonly progress: ReleaseProgress | null;
}

/** The release archive path: where from, where to, and how long a silent server is waited for. */
export interface ReleaseSource {
  readonly version: string;
  /** CODE_SERVER_RELEASE_URL, default code-server's GitHub release downloads. */
  readonly baseUrl: string;
  /** The cache folder the gateway runs DIR/bin/code-server from. */
  readonly dir: string;
  readonly sha256?: string;
  readonly stallMs?: number;
}

export interface InstallerOptions {
  /** scripts/install-code-server.sh: the npm build, the fallback when the release archive fails. */
  readonly script: string;
  /** Tried first; without it, the script alone (as before). */
  readonly release?: ReleaseSource;
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly logger: Logger;
}

/** Programs the npm build compiles with: without them it cannot work, so it is not tried. */
const TOOLCHAIN = ["c++", "make", "python3"];

/**
 * The page's "Install" button, one install at a time: code-server's standalone release archive first (no
 * compiler, no root), then scripts/install-code-server.sh (the npm build) if the archive failed and this machine
 * has a toolchain. Every step and the reason for a fallback go into the progress lines.
 */
export class Installer {
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private state: InstallStatus["state"] = "idle";
  private startedAt: Date | undefined;
  private exitCode: number | null = null;
  private method: InstallStatus["method"] = null;
  private progress: ReleaseProgress | null = null;
  private abort: AbortController | undefined;
  private finished: Promise<void> = Promise.resolve();

  constructor(private readonly options: InstallerOptions) {}

  status(): InstallStatus {
    return {
      state: this.state,
      lines: [...this.lines],
      startedAt: this.startedAt?.toISOString() ?? null,
      exitCode: this.exitCode,
      method: this.method,
      progress: this.progress,
    };
  }

  /** Starts the install unless one is running; resolves when it ends (callers need not wait). */
  run(): Promise<void> {
    if (this.state === "running") return this.finished;
    this.state = "running";
    this.lines = [];
    this.exitCode = null;
    this.method = null;
    this.progress = null;
    this.startedAt = new Date();
    this.finished = this.install().then(
      (code) => this.end(code),
      (error: Error) => {
        this.add(`install failed: ${error.message}`);
        this.end(1);
      },
    );
    return this.finished;
  }

  private async install(): Promise<number> {
    const release = this.options.release;
    if (!release) return this.runScript();
    if (isInstalled(release.dir, release.version)) {
      this.method = "cached";
      this.add(`==> code-server ${release.version} is already installed in ${release.dir}`);
      return 0;
    }
    const started = Date.now();
    this.method = "release";
    this.abort = new AbortController();
    try {
      this.add(`==> installing code-server ${release.version} from its release archive (no compiler needed)`);
      await installRelease({
        ...release,
        env: this.env(),
        signal: this.abort.signal,
        log: (line) => this.add(line),
        onProgress: (progress) => (this.progress = progress),
      });
      this.progress = null;
      this.add(`==> code-server ${release.version} installed in ${release.dir} from the release archive (${Math.round((Date.now() - started) / 1000)} s)`);
      this.options.logger.info({ method: "release", ms: Date.now() - started }, "code-server installed");
      return 0;
    } catch (error) {
      this.progress = null;
      if (this.abort.signal.aborted) throw new Error("stopped");
      const reason = (error as Error).message;
      this.add(`==> the release archive failed: ${reason}`);
      const missing = TOOLCHAIN.filter((tool) => !this.onPath(tool));
      if (missing.length > 0) {
        this.add(`==> not falling back to the npm build: it compiles native modules and ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not on PATH`);
        this.options.logger.warn({ reason, missing }, "code-server install failed; no toolchain for the npm build");
        return 1;
      }
      this.add("==> falling back to the npm build (a C/C++ toolchain, make and python3 are on PATH)");
      this.options.logger.warn({ reason }, "release archive failed; falling back to the npm build");
      this.method = "npm";
      return this.runScript();
    } finally {
      this.abort = undefined;
    }
  }

  private runScript(): Promise<number> {
    const log = this.options.logger;
    const child = spawn("bash", [this.options.script], { cwd: this.options.cwd, env: this.env(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
    return new Promise<number>((resolve) => {
      child.once("error", (error) => {
        this.add(`cannot run the install script: ${error.message}`);
        resolve(1);
      });
      child.once("close", (code) => {
        this.child = undefined;
        resolve(code ?? 1);
      });
    });
  }

  private end(code: number): void {
    this.exitCode = code;
    this.state = code === 0 ? "done" : "failed";
    this.options.logger.info({ code, state: this.state, method: this.method }, "code-server install ended");
  }

  private env(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(this.options.env()).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  }

  private onPath(tool: string): boolean {
    return (this.env().PATH ?? "").split(":").some((dir) => dir !== "" && isExecutable(path.join(dir, tool)));
  }

  /** Stops a running install (its whole process group) and waits for it. */
  async close(): Promise<void> {
    this.abort?.abort();
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
