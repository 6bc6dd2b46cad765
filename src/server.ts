// Longer than the house's ~250 lines on purpose: the composition root builds every subsystem in one place, so the
// order of construction, listen() and close() can be read at once. Routes, upgrades and wiring live elsewhere.
import { mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { createAgents } from "./agents.js";
import { conversationDirs } from "./agents/conversation-dirs.js";
import { gatewayConfiguresAgents } from "./agents/homes.js";
import { createAccess } from "./auth.js";
import type { Guard } from "./auth/guard.js";
import type { OwnerRetryOptions } from "./auth/owner.js";
import { createBackupService, type BackupOptions } from "./backup.js";
import type { Config } from "./config.js";
import { DEFAULT_CONNECTION_LIMITS, limitConnections, serverTimeouts, type ConnectionLimits } from "./connection-limits.js";
import { createEvents, type EventsOptions } from "./events.js";
import { createGitIdentity } from "./git-identity.js";
import { createIde, type Ide, type IdeTimings } from "./ide.js";
import { createMcp, type McpProxy } from "./mcp.js";
import { createMemoryAdmission, preferForOomKill } from "./memory.js";
import { readMemory, type MemoryPaths } from "./memory/memory-info.js";
import { ModelService } from "./models.js";
import { packageRoot } from "./paths.js";
import { registerRoutes } from "./routes.js";
import { syncOverview } from "./routes/sync.js";
import { createEchoTrace } from "./sessions/echo-trace.js";
import { SessionManager } from "./sessions.js";
import { createTerminalSocket } from "./sessions/terminal-socket.js";
import { createSyncService, type SyncOptions, type SyncService } from "./sync.js";
import { terminalSetup } from "./terminal-env.js";
import { createAgentNotice } from "./token/agent-notice.js";
import { createTokens } from "./token.js";
import type { TokenSource } from "./token/types.js";
import { createUpgradeDispatcher, type UpgradeRoute } from "./upgrade.js";

export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The gateway's own environment; terminals get an allowlisted part of it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Replaces the owner guard (tests). */
  readonly guard?: Guard;
  /** Shortens the owner lookup's timeout and retry delays (tests). */
  readonly ownerRetry?: Partial<OwnerRetryOptions>;
  /** Bound for each token call to the workspace, hung ones included (tests shorten it). */
  readonly callTimeoutMs?: number;
  /** Settings of the workspace sync that tests shorten. */
  readonly sync?: Partial<Pick<SyncOptions, "retry" | "debounceMs" | "concurrency" | "callTimeoutMs">>;
  /** Settings of the history/WIP/agent-memory backup that tests shorten. */
  readonly backup?: Partial<Pick<BackupOptions, "intervalMs" | "debounceMs" | "maxLinks" | "homeMaxBytes" | "retry" | "callTimeoutMs" | "finalSaveMs" | "onUpload">>;
  /** Shortens the IDE's idle period and upstream timeout (tests). */
  readonly ide?: IdeTimings;
  /** The events channel's per-reader bound and status interval (tests shorten them). */
  readonly events?: Partial<Pick<EventsOptions, "maxBufferedBytes" | "maxClients" | "statusIntervalMs">>;
  /** Where memory figures are read (tests: a fake cgroup directory). */
  readonly memoryPaths?: MemoryPaths;
  /** Connection caps and the header timeout (tests shorten them). */
  readonly connectionLimits?: Partial<ConnectionLimits>;
}

/** The running gateway: one HTTP server for the page, the API and every WebSocket. Fields are what tests use. */
export interface Gateway {
  readonly sessions: SessionManager;
  /** The owner's PAT: its consumers (model proxy, sync) take it as a TokenSource. */
  readonly tokens: TokenSource;
  readonly ide: Ide;
  readonly config: Config;
  /** The Express app: tests walk its router stack to prove the guard covers every route. */
  readonly app: Express;
  /** Every WebSocket endpoint, each checked by the guard before it sees the upgrade. */
  readonly upgrades: readonly UpgradeRoute[];
  /** The git-commit workspace sync; undefined without DATABRICKS_HOST. */
  readonly sync: SyncService | undefined;
  /** The model route, the loopback model proxy and the CLIs' configuration. */
  readonly models: ModelService;
  /** Local mode's key (GATEWAY_TOKEN or a fresh one); undefined in app mode and with GATEWAY_AUTH=none. */
  readonly localKey: string | undefined;
  /** The loopback MCP proxy to the workspace's Databricks MCP servers. */
  readonly mcp: McpProxy;
  /** Listens on the configured host and port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** Ends every session and subsystem and closes the server. */
  close(): Promise<void>;
}

