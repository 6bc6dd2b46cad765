import { realpathSync } from "node:fs";
import type { Logger } from "pino";
import { Backoff, soonestTimer, type BackoffPolicy } from "./backoff.js";
import { FILE_CALL_TIMEOUT_MS, statusOf } from "./databricks.js";
import type { TokenSource } from "./token/types.js";
import { catchUp, repoName } from "./sync/catch-up.js";
import type { GitEnv } from "./sync/git.js";
import { installHooks } from "./sync/install-hooks.js";
import { startNotifyListener, type NotifyListener } from "./sync/notify.js";
import { createTokenUserResolver } from "./sync/token-user.js";
import { Spool, type SpoolEntry } from "./sync/spool.js";
import { syncRepository, type RepoSyncContext } from "./sync/sync-repo.js";
import { SyncStateStore, type SkippedFile } from "./sync/state.js";

/** GET /api/sync reports one of these per repository. */
export interface RepoSyncStatus {
  readonly name: string;
  readonly lastCommit: string | null;
  readonly lastSyncedAt: string | null;
  /** Commits waiting in the spool. */
  readonly pending: number;
  readonly lastError: string | null;
  readonly syncing: boolean;
  /** Files the last sync left out, with the reason. */
  readonly skipped: readonly SkippedFile[];
}

/** The sync's collaborators and settings; createServer fills them from the config. */
export interface SyncOptions {
  /** The workspace, e.g. config.databricks.host. */
  readonly host: string;
  readonly projectsDir: string;
  readonly stateDir: string;
  /** The gateway user's HOME: its global git config gets the hooks. */
  readonly home: string;
  /** The package's hooks/ folder. */
  readonly hooksDir: string;
  readonly tokens: TokenSource;
  /** The owner's email when known (APP_OWNER, the app's creator); else the token's user is asked. */
  readonly owner: () => string | undefined;
  readonly logger: Logger;
  /** PATH for git. */
  readonly path: string;
  /** How failed repositories are retried (tests shorten it); the jitter stays SYNC_RETRY_JITTER. */
  readonly retry?: Pick<BackoffPolicy, "baseMs" | "maxMs">;
  /** Quick commits within this window coalesce into one sync. */
  readonly debounceMs?: number;
  /** Requests in flight per sync; the workspace allows about 30 imports a second. */
  readonly concurrency?: number;
  readonly callTimeoutMs?: number;
  /** Told of every hook wake-up (a commit): the history backup looks soon too. */
  readonly onWake?: () => void;
}

/** The workspace sync: git hook -> spool -> the owner's workspace folder. */
export interface SyncService {
  /** Installs the hooks, opens the loopback wake-up and works through whatever the spool holds. */
  start(): Promise<void>;
  status(): RepoSyncStatus[];
  /** Looks at the spool soon (the hook's wake-up calls this). */
  wake(): void;
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 150;
const SWEEP_MS = 60_000;
const DEFAULT_CONCURRENCY = 6;
/** 2 s, 4 s, ... up to 2 minutes: quick after a blip, gentle during an outage. */
const SYNC_RETRY = { baseMs: 2_000, maxMs: 120_000 };
/** Up to 20% either way, so repositories that failed together do not retry in lockstep. */
const SYNC_RETRY_JITTER = 0.2;

/** Builds the sync; nothing happens until start(). */
export function createSyncService(options: SyncOptions): SyncService {
  const logger = options.logger;
  const gitEnv: GitEnv = { env: { HOME: options.home, PATH: options.path, LANG: "C.UTF-8", GIT_TERMINAL_PROMPT: "0" } };
  const spool = new Spool({ stateDir: options.stateDir, logger });
  const state = new SyncStateStore({ stateDir: options.stateDir, logger });
  const backoff = new Backoff({ ...(options.retry ?? SYNC_RETRY), jitter: SYNC_RETRY_JITTER });
  const callTimeoutMs = options.callTimeoutMs ?? FILE_CALL_TIMEOUT_MS;
  const resolveOwner = createTokenUserResolver({ host: options.host, known: options.owner, callTimeoutMs });
  const abort = new AbortController();
  const repoContext: RepoSyncContext = {
    host: options.host,
    git: gitEnv,
    spool,
    state,
    knownDirs: new Set<string>(),
    resolveOwner,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    callTimeoutMs,
    signal: abort.signal,
    logger,
  };
  const pending = new Map<string, number>();
  let projectsReal = options.projectsDir;
  let notify: NotifyListener | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let syncing: string | undefined;
  /** The token the current sync started with. */
  let usedToken: string | undefined;
  let closed = false;
  let unsubscribe = (): void => {};

  const timer = soonestTimer(() => void run());

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = pass().catch((error: unknown) => logger.error({ err: error }, "workspace sync pass failed"));
    await running;
    running = undefined;
    if (again) {
      again = false;
      timer.schedule(0);
    } else {
      const next = backoff.nextDue([...pending.keys()]);
      // A wake-up can be lost (the hook's connection refused mid-restart): look at the spool now and then anyway.
      timer.schedule(Math.min(next === undefined ? Infinity : Math.max(0, next - Date.now()), SWEEP_MS));
    }
  };

