import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "pino";
import { readVersion, resolveCodeServerBin } from "./code-server-bin.js";
import { CodeServerProcess, describeExit, killStale } from "./code-server-process.js";
import { IdleWatch } from "./idle-watch.js";

/** What GET /api/ide reports. */
export type IdeState = "absent" | "stopped" | "starting" | "running" | "failed";

export interface IdeStatus {
  readonly state: IdeState;
  readonly version: string | null;
  readonly startedAt: string | null;
  readonly lastError: string | null;
}

export interface IdeManagerOptions {
  /** CODE_SERVER_BIN, when set. */
  readonly codeServerBin: string | undefined;
  /** Where scripts/install-code-server.sh installs by default. */
  readonly installDir: string;
  readonly searchPath: readonly string[];
  readonly projectsDir: string;
  /** code-server's data, config and socket live under here. */
  readonly stateDir: string;
  /** Stop after this long without a proxied request or an open WebSocket. */
  readonly idleMs: number;
  /** How long a start may take before it counts as failed (the machine may be busy). */
  readonly startTimeoutMs?: number;
  /** The environment code-server and its terminals get (the same allowlisted one as the gateway's terminals). */
  readonly env: () => Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
}

const DEFAULT_START_TIMEOUT_MS = 90_000;
/**
 * The user settings a fresh IDE starts with (never written over the owner's own): VS Code 1.116's first-run
 * "Sign in to continue with AI" dialog covers the whole workbench and leads to GitHub, which is out of place here.
 */
const FIRST_SETTINGS = { "workbench.welcomePage.experimentalOnboarding": false };
/** A unix socket path must fit in sun_path (108 bytes on Linux). */
const MAX_SOCKET_PATH = 100;

/**
 * Runs code-server on demand: started by the first visit, stopped when idle, marked failed (with its last log
 * lines) when it crashes, started again by the next visit. It listens on a unix socket only the gateway's user
 * can open, so nothing but the guarded proxy reaches it.
 */
export class IdeManager {
  private process: CodeServerProcess | undefined;
  private starting: Promise<IdeStatus> | undefined;
  private stopping: Promise<void> | undefined;
  private state: Exclude<IdeState, "absent"> = "stopped";
  private startedAt: Date | undefined;
  private lastError: string | undefined;
  private version: { bin: string; value: Promise<string | undefined> } | undefined;
  private readonly idle: IdleWatch;
  private closed = false;
  private readonly dataDir: string;
  private socketDir: string | undefined;
  private readonly log: Logger;

  constructor(private readonly options: IdeManagerOptions) {
    this.dataDir = path.join(options.stateDir, "ide");
    this.log = options.logger;
    this.idle = new IdleWatch(options.idleMs, () => void this.stop(`idle for ${Math.round(options.idleMs / 1000)} s`));
  }

  /** The executable that would run, or undefined when code-server is not installed. */
  bin(): string | undefined {
    return resolveCodeServerBin({
      configured: this.options.codeServerBin,
      installDir: this.options.installDir,
      searchPath: this.options.searchPath,
    });
  }

  /** CODE_SERVER_BIN when set: then the page cannot offer to install. */
  get configuredBin(): string | undefined {
    return this.options.codeServerBin;
  }

  /** The unix socket code-server listens on (valid while running). */
  get socketPath(): string {
    return path.join(this.socketDirectory(), "code-server.sock");
  }

  /** The running process's id, for tests and shutdown checks. */
  get pid(): number | undefined {
    return this.process?.running ? this.process.pid : undefined;
  }

  async status(): Promise<IdeStatus> {
    const bin = this.bin();
    const state: IdeState = bin === undefined && this.state !== "running" && this.state !== "starting" ? "absent" : this.state;
    return {
      state,
      version: bin ? ((await this.versionOf(bin)) ?? null) : null,
      startedAt: this.state === "running" && this.startedAt ? this.startedAt.toISOString() : null,
      lastError: this.lastError ?? null,
    };
  }

  /** Current state without asking the binary anything (for the proxy's hot path). */
  get current(): IdeState {
    return this.stopping ? "stopped" : this.state;
  }

  /** Starts code-server unless it runs or is starting; resolves when it is healthy or has failed. */
  start(): Promise<IdeStatus> {
    this.touch();
    if (this.closed || (this.state === "running" && this.process?.running)) return this.status();
    return (this.starting ??= this.launch().finally(() => (this.starting = undefined)));
  }

  /** A proxied request: the IDE is in use. Health checks never call this. */
  touch(): void {
    this.idle.touch();
  }

  /** A proxied WebSocket opened; while any is open the IDE counts as in use. Returns the matching close. */
  socketOpened(): () => void {
    return this.idle.socketOpened();
  }