/** Builds the gateway from its settings: the subsystems, their routes and upgrades; nothing runs until listen(). */
export function createServer(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  mkdirSync(config.projectsDir, { recursive: true });
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const root = packageRoot();
  const terminal = terminalSetup(options.env, root);
  const { userPath } = terminal;
  const workspace = config.databricks.host;

  // A bench diagnostic, off unless GATEWAY_ECHO_TRACE names a file: written when the gateway closes.
  const echoTrace = config.echoTraceFile ? createEchoTrace(config.echoTraceFile) : undefined;
  const sessions = new SessionManager({
    trace: echoTrace,
    maxSessions: config.limits.maxSessions,
    lingerMinutes: config.sessionLingerMinutes,
    scrollbackBytes: config.limits.scrollbackBytes,
    scrollbackLines: config.limits.scrollbackLines,
    logger: logger.child({ component: "sessions" }),
  });

  // Who may come in: the owner (app mode) or the holder of the local key.
  const { owner, localKey, guard } = createAccess({
    config,
    logger,
    ownerRetry: options.ownerRetry,
    guard: options.guard,
    // `ide` is made below, before any request comes.
    keyExempt: (req) => ide.previewNeedsNoKey(req),
  });

  // The owner's token and what is built on it.
  const tokens = createTokens({ config, logger, sessions, owner: () => owner?.owner(), callTimeoutMs: options.callTimeoutMs });
  const agentNotice = createAgentNotice({ sessions, tokens, ownConfig: !gatewayConfiguresAgents(config) });
  // The owner's name and email on commits made in the terminals (when the global git config has none).
  const gitIdentity = workspace ? createGitIdentity({ tokens, env: { HOME: config.home, PATH: userPath }, logger }) : undefined;
  const models = new ModelService({ config, tokens, logger });
  // The workspace's MCP servers on loopback, behind the same local key as the model proxy.
  const mcp = createMcp({ config, tokens, localKey: models.proxy.localKey, logger });

  // Terminals, agents and the IDE.
  const agents = createAgents({ config, terminal, models, mcp, logger });
  const terminalSocket = createTerminalSocket({ sessions, maxFrameBytes: config.limits.maxFrameBytes, logger });
  const ide = createIde({ config, logger, root, searchPath: terminal.searchPath, env: () => terminal.env, ...options.ide });
  const upgrades: UpgradeRoute[] = [terminalSocket, ide.upgrade];
  const memory = createMemoryAdmission({
    headroomBytes: config.memoryHeadroomMb * 2 ** 20,
    ideRunning: () => ide.manager.current === "running" || ide.manager.current === "starting",
    ideInstalled: () => ide.manager.bin() !== undefined,
    logger: logger.child({ component: "memory" }),
    read: () => readMemory(options.memoryPaths),
  });
  // Agents before the gateway when the container runs out of memory (see CHILD_OOM_SCORE_ADJ).
  sessions.subscribe((event, session) => event === "created" && preferForOomKill(session.pid, logger));

  // The workspace copies: projects (sync) and history, WIP and agent memory (backup).
  const workspaceCopy = { projectsDir: config.projectsDir, stateDir: config.stateDir, home: config.home, tokens, owner: () => owner?.owner(), path: userPath };
  const sync = workspace
    ? createSyncService({
        host: workspace,
        ...workspaceCopy,
        hooksDir: path.join(root, "hooks"),
        logger: logger.child({ component: "sync" }),
        onWake: () => backup?.wake(),
        ...options.sync,
      })
    : undefined;
  const backup = workspace && config.backup.enabled
    ? createBackupService({
        host: workspace,
        ...workspaceCopy,
        logger: logger.child({ component: "backup" }),
        secrets: () => [models.proxy.localKey, localKey, config.databricks.clientSecret, config.databricks.token].filter((v): v is string => !!v),
        intervalMs: config.backup.intervalSeconds * 1000,
        homeMaxBytes: config.backup.homeMaxBytes,
        beforeFinalSave: () => sessions.close(),
        ...options.backup,
      })
    : undefined;

  const events = createEvents({
    sessions,
    logger,
    sources: [
      { type: "token", read: () => tokens.status() },
      { type: "sync", read: () => syncOverview(sync, backup) },
      { type: "ide", read: async () => ({ ...(await ide.manager.status()), install: ide.installer.status() }) },
      { type: "models", read: () => models.info() },
      { type: "memory", read: () => memory.status() },
    ],
    ...options.events,
  });
  const unwatchToken = tokens.subscribe(() => events.poke());

  const app = express();
  registerRoutes(app, {
    config,
    logger,
    root,
    guard,
    // Secrets the gateway holds, scrubbed by value from every JSON answer (shapes are scrubbed anyway).
    secrets: { values: () => [config.databricks.clientSecret, config.databricks.token, tokens.current(), localKey].filter((v): v is string => !!v) },
    sessions,
    agents,
    tokens,
    sync,
    backup,
    models,
    memory,
    ide,
    events,
    conversations: conversationDirs(config),
    terminalEnv: () => terminal.env,
  });
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const server = http.createServer(serverTimeouts(limits), app);
  limitConnections(server, limits);
  server.on("upgrade", createUpgradeDispatcher({ routes: upgrades, guard, logger }));

  let closing: Promise<void> | undefined;
  return {
    sessions,
    tokens,
    ide,
    config,
    app,
    upgrades,
    sync,
    models,
    localKey,
    mcp,
    listen: async () => {
      guard.start?.();
      owner?.start(); // a no-op when the guard started it; a test's own guard does not
      await tokens.start();
      // After the sync has set core.hooksPath: two writers of ~/.gitconfig at once, and one fails on its lock.
      await sync?.start();
      gitIdentity?.start();
      await models.start();
      backup?.start();
      await mcp.listen();
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => {
          server.off("error", reject);
          const { address, port } = server.address() as AddressInfo;
          const host = address.includes(":") ? `[${address}]` : address;
          logger.info({ url: `http://${host}:${port}`, mode: config.appMode ? "app" : "local" }, "gateway listening");
          resolve(`http://${host}:${port}`);
        });
      });
    },
    close: () =>
      (closing ??= (async () => {
        agentNotice.close();
        unwatchToken();
        events.close();
        // First, while the token still works: the terminals end (shells write their history), then the last save.
        await backup?.close();
        await gitIdentity?.close();
        await Promise.all([sessions.close(), tokens.close(), sync?.close(), ide.close()]);
        terminalSocket.close();
        guard.close();
        owner?.close();
        await models.close();
        await mcp.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        echoTrace?.close();
      })()),
  };
}