  /** One look at the spool: each repository with waiting commits gets one sync of its newest. */
  const pass = async (): Promise<void> => {
    const groups = new Map<string, { dir: string; entries: SpoolEntry[] }>();
    for (const entry of await spool.scan()) {
      const name = repoName(projectsReal, entry.repo);
      if (name === undefined) {
        logger.debug({ repo: entry.repo }, "commit outside the projects folder: not synced");
        await spool.remove([entry]);
        continue;
      }
      const group = groups.get(name) ?? { dir: entry.repo, entries: [] };
      group.entries.push(entry);
      groups.set(name, group);
    }
    pending.clear();
    for (const [name, group] of groups) pending.set(name, group.entries.length);
    for (const [name, group] of groups) {
      if (closed) return;
      if (!backoff.due(name)) continue;
      syncing = name;
      try {
        if (await syncRepo(name, group.dir, group.entries)) {
          pending.delete(name);
          backoff.succeeded(name);
        }
      } catch (error) {
        fail(name, group.dir, error);
      } finally {
        syncing = undefined;
      }
    }
  };

  /** Syncs the newest commit of `entries`; false when it could not start (no token). */
  const syncRepo = async (name: string, dir: string, entries: SpoolEntry[]): Promise<boolean> => {
    usedToken = options.tokens.current();
    const outcome = await syncRepository(repoContext, { name, dir, entries, token: usedToken });
    if (outcome === "no-token") {
      state.update(name, dir, { lastError: "No personal access token: paste one to sync." });
      backoff.failed(name);
      return false;
    }
    return true;
  };

  const fail = (name: string, dir: string, error: unknown): void => {
    // Closing aborts the calls in flight: the spool keeps the commit for the next start, nothing to record.
    if (closed) return;
    const status = statusOf(error);
    const message =
      status === 401 || status === 403
        ? `The workspace refused the token (${status}): paste a new personal access token.`
        : `${status !== undefined ? `Workspace unavailable (${status})` : "Sync failed"}: ${(error as Error)?.message ?? String(error)}`;
    state.update(name, dir, { lastError: message.slice(0, 1000) });
    // The token was replaced while this sync ran (a rotation, then the old one revoked): go again at once.
    const replaced = (status === 401 || status === 403) && options.tokens.current() !== undefined && options.tokens.current() !== usedToken;
    const delayMs = replaced ? 0 : backoff.failed(name);
    if (replaced) again = true;
    logger.warn({ repo: name, status, retryInMs: delayMs, error: message }, "workspace sync failed; will retry");
  };

  return {
    async start() {
      // The sync never keeps the gateway from starting: each failure is logged; the spool sweep still runs.
      try {
        projectsReal = realpathSync(options.projectsDir);
        state.load();
        await catchUp({ state, spool, git: gitEnv, logger });
      } catch (error) {
        logger.error({ err: error }, "workspace sync: cannot catch up on missed commits");
      }
      await installHooks({ ...gitEnv, hooksDir: options.hooksDir, stateDir: options.stateDir, home: options.home, logger });
      try {
        notify = await startNotifyListener({ stateDir: options.stateDir, logger, onWake: () => {
            timer.schedule(options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
            options.onWake?.();
          },
        });
      } catch (error) {
        logger.error({ err: error }, "workspace sync: no loopback wake-up; commits are picked up by the periodic sweep");
      }
      unsubscribe = options.tokens.subscribe((token) => {
        if (!token) return;
        // A new token: whatever waited for one goes now.
        backoff.reset();
        timer.schedule(0);
      });
      timer.schedule(0);
    },
    status: () =>
      [...new Set([...state.names(), ...pending.keys()])].sort().map((name) => {
        const repo = state.get(name);
        return {
          name,
          lastCommit: repo?.lastCommit ?? null,
          lastSyncedAt: repo?.lastSyncedAt ?? null,
          pending: pending.get(name) ?? 0,
          lastError: repo?.lastError ?? null,
          syncing: syncing === name,
          skipped: repo?.skipped ?? [],
        };
      }),
    wake: () => timer.schedule(options.debounceMs ?? DEFAULT_DEBOUNCE_MS),
    async close() {
      closed = true;
      unsubscribe();
      timer.cancel();
      abort.abort();
      await running;
      await notify?.close();
    },
  };
}
