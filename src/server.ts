import { mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { userInfo } from "node:os";
import path from "node:path";
import express, { type Express, type RequestHandler } from "express";
import type { Logger } from "pino";
import { AgentCatalogue } from "./agents.js";
import { AgentLaunchConfig } from "./agents/agent-launch-config.js";
import { agentSetup, perWire } from "./agents/agent-setup.js";
import { chooseAgentModels } from "./models/families.js";
import { bundledBinDirs } from "./agents/bundled-clis.js";
import { gatewayConfiguresAgents } from "./agents/homes.js";
import { createLocalGuard, type Guard } from "./auth/guard.js";
import { randomLocalKey } from "./auth/local-key.js";
import { OwnerResolver, type OwnerRetryOptions } from "./auth/owner.js";
import { createOwnerGuard } from "./auth/owner-guard.js";
import { createSecurityHeaders } from "./auth/security-headers.js";
import { PRODUCT, type Config } from "./config.js";
import { DEFAULT_CONNECTION_LIMITS, limitConnections, serverTimeouts, type ConnectionLimits } from "./connection-limits.js";
import { createIde, type Ide, type IdeTimings } from "./ide.js";
import { isPortPreview } from "./ide/proxy.js";
import { HttpError, errorMiddleware, refuseUpgrade, scrubbedResponses, toHttpError } from "./http-error.js";
import { ModelService } from "./models/model-service.js";
import { packageRoot } from "./paths.js";
import { createEvents, type EventsOptions } from "./events/events.js";
import { createAgentRoutes } from "./routes/agents.js";
import { createEventRoutes } from "./routes/events.js";
import { createGitIdentity } from "./git-identity.js";
import { McpProxy } from "./mcp/proxy.js";
import { mcpServers } from "./mcp/servers.js";
import { modelCredential } from "./models/credential.js";
import { conversationDirs } from "./agents/conversation-dirs.js";
import { resumeArgs } from "./agents/conversations.js";
import { createConversationRoutes } from "./routes/conversations.js";
import { createHealthRoutes } from "./routes/health.js";
import { createMeRoutes } from "./routes/me.js";
import { createModelRoutes } from "./routes/models.js";
import { createSessionRoutes } from "./routes/sessions.js";
import { createStaticRoutes } from "./routes/static.js";
import { createSyncRoutes, syncOverview } from "./routes/sync.js";
import { createTokenRoutes } from "./routes/token.js";
import { createUploadRoutes } from "./routes/upload.js";
import { createMemoryAdmission, preferForOomKill } from "./memory/admission.js";
import { readMemory, type MemoryPaths } from "./memory/memory-info.js";
import { createEchoTrace } from "./sessions/echo-trace.js";
import { SessionManager } from "./sessions/session-manager.js";
import { createTerminalSocket } from "./sessions/terminal-socket.js";
import { createSyncService, type SyncOptions, type SyncService } from "./sync/service.js";
import { createBackupService, type BackupOptions, type BackupService } from "./backup/service.js";
import { terminalEnv } from "./terminal-env.js";
import { createAgentNotice } from "./token/agent-notice.js";
import { createProfileWriter, type ProfileWriter } from "./token/databrickscfg.js";
import { createTokenApi } from "./token/token-api.js";
import { TokenManager } from "./token/token-manager.js";
import type { TokenSource } from "./token/types.js";
import { targetPath, type UpgradeRoute } from "./upgrade.js";

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

/** The running gateway: one HTTP server for the page, the API and every WebSocket. */
export interface Gateway {
  readonly server: http.Server;
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
  /** History, work in progress and agent memory in the workspace, restored after a redeploy; undefined without DATABRICKS_HOST. */
  readonly backup: BackupService | undefined;
  /** The loopback MCP proxy to the workspace's Databricks MCP servers. */
  readonly mcp: McpProxy;
  /** Listens on the configured host and port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** Ends every session and subsystem and closes the server. */
  close(): Promise<void>;
}

/** Builds the gateway from its settings; nothing runs until listen(). */
export function createServer(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  mkdirSync(config.projectsDir, { recursive: true });
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });

  const root = packageRoot();
  const shell = loginShell(options.env);
  const nodeModules = path.join(root, "node_modules");
  const binDir = path.join(nodeModules, ".bin");
  const userPath = options.env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  const searchPath = [binDir, ...userPath.split(":").filter(Boolean)];
  const pathFirst = [binDir, ...bundledBinDirs(nodeModules)];
  const baseEnv = terminalEnv(options.env, {
    SHELL: shell,
    PATH: [...pathFirst, userPath].join(":"),
    // Gemini started from a shell tab: its relaunch wrapper would otherwise outlive the tab.
    GEMINI_CLI_NO_RELAUNCH: "true",
  });
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
  const owner = config.appMode ? createOwnerResolver(config, logger, options.ownerRetry) : undefined;
  const localKey = !config.appMode && config.localAuth.required ? (config.localAuth.token ?? randomLocalKey()) : undefined;
  // Port previews need no key while code-server runs (see LocalGuardOptions.keyExempt); `ide` is made below.
  const keyExempt = (req: http.IncomingMessage) =>
    ide.manager.current === "running" && /^\/ide\/(abs)?proxy\/\d{1,5}(\/|\?|$)/.test(req.url ?? "") && isPortPreview(req.url ?? "/");
  const guard = options.guard ?? (owner ? createOwnerGuard({ owner, logger }) : createLocalGuard({ key: localKey, keyExempt }));
  const tokens = createTokens(options, sessions, () => owner?.owner());
  const agentNotice = createAgentNotice({ sessions, tokens, ownConfig: !gatewayConfiguresAgents(config) });
  // The owner's name and email on commits made in the terminals (when the global git config has none).
  const gitIdentity = config.databricks.host ? createGitIdentity({ tokens, env: { HOME: config.home, PATH: userPath }, logger }) : undefined;
  const models = new ModelService({ config, tokens, logger });
  // The workspace's MCP servers on loopback, behind the same local key as the model proxy.
  const mcp = new McpProxy({
    // Without a workspace there is nothing to reach: no agent gets a server that can only fail.
    servers: config.databricks.host ? mcpServers(config.mcp) : [],
    host: config.databricks.host,
    credential: modelCredential({ config, tokens }),
    localKey: models.proxy.localKey,
    logger,
  });
  // OpenCode, Pi and Copilot CLI, YAML catalogue agents, and the MCP servers of every agent that speaks MCP.
  const launchConfig = new AgentLaunchConfig({
    stateDir: config.stateDir,
    home: config.home,
    projectsDir: config.projectsDir,
    target: () => proxyTarget(models),
    models: () => perWire(chooseAgentModels([], config.models)),
    mcp: () => mcp.entries(),
    logger,
  });
  const agents = new AgentCatalogue({
    agents: config.agents,
    shell,
    searchPath,
    pathFirst,
    nodeModules,
    setup: (agent, cwd, model) => agentSetup({ agent, cwd, model, models, launchConfig, config }),
  });
  const terminalSocket = createTerminalSocket({ sessions, maxFrameBytes: config.limits.maxFrameBytes, logger });
  const ide = createIde({ config, logger, root, searchPath, env: () => baseEnv, ...options.ide });
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
  const sync = config.databricks.host
    ? createSyncService({
        host: config.databricks.host,
        projectsDir: config.projectsDir,
        stateDir: config.stateDir,
        home: config.home,
        hooksDir: path.join(root, "hooks"),
        tokens,
        owner: () => owner?.owner(),
        logger: logger.child({ component: "sync" }),
        path: userPath,
        onWake: () => backup?.wake(),
        ...options.sync,
      })
    : undefined;
  const backup = config.databricks.host && config.backup.enabled
    ? createBackupService({
        host: config.databricks.host,
        projectsDir: config.projectsDir,
        stateDir: config.stateDir,
        home: config.home,
        tokens,
        owner: () => owner?.owner(),
        logger: logger.child({ component: "backup" }),
        path: userPath,
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
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestLog(logger));
  // Secrets the gateway holds, scrubbed by value from every JSON answer (shapes are scrubbed anyway).
  const known = { values: () => [config.databricks.clientSecret, config.databricks.token, tokens.current(), localKey].filter((v): v is string => !!v) };
  app.use(scrubbedResponses(known));
  app.use(createSecurityHeaders({ cspExempt: ["/ide"] }));
  app.use(createHealthRoutes({ guard }));
  // Everything registered after this line is the owner's only; /healthz above is the one exception.
  app.use(guard.http);
  // code-server under /ide/ (exempt from the page's CSP above: the workbench brings its own).
  app.use("/ide", memory.ideVisits);
  app.use(ide.proxyRoutes);
  // Before the JSON parser: an uploaded .json file is a file, not a request body to parse (or refuse at 64 kB).
  app.use(createUploadRoutes({ uploadsDir: config.uploadsDir, maxBytes: config.limits.maxUploadBytes }));
  app.use("/api", express.json({ limit: "64kb" }));
  app.use(createMeRoutes({ guard, appMode: config.appMode }));
  app.use(createAgentRoutes({ agents }));
  app.use(createTokenRoutes({ tokens }));
  app.use(createSyncRoutes({ sync, backup }));
  app.use(createModelRoutes({ models }));
  app.use(memory.routes);
  const dirs = conversationDirs(config);
  app.use(createConversationRoutes({ dirs, projectsDir: config.projectsDir }));
  app.use(
    createSessionRoutes({
      sessions,
      agents,
      projectsDir: config.projectsDir,
      env: () => baseEnv,
      resume: (agent, cwd, id) => resumeArgs(agent, dirs, cwd, id),
    }),
  );
  app.use(ide.apiRoutes);
  app.use(createEventRoutes({ events }));
  app.use(createStaticRoutes({ root }));
  app.use((req, _res, next) => next(new HttpError(404, "not_found", `Nothing at ${req.method} ${req.path}.`)));
  app.use(errorMiddleware(logger));

  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const server = http.createServer(serverTimeouts(limits), app);
  limitConnections(server, limits);
  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    try {
      const pathname = targetPath(req.url);
      if (pathname === undefined) {
        refuseUpgrade(socket, new HttpError(400, "bad_path", "Not a valid request path."));
        return;
      }
      const route = upgrades.find((r) => r.matches(pathname));
      const refusal = guard.checkUpgrade(req) ?? (route ? undefined : new HttpError(404, "not_found", "No WebSocket here."));
      if (refusal) {
        logger.info({ path: pathname, status: refusal.status }, "upgrade refused");
        refuseUpgrade(socket, refusal);
        return;
      }
      route!.handle(req, socket, head);
    } catch (error) {
      refuseUpgrade(socket, toHttpError(error, logger));
    }
  });

  let closing: Promise<void> | undefined;
  return {
    server,
    sessions,
    tokens,
    ide,
    config,
    app,
    upgrades,
    sync,
    models,
    localKey,
    backup,
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
        gitIdentity?.close();
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

/** The model proxy's URL and key once it listens (its url getter throws before), for the agents' files. */
function proxyTarget(models: ModelService): { proxyUrl: string; localKey: string } | undefined {
  try {
    return { proxyUrl: models.proxy.url, localKey: models.proxy.localKey };
  } catch {
    return undefined;
  }
}

/** The owner's PAT manager, wired to the workspace and ~/.databrickscfg; takes no token without a workspace. */
function createTokens(options: GatewayOptions, sessions: SessionManager, owner: () => string | undefined): TokenManager {
  const { config, logger } = options;
  const { host, modelAuth, appName } = config.databricks;
  const disabledReason =
    modelAuth === "app" ? "MODEL_AUTH=app signs with the app's own credentials" : host === undefined ? "DATABRICKS_HOST is not set" : undefined;
  const profile: ProfileWriter =
    disabledReason === undefined && host !== undefined
      ? createProfileWriter({ file: path.join(config.home, ".databrickscfg"), host })
      : { write: async () => {} };
  return new TokenManager({
    api: disabledReason === undefined && host !== undefined ? createTokenApi({ host, callTimeoutMs: options.callTimeoutMs }) : undefined,
    disabledReason,
    profile,
    sessions,
    logger,
    owner,
    requireOwner: config.appMode,
    initialToken: config.databricks.token,
    rotationIntervalSeconds: config.token.rotationIntervalSeconds,
    lifetimeSeconds: config.token.lifetimeSeconds,
    comment: `${PRODUCT}${appName ? ` (app ${appName})` : ""}: short-lived token, rotated by the gateway`,
  });
}

/** The user's login shell: $SHELL, else the passwd entry, else /bin/bash. */
function loginShell(env: Readonly<Record<string, string | undefined>>): string {
  if (env.SHELL) return env.SHELL;
  try {
    return userInfo().shell || "/bin/bash";
  } catch {
    return "/bin/bash";
  }
}

/** One structured line per request: method, path (no query), status and duration. */
function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: "http" });
  return (req, res, next) => {
    const started = performance.now();
    res.on("finish", () => {
      log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        "request",
      );
    });
    next();
  };
}

/**
 * App mode's owner (APP_OWNER, or the app's creator looked up in the background): the guard lets only them in
 * and the token manager accepts only their tokens.
 */
function createOwnerResolver(config: Config, logger: Logger, retry: Partial<OwnerRetryOptions> | undefined): OwnerResolver {
  const { appOwner, appName, host, clientId, clientSecret } = config.databricks;
  return new OwnerResolver({ settings: { appOwner, appName, host, clientId, clientSecret }, logger, retry });
}