  /** Stops code-server (idle, or asked to); the state becomes "stopped". */
  async stop(reason: string): Promise<void> {
    const process = this.process;
    if (!process) return this.stopping;
    this.log.info({ pid: process.pid, reason }, "stopping code-server");
    this.process = undefined;
    this.idle.stop();
    // The API says "stopped" only once the whole group is gone; the proxy stops sending to it at once.
    const stopping = (this.stopping = process.stop().then(() => {
      if (this.stopping !== stopping) return;
      this.stopping = undefined;
      if (this.state === "running" || this.state === "starting") this.state = "stopped";
    }));
    await stopping;
  }

  /** Ends code-server's whole process group; the manager starts nothing afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop("gateway shutting down");
    await this.starting?.catch(() => undefined);
    if (this.socketDir && this.socketDir !== this.dataDir) rmSync(this.socketDir, { recursive: true, force: true });
  }

  private async launch(): Promise<IdeStatus> {
    await this.stopping; // a visit during an idle stop waits for the old process to be gone
    if (this.closed) return this.status();
    const bin = this.bin();
    if (bin === undefined) {
      this.lastError = this.options.codeServerBin
        ? `CODE_SERVER_BIN (${this.options.codeServerBin}) is not an executable file.`
        : "code-server is not installed.";
      return this.status();
    }
    const userData = path.join(this.dataDir, "user-data");
    mkdirSync(path.join(userData, "User"), { recursive: true, mode: 0o700 });
    const settings = path.join(userData, "User", "settings.json");
    if (!existsSync(settings)) writeFileSync(settings, JSON.stringify(FIRST_SETTINGS, null, 2) + "\n", { mode: 0o600 });
    const pidFile = path.join(this.dataDir, "code-server.pid");
    killStale(pidFile, this.log);
    const socketPath = this.socketPath;
    rmSync(socketPath, { force: true });
    const env = this.childEnv();
    const process = new CodeServerProcess({
      bin,
      args: [
        "--socket", socketPath,
        "--socket-mode", "600",
        "--auth", "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--user-data-dir", userData,
        "--extensions-dir", path.join(this.dataDir, "extensions"),
        this.options.projectsDir,
      ],
      env: {
        ...env,
        XDG_DATA_HOME: path.join(this.dataDir, "data"),
        XDG_CONFIG_HOME: path.join(this.dataDir, "config"),
        XDG_CACHE_HOME: path.join(this.dataDir, "cache"),
      },
      cwd: this.options.projectsDir,
      socketPath,
      logger: this.log,
    });
    this.process = process;
    if (process.pid > 0) writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
    void process.exited.then(() => {
      if (this.process === process || this.process === undefined) rmSync(pidFile, { force: true });
    });
    this.state = "starting";
    this.lastError = undefined;
    this.log.info({ pid: process.pid, bin }, "starting code-server");
    void process.exited.then((exit) => {
      if (this.process !== process) return; // stopped on purpose
      this.process = undefined;
      this.state = "failed";
      this.idle.stop();
      this.lastError = `code-server exited (${describeExit(exit)}). Last lines:\n${process.logTail()}`;
      this.log.warn({ pid: process.pid, ...exit }, "code-server crashed");
    });
    const problem = await process.waitHealthy(this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    if (this.process !== process) return this.status(); // stopped or crashed meanwhile
    if (problem) {
      this.process = undefined;
      await process.stop();
      this.state = "failed";
      this.lastError = `${problem}. Last lines:\n${process.logTail()}`;
      this.log.warn({ pid: process.pid, problem }, "code-server failed to start");
      return this.status();
    }
    this.state = "running";
    this.startedAt = new Date();
    this.idle.start();
    this.log.info({ pid: process.pid }, "code-server running");
    return this.status();
  }

  /** Asks the binary once (it takes a Node start); the answer is kept per path. */
  private versionOf(bin: string): Promise<string | undefined> {
    if (this.version?.bin !== bin) this.version = { bin, value: readVersion(bin, this.childEnv()) };
    return this.version.value;
  }

  private childEnv(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.options.env()).filter((e): e is [string, string] => e[1] !== undefined));
  }

  private socketDirectory(): string {
    if (this.socketDir === undefined) {
      const preferred = this.dataDir;
      mkdirSync(preferred, { recursive: true, mode: 0o700 });
      // A long STATE_DIR would overflow sun_path: fall back to a private temp directory.
      this.socketDir =
        Buffer.byteLength(path.join(preferred, "code-server.sock")) <= MAX_SOCKET_PATH
          ? preferred
          : mkdtempSync(path.join(tmpdir(), "atg-ide-"));
    }
    return this.socketDir;
  }
}
