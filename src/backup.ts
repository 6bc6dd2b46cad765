import { setMaxListeners } from "node:events";
import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { Backoff, soonestTimer, type BackoffPolicy } from "./backoff.js";
import { FILE_CALL_TIMEOUT_MS, userClient } from "./databricks.js";
import { createTokenUserResolver } from "./sync/token-user.js";
import type { TokenSource } from "./token/types.js";
import { gitRun, type BackupGitEnv } from "./backup/git-exec.js";
import { homeItems } from "./backup/home-items.js";
import { BackupState } from "./backup/local-state.js";
import { backupRoot, REPO_NAME } from "./backup/manifest.js";
import { PieceStore } from "./backup/pieces.js";
import { emptyRestoreStatus, restorePhase, type RestoreStatus } from "./backup/restore-phase.js";
import { RESTORE_AREA } from "./backup/restore-repo.js";
import { createSaver, type RepoBackupStatus } from "./backup/saver.js";

/** The backup's settings; createServer fills them from the config, tests shorten the times. */
export interface BackupOptions {
  readonly host: string;
  readonly projectsDir: string;
  readonly stateDir: string;
  readonly home: string;
  readonly tokens: TokenSource;
  readonly owner: () => string | undefined;
  readonly logger: Logger;
  /** PATH for git. */
  readonly path: string;
  /** Live secrets never to upload besides the token (the model proxy's key). */
  readonly secrets?: () => readonly (string | undefined)[];
  /** How often refs and work in progress are looked at (BACKUP_INTERVAL_SECONDS). */
  readonly intervalMs?: number;
  /** After a commit's wake-up, wait this long (quick commits coalesce). */
  readonly debounceMs?: number;
  /** Links in a chain before it is consolidated into one full bundle. */
  readonly maxLinks?: number;
  /** Cap on HOME's part (BACKUP_HOME_MAX_BYTES): newest files first. */
  readonly homeMaxBytes?: number;
  readonly callTimeoutMs?: number;
  /** How failed passes are retried (tests shorten it); the jitter stays BACKUP_RETRY_JITTER. */
  readonly retry?: Pick<BackoffPolicy, "baseMs" | "maxMs">;
  /** The SIGTERM save's budget, inside the 10 s shutdown. */
  readonly finalSaveMs?: number;
  /** Runs before the SIGTERM save (ends the terminals, so shells write their history). */
  readonly beforeFinalSave?: () => Promise<void>;
  /** Counts uploaded bytes (bench). */
  readonly onUpload?: (bytes: number) => void;
}

/** History, work in progress and HOME's part saved to the workspace, and restored after a redeploy. */
export interface BackupService {
  start(): void;
  /** A commit happened (the sync hook's wake-up): look soon. */
  wake(): void;
  status(): { restore: RestoreStatus; repos: Record<string, RepoBackupStatus>; home: { savedAt: string | null; skipped: readonly { path: string; reason: string }[]; lastError: string | null } };
  /** Resolves when no pass is running nor due within `ms` (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** How often refs and work in progress are looked at by default (BACKUP_INTERVAL_SECONDS=120). */
export const DEFAULT_BACKUP_INTERVAL_MS = 120_000;
/** After a failed pass: 2 s, 4 s, ... up to 2 minutes, the same as the sync's. */
const BACKUP_RETRY = { baseMs: 2_000, maxMs: 120_000 };
/** Up to 20% either way. */
const BACKUP_RETRY_JITTER = 0.2;

/**
 * Builds the backup; nothing happens until start(). Each pass: with a token, first (once per start) the restore
 * of what the workspace holds and the machine lacks, then a save of every repository under PROJECTS_DIR and of
 * HOME's part. Passes run after a commit's wake-up, every `intervalMs`, sooner after a failure (backoff), at
 * once when a token arrives, and one last time in close() (SIGTERM).
 */
export function createBackupService(options: BackupOptions): BackupService {
  const logger = options.logger;
  const git: BackupGitEnv = { HOME: options.home, PATH: options.path, LANG: "C.UTF-8" };
  const state = new BackupState(options.stateDir, logger);
  const backoff = new Backoff({ ...(options.retry ?? BACKUP_RETRY), jitter: BACKUP_RETRY_JITTER });
  const callTimeoutMs = options.callTimeoutMs ?? FILE_CALL_TIMEOUT_MS;
  const resolveOwner = createTokenUserResolver({ host: options.host, known: options.owner, callTimeoutMs });
  const items = homeItems({ home: options.home, stateDir: options.stateDir });
  const secrets = () => [options.tokens.current(), ...(options.secrets?.() ?? [])];
  let abort = newAbort();
  const restore = emptyRestoreStatus();
  const conflicts = new Map<string, string[]>();
  let restored = false;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let unsubscribe = (): void => {};
  const saver = createSaver({
    git, state, items, secrets, logger, stateDir: options.stateDir, home: options.home,
    homeMaxBytes: options.homeMaxBytes, maxLinks: options.maxLinks ?? 20, wipEveryMs: 0.8 * (options.intervalMs ?? DEFAULT_BACKUP_INTERVAL_MS),
  });

  const timer = soonestTimer(() => void run());

  const run = async (final = false): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = pass(final)
      .then(() => backoff.succeeded("pass"))
      .catch((error: unknown) => {
        if (closed && !final) return;
        const message = (error as Error)?.message ?? String(error);
        restore.lastError = message.slice(0, 1000);
        if (restore.state === "restoring") restore.state = "retrying";
        const delay = backoff.failed("pass");
        logger.warn({ error: message, retryInMs: delay }, "backup pass failed; will retry");
      });
    await running;
    running = undefined;
    if (again && !closed) {
      again = false;
      timer.schedule(0);
    } else {
      const next = backoff.nextDue(["pass"]);
      timer.schedule(next !== undefined ? Math.max(0, next - Date.now()) : (options.intervalMs ?? DEFAULT_BACKUP_INTERVAL_MS));
    }
  };

  const pass = async (final: boolean): Promise<void> => {
    const token = options.tokens.current();
    if (!token) {
      if (!restored) restore.state = "waiting-for-token";
      return;
    }
    const signal = abort.signal;
    const owner = await resolveOwner(token, signal);
    if (!/^[^/\s]+$/.test(owner)) throw new Error(`unusable owner name for a workspace path: ${JSON.stringify(owner)}`);
    const store = new PieceStore({ client: userClient(options.host, token), callTimeoutMs, signal, secrets, onUpload: options.onUpload });
    const root = backupRoot(owner);
    if (!restored) {
      restore.state = "restoring";
      await restorePhase({
        git, store, root, mirrorRoot: `/Users/${owner}/projects`, projectsDir: options.projectsDir, stateDir: options.stateDir,
        home: options.home, items, state, status: restore, changed: () => {}, conflicts,
      });
      restored = true;
      restore.state = "done";
      restore.lastError = null;
      logger.info({ repos: Object.fromEntries(Object.entries(restore.repos).map(([n, r]) => [n, r.state])), home: restore.home.state }, "restore finished");
    }
    // A conflict's stored backup is kept until the local repository holds what it held (the owner fetched it).
    const blocked = new Set<string>();
    for (const [name, ids] of conflicts) {
      const dir = path.join(options.projectsDir, name);
      const missing = ids.length === 0 ? [] : await gitRun(git, dir, ["cat-file", "--batch-check"], { input: ids.join("\n") + "\n" }).then((out) => out.split("\n").filter((l) => l.endsWith(" missing")), () => ["?"]);
      if (missing.length > 0) blocked.add(name);
      else {
        conflicts.delete(name);
        const entry = restore.repos[name];
        if (entry) entry.message = `${entry.message ?? ""} Resolved: the local repository holds the stored history; saving it again.`.trim();
      }
    }
    await saver.saveAll(store, root, localRepos().filter((n) => !blocked.has(n)), final, options.projectsDir);
  };

  const localRepos = (): string[] => {
    try {
      return readdirSync(options.projectsDir)
        .filter((name) => name !== RESTORE_AREA && REPO_NAME.test(name) && existsSync(path.join(options.projectsDir, name, ".git")))
        .sort();
    } catch {
      return [];
    }
  };

  return {
    start() {
      state.load();
      // A restore killed half-way left its temporary folders: the repositories are still missing and restored anew.
      rmSync(path.join(options.projectsDir, RESTORE_AREA), { recursive: true, force: true });
      unsubscribe = options.tokens.subscribe((token) => {
        if (!token) return;
        backoff.reset();
        timer.schedule(0);
      });
      timer.schedule(0);
    },
    wake: () => timer.schedule(options.debounceMs ?? 2_000),
    status: () => ({ restore, repos: saver.status(), home: saver.homeStatus() }),
    async idle() {
      while (running) await running;
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      timer.cancel();
      const budget = options.finalSaveMs ?? 5_000;
      const started = Date.now();
      await options.beforeFinalSave?.().catch(() => undefined);
      await Promise.race([running, new Promise((r) => setTimeout(r, budget).unref())]);
      if (!restored || running) return;
      abort = newAbort();
      const stop = setTimeout(() => abort.abort(new Error("the shutdown budget ran out")), Math.max(500, budget - (Date.now() - started)));
      again = false;
      try {
        await run(true);
      } finally {
        clearTimeout(stop);
      }
      logger.info({ ms: Date.now() - started }, "backup saved at shutdown");
    },
  };
}

/** Every SDK call of a pass listens on this signal (deadline()): more than Node's default of 10 at once is normal. */
function newAbort(): AbortController {
  const controller = new AbortController();
  setMaxListeners(10_000, controller.signal);
  return controller;
}
